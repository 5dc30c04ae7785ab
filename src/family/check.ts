/** Meaning checks on each image after inheritance: what the schema cannot say. */
import { asWritten, withBuildArgValues } from '../dockerfile/build-args.js';
import { baseArgName } from '../dockerfile/instructions.js';
import type { Diagnostic } from '../errors.js';
import { isTestKindName, testKind, type TestKindName } from '../image-tests/index.js';
import { TEST_KIND_NAMES } from '../image-tests/kind.js';
import { layerKind } from '../layers/index.js';
import { ABSOLUTE_PATH, ENV_NAME, LABEL_KEY, STAGE_NAME, USER } from '../manifest/grammar.js';
import { RULE_IDS } from '../manifest/lint-rules.js';
import type { NodePath, ParsedManifest } from '../manifest/load.js';
import type { ResolvedLayer } from '../manifest/types.js';
import { isValidImageName, parseReference } from '../reference.js';
import { didYouMean } from '../suggest.js';
import type { InheritedImage } from './inherit.js';

export interface CheckContext {
  manifest: ParsedManifest;
  /** Layer kinds there is a template for. */
  layerKinds: readonly string[];
  /** Current variable values, to check values that read build arguments. */
  values: Readonly<Record<string, string>>;
}

type Report = (path: NodePath, message: string, part?: 'key' | 'value') => void;

const NAME_RULE = 'letters, digits and _, not starting with a digit';

/** Every meaning problem of one image after inheritance. */
export function checkImage(image: InheritedImage, { manifest, layerKinds, values }: CheckContext): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const report: Report = (path, message, part = 'value') => diagnostics.push({ location: manifest.locate(path, part), message });
  if (!isValidImageName(image.name)) {
    report(['images', image.name], `\`${image.name}\` is not a valid image name: lowercase letters and digits, separated by . _ or -`, 'key');
  }
  if (image.spec.base !== undefined) checkBase(image.spec.base, fieldPath(image, 'base'), `the base of image \`${image.name}\``, values, report);
  checkKeys(image, report);
  checkLintSwitches(image, report);
  checkTests(image, report);
  checkPaths(image, report);
  checkStages(image, values, report);
  const stageNames = image.stages.map((stage) => stage.name);
  image.stages.forEach((stage, index) => {
    for (const layer of stage.layers) checkLayer(layer, image.name, stageNames.slice(0, index), { layerKinds, values }, report);
  });
  for (const layer of image.layers) checkLayer(layer, image.name, stageNames, { layerKinds, values }, report);
  return diagnostics;
}

/** Where a field of the image was written (in the image itself, or in the one it extends). */
function fieldPath(image: InheritedImage, field: string): NodePath {
  return image.paths[field] ?? ['images', image.name];
}

function checkBase(reference: string, path: NodePath, what: string, values: Readonly<Record<string, string>>, report: Report): void {
  const parsed = parseReference(withBuildArgValues(reference, values));
  if (!parsed.ok) report(path, `invalid image reference \`${asWritten(reference)}\` in ${what}: ${parsed.problem}`);
}

/** Names of environment variables, build arguments and labels, in the image and its stages. */
function checkKeys(image: InheritedImage, report: Report): void {
  const { spec } = image;
  const check = (field: 'env' | 'args' | 'labels', pattern: RegExp, expected: string) => {
    for (const key of Object.keys(spec[field] ?? {})) {
      if (!pattern.test(key)) report(image.paths[`${field}.${key}`] ?? fieldPath(image, field), `\`${key}\` is not a valid ${expected}`, 'key');
    }
  };
  check('env', ENV_NAME, `environment variable name (${NAME_RULE})`);
  check('args', ENV_NAME, `build argument name (${NAME_RULE})`);
  check('labels', LABEL_KEY, 'label key (letters, digits and . _ / -)');
  for (const stage of image.stages) {
    for (const field of ['env', 'args'] as const) {
      for (const key of Object.keys(stage[field] ?? {})) {
        const what = field === 'env' ? 'environment variable' : 'build argument';
        if (!ENV_NAME.test(key)) report([...stage.path, field, key], `\`${key}\` is not a valid ${what} name (${NAME_RULE})`, 'key');
      }
    }
  }
}

/** `lint:` may switch off only rules that exist. */
function checkLintSwitches(image: InheritedImage, report: Report): void {
  for (const rule of Object.keys(image.spec.lint ?? {})) {
    if (!(RULE_IDS as readonly string[]).includes(rule)) {
      report(
        image.paths[`lint.${rule}`] ?? fieldPath(image, 'lint'),
        `unknown lint rule \`${rule}\`${didYouMean(rule, RULE_IDS)}; the rules are: ${RULE_IDS.join(', ')}`,
        'key',
      );
    }
  }
}

/** Each test: exactly one kind, the parameters of that kind, and what its kind checks (regular expressions…). */
function checkTests(image: InheritedImage, report: Report): void {
  for (const [name, test] of Object.entries(image.spec.tests ?? {})) {
    if (test === null) continue;
    const at = image.paths[`tests.${name}`] ?? fieldPath(image, 'tests');
    const kinds = Object.keys(test).filter(isTestKindName);
    if (kinds.length !== 1) {
      const found = kinds.length === 0 ? 'none' : kinds.map((kind) => `\`${kind}\``).join(', ');
      report(at, `test \`${name}\` must have exactly one kind (${TEST_KIND_NAMES.join(', ')}); it has ${found}`, 'key');
      continue;
    }
    const kind = testKind(kinds[0] as TestKindName);
    const siblings = Object.keys(test).filter((key) => key !== kind.name);
    if (!kind.flat && siblings.length > 0) {
      report([...at, siblings[0]!], `\`${siblings[0]}\` belongs inside \`${kind.name}:\` (a ${kind.name} test writes its parameters there)`, 'key');
      continue;
    }
    const params = (kind.flat ? test : test[kind.name]) as Record<string, unknown>;
    const paramsAt = kind.flat ? at : [...at, kind.name];
    for (const problem of kind.check(params)) report([...paramsAt, problem.param], `test \`${name}\`: ${problem.message}`);
  }
}

/** workdir, user, volumes and the build context. */
function checkPaths(image: InheritedImage, report: Report): void {
  const { spec } = image;
  if (spec.workdir !== undefined && !ABSOLUTE_PATH.test(spec.workdir)) {
    report(fieldPath(image, 'workdir'), `workdir \`${spec.workdir}\` must be an absolute path of letters, digits and . _ / @ + -`);
  }
  if (spec.user !== undefined && !USER.test(spec.user)) report(fieldPath(image, 'user'), `user \`${spec.user}\` must be NAME, UID, NAME:GROUP or $VARIABLE`);
  (spec.volumes ?? []).forEach((volume, index) => {
    if (!ABSOLUTE_PATH.test(volume)) report([...fieldPath(image, 'volumes'), index], `volume \`${volume}\` must be an absolute path`);
  });
  if (spec.context !== undefined && (spec.context.startsWith('/') || spec.context === '')) {
    report(fieldPath(image, 'context'), `context \`${spec.context}\` must be a folder relative to the manifest`);
  }
}

/** Stage names (unique, and each its own base build argument), bases, workdirs and users. */
function checkStages(image: InheritedImage, values: Readonly<Record<string, string>>, report: Report): void {
  const stageNames = image.stages.map((stage) => stage.name);
  image.stages.forEach((stage, index) => {
    const at = [...stage.path, 'name'];
    if (!STAGE_NAME.test(stage.name)) report(at, `stage name \`${stage.name}\` must be lowercase letters, digits and . _ -, starting with a letter`);
    if (stageNames.indexOf(stage.name) !== index) report(at, `stage name \`${stage.name}\` is used twice in image \`${image.name}\``);
    const sameArg = stageNames.findIndex((other) => baseArgName(other) === baseArgName(stage.name));
    if (stageNames[sameArg] !== stage.name) {
      report(at, `stage names \`${stageNames[sameArg]}\` and \`${stage.name}\` would share the build argument ${baseArgName(stage.name)}; rename one`);
    }
    checkBase(stage.base, [...stage.path, 'base'], `stage \`${stage.name}\` of image \`${image.name}\``, values, report);
    if (stage.workdir !== undefined && !ABSOLUTE_PATH.test(stage.workdir))
      report([...stage.path, 'workdir'], `workdir \`${stage.workdir}\` must be an absolute path`);
    if (stage.user !== undefined && !USER.test(stage.user))
      report([...stage.path, 'user'], `user \`${stage.user}\` must be NAME, UID, NAME:GROUP or $VARIABLE`);
  });
}

/** A layer of a known kind is checked by its kind's module. */
function checkLayer(
  layer: ResolvedLayer,
  image: string,
  stagesBefore: readonly string[],
  { layerKinds, values }: Pick<CheckContext, 'layerKinds' | 'values'>,
  report: Report,
): void {
  if (!layerKinds.includes(layer.kind)) {
    report(layer.path, `unknown layer kind \`${layer.kind}\`${didYouMean(layer.kind, layerKinds)}; add templates/layers/${layer.kind}.hbs to define it`, 'key');
    return;
  }
  layerKind(layer.kind).check?.(layer, { image, stagesBefore, values, report });
}
