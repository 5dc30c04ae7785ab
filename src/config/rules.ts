import type { Diagnostic } from '../errors.js';
import { paramPath, type InheritedImage, type ResolvedLayer } from '../graph/inherit.js';
import { isValidImageName, parseReference } from '../reference.js';
import { didYouMean } from '../suggest.js';
import type { NodePath, ParsedManifest } from './load.js';
import { withBuildArgValues } from './variables.js';
import { baseArgName } from '../render/dockerfile.js';
import { rawTextProblem } from '../render/templates.js';
import { RULE_IDS } from '../lint/lint.js';

export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;
const APT_PACKAGE = /^[a-z0-9][a-z0-9+.-]+(?:=[A-Za-z0-9.+~:-]+)?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;
const ABSOLUTE_PATH = /^\/[A-Za-z0-9._/@+-]*$/;
const USER = /^(?:[A-Za-z0-9_][A-Za-z0-9_.-]*|\$[A-Za-z_][A-Za-z0-9_]*)(?::(?:[A-Za-z0-9_][A-Za-z0-9_.-]*|\$[A-Za-z_][A-Za-z0-9_]*))?$/;

const STAGE_NAME = /^[a-z][a-z0-9_.-]*$/;
const PYTHON_COMMAND = /^[A-Za-z0-9._/+-]+$/;

const PIP_NAME = String.raw`[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?`;
const PIP_EXTRAS = String.raw`\[\s*${PIP_NAME}(?:\s*,\s*${PIP_NAME})*\s*\]`;
const PIP_VERSION = String.raw`(?:~=|===|==|!=|<=|>=|<|>)\s*[A-Za-z0-9.*+!_-]+`;
const PIP_URL = String.raw`@\s*[A-Za-z][A-Za-z0-9+.-]*://[^\s;]+`;
const PIP_MARKER = String.raw`;\s*[A-Za-z0-9_ .'"<>=!~(),-]+`;
const PIP_REQUIREMENT = new RegExp(
  String.raw`^${PIP_NAME}\s*(?:${PIP_EXTRAS})?\s*(?:${PIP_URL}\s*|(?:${PIP_VERSION}(?:\s*,\s*${PIP_VERSION})*)?)\s*(?:${PIP_MARKER})?$`,
);

export function isValidAptPackage(spec: string): boolean {
  return APT_PACKAGE.test(spec);
}

export function isValidPipRequirement(spec: string): boolean {
  return PIP_REQUIREMENT.test(spec);
}

/** A relative path that stays inside the build context. */
function isContextPath(path: string): boolean {
  return path !== '' && !path.startsWith('/') && !path.startsWith('-') && !path.split('/').includes('..');
}

/** Manifest strings may never hold line breaks or other control characters: they would start new instructions. */
export function checkControlCharacters(manifest: ParsedManifest): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const walk = (value: unknown, path: NodePath): void => {
    if (typeof value === 'string') {
      if (CONTROL_CHARACTER.test(value)) {
        diagnostics.push({
          location: manifest.locate(path),
          message: 'line breaks and other control characters are not allowed in values; write one item per list entry',
        });
      }
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => walk(item, [...path, index]));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        if (CONTROL_CHARACTER.test(key))
          diagnostics.push({ location: manifest.locate([...path, key], 'key'), message: 'control characters are not allowed in keys' });
        walk(item, [...path, key]);
      }
    }
  };
  walk(manifest.data, []);
  return diagnostics;
}

export interface RuleContext {
  manifest: ParsedManifest;
  /** Layer kinds there is a template for. */
  layerKinds: readonly string[];
  /** Current variable values, to check values that read build arguments. */
  values: Readonly<Record<string, string>>;
}

/** Meaning checks on one image after inheritance. */
export function checkImage(image: InheritedImage, { manifest, layerKinds, values }: RuleContext): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const report = (path: NodePath, message: string, part: 'key' | 'value' = 'value') => diagnostics.push({ location: manifest.locate(path, part), message });
  const pathOf = (field: string) => image.paths[field] ?? ['images', image.name];
  const { spec } = image;

  if (!isValidImageName(image.name)) {
    report(['images', image.name], `\`${image.name}\` is not a valid image name: lowercase letters and digits, separated by . _ or -`, 'key');
  }

  const checkBase = (reference: string, path: NodePath, what: string) => {
    const parsed = parseReference(withBuildArgValues(reference, values));
    if (!parsed.ok) report(path, `invalid image reference \`${reference.replace(/\u0000/g, '')}\` in ${what}: ${parsed.problem}`);
  };
  if (spec.base !== undefined) checkBase(spec.base, pathOf('base'), `the base of image \`${image.name}\``);

  const checkKeys = (field: 'env' | 'args' | 'labels', pattern: RegExp, expected: string) => {
    for (const key of Object.keys(spec[field] ?? {})) {
      if (!pattern.test(key)) report(image.paths[`${field}.${key}`] ?? pathOf(field), `\`${key}\` is not a valid ${expected}`, 'key');
    }
  };
  checkKeys('env', ENV_NAME, 'environment variable name (letters, digits and _, not starting with a digit)');
  checkKeys('args', ENV_NAME, 'build argument name (letters, digits and _, not starting with a digit)');
  checkKeys('labels', LABEL_KEY, 'label key (letters, digits and . _ / -)');
  image.stages.forEach((stage) => {
    for (const field of ['env', 'args'] as const) {
      for (const key of Object.keys(stage[field] ?? {})) {
        if (!ENV_NAME.test(key))
          report(
            [...stage.path, field, key],
            `\`${key}\` is not a valid ${field === 'env' ? 'environment variable' : 'build argument'} name (letters, digits and _, not starting with a digit)`,
            'key',
          );
      }
    }
  });

  for (const rule of Object.keys(spec.lint ?? {})) {
    if (!(RULE_IDS as readonly string[]).includes(rule)) {
      report(
        image.paths[`lint.${rule}`] ?? pathOf('lint'),
        `unknown lint rule \`${rule}\`${didYouMean(rule, RULE_IDS)}; the rules are: ${RULE_IDS.join(', ')}`,
        'key',
      );
    }
  }
  if (spec.workdir !== undefined && !ABSOLUTE_PATH.test(spec.workdir)) {
    report(pathOf('workdir'), `workdir \`${spec.workdir}\` must be an absolute path of letters, digits and . _ / @ + -`);
  }
  if (spec.user !== undefined && !USER.test(spec.user)) {
    report(pathOf('user'), `user \`${spec.user}\` must be NAME, UID, NAME:GROUP or \$VARIABLE`);
  }
  (spec.volumes ?? []).forEach((volume, index) => {
    if (!ABSOLUTE_PATH.test(volume)) report([...pathOf('volumes'), index], `volume \`${volume}\` must be an absolute path`);
  });
  if (spec.context !== undefined && (spec.context.startsWith('/') || spec.context === '')) {
    report(pathOf('context'), `context \`${spec.context}\` must be a folder relative to the manifest`);
  }

  const stageNames = image.stages.map((stage) => stage.name);
  image.stages.forEach((stage, index) => {
    if (!STAGE_NAME.test(stage.name))
      report([...stage.path, 'name'], `stage name \`${stage.name}\` must be lowercase letters, digits and . _ -, starting with a letter`);
    if (stageNames.indexOf(stage.name) !== index) report([...stage.path, 'name'], `stage name \`${stage.name}\` is used twice in image \`${image.name}\``);
    const sameArg = stageNames.findIndex((other) => baseArgName(other) === baseArgName(stage.name));
    if (sameArg !== index && stageNames[sameArg] !== stage.name) {
      report(
        [...stage.path, 'name'],
        `stage names \`${stageNames[sameArg]}\` and \`${stage.name}\` would share the build argument ${baseArgName(stage.name)}; rename one`,
      );
    }
    checkBase(stage.base, [...stage.path, 'base'], `stage \`${stage.name}\` of image \`${image.name}\``);
    if (stage.workdir !== undefined && !ABSOLUTE_PATH.test(stage.workdir))
      report([...stage.path, 'workdir'], `workdir \`${stage.workdir}\` must be an absolute path`);
    if (stage.user !== undefined && !USER.test(stage.user))
      report([...stage.path, 'user'], `user \`${stage.user}\` must be NAME, UID, NAME:GROUP or \$VARIABLE`);
    for (const layer of stage.layers) checkLayer(layer, stageNames.slice(0, index));
  });
  for (const layer of image.layers) checkLayer(layer, stageNames);

  function checkLayer(layer: ResolvedLayer, stagesBefore: readonly string[]) {
    const { kind, params, path } = layer;
    if (!layerKinds.includes(kind)) {
      report(path, `unknown layer kind \`${kind}\`${didYouMean(kind, layerKinds)}; add templates/layers/${kind}.hbs to define it`, 'key');
      return;
    }
    const list = (name: string): string[] =>
      Array.isArray(params[name]) ? (params[name] as string[]) : typeof params[name] === 'string' ? [params[name] as string] : [];
    switch (kind) {
      case 'apt':
        list('packages').forEach((pkg, index) => {
          if (!isValidAptPackage(pkg))
            report(
              [...paramPath(layer, 'packages'), index],
              `invalid apt package \`${pkg}\`: expected NAME or NAME=VERSION (lowercase letters, digits and + . -)`,
            );
        });
        break;
      case 'pip':
        if (params.python !== undefined && !PYTHON_COMMAND.test(String(params.python)))
          report(paramPath(layer, 'python'), `python \`${String(params.python)}\` must be a command name or path (letters, digits and . _ / + -)`);
        list('packages').forEach((spec, index) => {
          if (!isValidPipRequirement(withBuildArgValues(spec, values))) {
            report(
              [...paramPath(layer, 'packages'), index],
              `invalid pip requirement \`${spec.replace(/\u0000/g, '')}\`: expected NAME[extras] with optional version specifiers (==1.2, ~=1.2, >=1,<2), a URL (NAME @ https://…) and a marker (; python_version < "3.10")`,
            );
          }
        });
        list('requirements').forEach((file, index) => {
          if (!isContextPath(file))
            report([...paramPath(layer, 'requirements'), index], `requirement file \`${file}\` must be a path relative to the build context, without ..`);
        });
        break;
      case 'copy': {
        const from = params.from as string | undefined;
        if (from !== undefined && !stagesBefore.includes(from)) {
          report(
            paramPath(layer, 'from'),
            `copy from \`${from}\`: no such stage before this layer in image \`${image.name}\`${didYouMean(from, stagesBefore)}`,
          );
        }
        list('src').forEach((src, index) => {
          const srcPath = Array.isArray(params.src) ? [...paramPath(layer, 'src'), index] : paramPath(layer, 'src');
          if (from === undefined && !isContextPath(src)) report(srcPath, `copy source \`${src}\` must be a path relative to the build context, without ..`);
          if (from !== undefined && !src.startsWith('/'))
            report(srcPath, `copy source \`${src}\` from stage \`${from}\` must be an absolute path in that stage`);
        });
        const dest = params.dest as string;
        if (!ABSOLUTE_PATH.test(dest)) report(paramPath(layer, 'dest'), `copy destination \`${dest}\` must be an absolute path`);
        if (params.chown !== undefined && !USER.test(String(params.chown)))
          report(paramPath(layer, 'chown'), `chown \`${String(params.chown)}\` must be USER or USER:GROUP`);
        break;
      }
      case 'run':
        list('commands').forEach((command, index) => {
          const problem = rawTextProblem(command);
          if (problem) report([...paramPath(layer, 'commands'), index], `a run command ${problem}`);
        });
        break;
      case 'miniconda':
        if (params.prefix !== undefined && !ABSOLUTE_PATH.test(String(params.prefix)))
          report(paramPath(layer, 'prefix'), `miniconda prefix \`${String(params.prefix)}\` must be an absolute path`);
        if (!/^[A-Za-z0-9._-]+$/.test(String(params.version)))
          report(paramPath(layer, 'version'), `miniconda version \`${String(params.version)}\` must look like py39_23.11.0-1`);
        break;
      case 'openmpi':
        if (params.version !== undefined && !/^[0-9][A-Za-z0-9.*_+-]*$/.test(String(params.version)))
          report(paramPath(layer, 'version'), `openmpi version \`${String(params.version)}\` must look like 4.1.5`);
        break;
      case 'mlrun':
        if (params.python !== undefined && !PYTHON_COMMAND.test(String(params.python)))
          report(paramPath(layer, 'python'), `python \`${String(params.python)}\` must be a command name or path (letters, digits and . _ / + -)`);
        for (const key of ['git_url', 'git_ref'] as const) {
          if (params[key] !== undefined && !/^[A-Za-z0-9@:/._+-]+$/.test(String(params[key])))
            report([...path, key], `mlrun ${key} \`${String(params[key])}\` may hold only letters, digits and @ : / . _ + -`);
        }
        break;
      default:
        break;
    }
  }

  return diagnostics;
}
