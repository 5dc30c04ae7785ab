/**
 * The pure pipeline, text in and files out: load → validate → resolve (loadFamily), then render (renderFamily).
 * Every problem of a stage is collected and reported at once, as one ManifestError.
 */
import { variantLabel, variesByPython } from './family/variants.js';
import { ManifestError, UsageError, type Diagnostic } from './errors.js';
import { checkImage } from './family/check.js';
import type { Family } from './family/family.js';
import { type FamilyGraph, familyGraph } from './family/graph.js';
import { applyExtends, layersOfImage } from './family/inherit.js';
import { orderImages } from './family/order.js';
import { PATTERN_PARAMETERS } from './image-tests/index.js';
import { acceptsReleaseVariable } from './layers/index.js';
import { lockKey, pinned, type Lock } from './lock/lockfile.js';
import { checkControlCharacters } from './manifest/control-characters.js';
import { buildArgsIn } from './dockerfile/build-args.js';
import { CONTROL_CHARACTER } from './dockerfile/quote.js';
import { type NodePath, parseManifest, type ManifestSource, type ParsedManifest } from './manifest/load.js';
import { checkMergedLayer, checkShape, type JsonSchema } from './manifest/schema.js';
import { type Manifest, MANIFEST_FIELDS } from './manifest/types.js';
import { type CheckoutValue, checkOverrides, interpolate, resolveVariableValues } from './manifest/variables.js';
import { imageReference, makefileTag, NAMING_DEFAULTS, namingValues, RELEASE_VARIABLES } from './mlrun/naming.js';
import { pythonTagSuffix } from './mlrun/pythons.js';
import { didYouMean } from './suggest.js';
import type { InheritedImage } from './family/inherit.js';
import { isValidImageName } from './reference.js';
import { isContextPath } from './manifest/grammar.js';
import { RenderError, renderImage } from './render/dockerfile.js';
import { compileTemplates, type TemplateSources } from './render/templates.js';

export type { Family } from './family/family.js';

export interface FamilyInputs {
  source: ManifestSource;
  schema: JsonSchema;
  /** Layer kinds there is a template for. */
  layerKinds: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  /** `--set NAME=VALUE` pairs. */
  overrides: Readonly<Record<string, string>>;
  /** Values a source checkout gives (its facts): over the defaults, under the environment and `--set`. */
  checkout?: Readonly<Record<string, CheckoutValue>>;
}

/**
 * Problems come in groups, one per pipeline stage, in order. A later stage's problem at a node an earlier
 * stage already reported is its echo (an undefined variable, then the invalid reference it left) and is dropped.
 */
function fail(...stages: Diagnostic[][]): never {
  const claimed = new Set<string>();
  const kept = new Map<string, Diagnostic>();
  for (const stage of stages) {
    const nodes = new Set<string>();
    for (const diagnostic of stage) {
      const node = `${diagnostic.location.line}:${diagnostic.location.col}`;
      if (claimed.has(node)) continue;
      nodes.add(node);
      kept.set(`${node}:${diagnostic.message}`, diagnostic);
    }
    for (const node of nodes) claimed.add(node);
  }
  const sorted = [...kept.values()].sort((a, b) => a.location.line - b.location.line || a.location.col - b.location.col);
  throw new ManifestError(sorted);
}

/** Why a regular expression does not compile (undefined: it does). */
function regexProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern);
    return undefined;
  } catch (error) {
    return (error as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
  }
}

/** The entries of `record` whose names are in `names`. */
function pick(record: Readonly<Record<string, string>>, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(record).filter(([name]) => names.includes(name)));
}

/** Top-level keys the manifest has no field for, each with the field it likely means. */
function unknownTopLevelKeys(manifest: ParsedManifest): Diagnostic[] {
  const data = manifest.data;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return [];
  return Object.keys(data)
    .filter((key) => !(MANIFEST_FIELDS as readonly string[]).includes(key))
    .map((key) => ({
      location: manifest.locate([key], 'key'),
      message: `unknown field \`${key}\` in the manifest${didYouMean(key, MANIFEST_FIELDS)}; expected one of: ${MANIFEST_FIELDS.join(', ')}`,
    }));
}

/** Declared variables over MLRun's naming defaults. */
function declaredVariables(data: unknown): Record<string, string> {
  const variables = data !== null && typeof data === 'object' ? (data as Record<string, unknown>).variables : undefined;
  const declared: Record<string, string> = { ...NAMING_DEFAULTS };
  if (variables !== null && typeof variables === 'object' && !Array.isArray(variables)) {
    // A value of the wrong type is reported by the schema; the name is still declared, so its uses are not reported too.
    for (const [name, value] of Object.entries(variables)) declared[name] = typeof value === 'string' ? value : String(value);
  }
  return declared;
}

/** Where a variable's value came from, and where to point at it. */
function variableOrigins(manifest: ParsedManifest, { env, overrides, checkout = {} }: Pick<FamilyInputs, 'env' | 'overrides' | 'checkout'>) {
  const declaredInFile = (manifest.data as { variables?: unknown }).variables;
  return {
    origin: (name: string) =>
      name in overrides
        ? `--set ${name}`
        : env[name] !== undefined
          ? `the environment variable ${name}`
          : checkout[name] !== undefined
            ? `${name} from ${checkout[name].origin}`
            : `the default of ${name}`,
    location: (name: string) =>
      manifest.locate(declaredInFile && typeof declaredInFile === 'object' && name in declaredInFile ? ['variables', name] : [], 'key'),
  };
}

/**
 * The variables read at build time: MLRun's release variables, those `build_args:` names, and every variant variable
 * (variants differ in build arguments only, so one Dockerfile serves them all). Each must be declared.
 */
function buildArgVariables(manifest: ParsedManifest, declared: Readonly<Record<string, string>>): { names: string[]; problems: Diagnostic[] } {
  const data = manifest.data as { build_args?: unknown; variants?: unknown };
  const listed = Array.isArray(data.build_args) ? data.build_args.map((name, index) => ({ name: String(name), path: ['build_args', index] })) : [];
  const varying =
    data.variants !== null && typeof data.variants === 'object' ? Object.keys(data.variants).map((name) => ({ name, path: ['variants', name] })) : [];
  const names = new Set<string>(RELEASE_VARIABLES);
  const problems: Diagnostic[] = [];
  for (const { name, path } of [...listed, ...varying]) {
    if (!(name in declared)) {
      problems.push({
        location: manifest.locate(path, path[0] === 'variants' ? 'key' : 'value'),
        message: `\`${name}\` is not a declared variable${didYouMean(name, Object.keys(declared))}: declare it under \`variables:\``,
      });
    }
    names.add(name);
  }
  return { names: [...names], problems };
}

/**
 * Each variant list names each value once, and the python's values are pythons (`3.9`, `3.11.4`): a value that is not
 * would get no `-pyXY` and claim another variant's tag.
 */
function checkVariantValues(manifest: ParsedManifest, data: Manifest): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const lists: [NodePath, Record<string, string[]>][] = [
    [['variants'], data.variants ?? {}],
    ...Object.entries(data.images).map(([name, image]): [NodePath, Record<string, string[]>] => [['images', name, 'variants'], image.variants ?? {}]),
  ];
  for (const [path, variants] of lists) {
    for (const [variable, values] of Object.entries(variants)) {
      values.forEach((value, index) => {
        const at = manifest.locate([...path, variable, index]);
        const first = values.indexOf(value);
        if (first !== index) problems.push({ location: at, message: `\`${value}\` is listed twice in the variants of \`${variable}\`` });
        else if (variable === 'MLRUN_PYTHON_VERSION' && !/^\d+\.\d+(\.\d+)?$/.test(value)) {
          problems.push({
            location: at,
            message: `\`${value}\` is not a python version (MAJOR.MINOR, like 3.11): its images could not be told apart by their tags`,
          });
        } else {
          // Two values one name stands for (`3.9` and `3.9.18` are both py39; `a b` and `a-b` both a-b): one tag for two builds.
          const label = variantLabel(variable, value);
          const twin = values.slice(0, index).find((other) => variantLabel(variable, other) === label);
          if (twin !== undefined)
            problems.push({
              location: at,
              message: `\`${value}\` and \`${twin}\` in the variants of \`${variable}\` would both be named \`${label}\`; keep one`,
            });
        }
      });
    }
  }
  return problems;
}

/**
 * `NAME: null` switches off a test the image inherits (from the image it extends, or an image it is built on): a name
 * none of them declares is a mistake (a misspelling), reported with the names it could mean.
 */
function checkSwitchedOffTests(manifest: ParsedManifest, data: Manifest, images: ReadonlyMap<string, InheritedImage>, graph: FamilyGraph): Diagnostic[] {
  const problems: Diagnostic[] = [];
  for (const [name, spec] of Object.entries(data.images)) {
    const image = images.get(name);
    if (!image) continue;
    const extended = image.extends === undefined ? undefined : images.get(image.extends);
    const parent = graph.parentOf(name);
    const inherited = new Set([
      ...Object.entries(extended?.spec.tests ?? {})
        .filter(([, test]) => test !== null)
        .map(([test]) => test),
      ...(parent === undefined ? [] : graph.testsOf(parent).map((test) => test.name)),
    ]);
    for (const [test, params] of Object.entries(spec.tests ?? {})) {
      if (params !== null || inherited.has(test)) continue;
      problems.push({
        location: manifest.locate(['images', name, 'tests', test], 'key'),
        message: `image \`${name}\`: \`${test}: null\` switches off a test it does not inherit${didYouMean(test, [...inherited])}`,
      });
    }
  }
  return problems;
}

/** `source:` names a source of `sources:`, and an image has a source or a context, not both. */
function checkSources(manifest: ParsedManifest, data: Manifest, images: ReadonlyMap<string, InheritedImage>): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const declared = Object.keys(data.sources ?? {});
  const isDeclared = (variable: string) => variable in (data.variables ?? {}) || variable in NAMING_DEFAULTS;
  for (const [name, source] of Object.entries(data.sources ?? {})) {
    if (!isDeclared(source.variable)) {
      problems.push({
        location: manifest.locate(['sources', name, 'variable']),
        message: `source \`${name}\`: \`${source.variable}\` is not a declared variable: declare it under \`variables:\``,
      });
    }
    source.holds.forEach((path, index) => {
      if (!isContextPath(path.replace(/\/$/, ''))) {
        problems.push({
          location: manifest.locate(['sources', name, 'holds', index]),
          message: `source \`${name}\`: \`${path}\` must be a path in the checkout, relative to its root, without ..`,
        });
      }
    });
    for (const [variable, fact] of Object.entries(source.facts ?? {})) {
      const at = ['sources', name, 'facts', variable];
      if (!isDeclared(variable)) {
        const declared = [...Object.keys(data.variables ?? {}), ...Object.keys(NAMING_DEFAULTS)];
        problems.push({
          location: manifest.locate(at, 'key'),
          message: `source \`${name}\`: the fact \`${variable}\` is not a declared variable${didYouMean(variable, declared)}: declare it under \`variables:\``,
        });
      }
      if ('file' in fact && !isContextPath(fact.file)) {
        problems.push({
          location: manifest.locate([...at, 'file']),
          message: `\`${fact.file}\` must be a path in the checkout, relative to its root, without ..`,
        });
      }
      if ('match' in fact) {
        const problem = regexProblem(fact.match);
        if (problem) problems.push({ location: manifest.locate([...at, 'match']), message: `\`${fact.match}\` is not a regular expression: ${problem}` });
        else if (new RegExp(`${fact.match}|`).exec('')!.length < 2)
          problems.push({ location: manifest.locate([...at, 'match']), message: `\`${fact.match}\` has no group: put the value in parentheses` });
      }
    }
    if (source.matrix !== undefined && !isContextPath(source.matrix)) {
      problems.push({
        location: manifest.locate(['sources', name, 'matrix']),
        message: `\`${source.matrix}\` must be a path in the checkout, relative to its root, without ..`,
      });
    }
  }
  for (const image of images.values()) {
    const { source, context } = image.spec;
    if (source === undefined) continue;
    const at = manifest.locate(image.paths.source ?? ['images', image.name]);
    if (!declared.includes(source))
      problems.push({ location: at, message: `image \`${image.name}\`: no source \`${source}\` under \`sources:\`${didYouMean(source, declared)}` });
    if (context !== undefined)
      problems.push({
        location: at,
        message: `image \`${image.name}\` has both \`source\` and \`context\`; keep one: the source's checkout is the build context`,
      });
  }
  return problems;
}

/** The meaning checks after inheritance: `from` and `extends`, each image, and merged layers. */
function resolveImages(manifest: ParsedManifest, data: Manifest, { schema, layerKinds }: FamilyInputs, values: Readonly<Record<string, string>>) {
  const inherited = applyExtends(manifest, data);
  const ordered = orderImages(manifest, inherited.images, inherited.partial);
  const problems: Diagnostic[] = [...inherited.diagnostics, ...ordered.diagnostics];
  for (const image of inherited.images.values()) {
    problems.push(...checkImage(image, { manifest, layerKinds, values }));
    if (inherited.partial.has(image.name)) continue;
    for (const layer of layersOfImage(image)) {
      if (layer.params.id !== undefined) problems.push(...checkMergedLayer(manifest, schema, layer.path.slice(0, -1), layer.kind, layer.params));
    }
  }
  return { images: inherited.images, order: ordered.order, problems };
}

/** load → validate → resolve: every problem is collected and reported at once as a ManifestError. */
export function loadFamily(inputs: FamilyInputs): Family {
  const { source, schema, env, overrides, checkout = {} } = inputs;
  const manifest = parseManifest(source);
  // A misspelt top-level key (`variabels:`) is the cause of what would be reported next (undeclared variables): it first.
  const misspelt = unknownTopLevelKeys(manifest);
  const unknownOverrides = checkOverrides(Object.keys(declaredVariables(manifest.data)), overrides);
  if (unknownOverrides && misspelt.length > 0) fail(misspelt);
  if (unknownOverrides) throw new UsageError(unknownOverrides);
  const textProblems = checkControlCharacters(manifest);
  if (manifest.data === null || typeof manifest.data !== 'object' || Array.isArray(manifest.data)) fail(textProblems, checkShape(manifest, schema));

  const defaults = declaredVariables(manifest.data);
  const fromCheckout = Object.fromEntries(Object.entries(checkout).map(([name, { value }]) => [name, value]));
  const values = resolveVariableValues({ declared: { ...defaults, ...pick(fromCheckout, Object.keys(defaults)) }, env, overrides });
  const variables = variableOrigins(manifest, { env, overrides, checkout });
  const valueProblems = Object.entries(values)
    .filter(([, value]) => CONTROL_CHARACTER.test(value))
    .map(([name]) => ({
      location: variables.location(name),
      message: `${variables.origin(name)} holds a line break or another control character; variable values must be one line`,
    }));
  if (textProblems.length + valueProblems.length > 0) fail(textProblems, valueProblems);

  const buildArgs = buildArgVariables(manifest, defaults);
  if (buildArgs.problems.length > 0) fail(misspelt, buildArgs.problems);
  // The shape is checked after interpolation, so `${PORT}` may stand where the schema wants a port.
  const interpolated = interpolate(manifest, values, {
    layerAccepts: acceptsReleaseVariable,
    buildArgs: new Set(buildArgs.names),
    isPattern: (path) => path[0] === 'images' && path[2] === 'tests' && PATTERN_PARAMETERS.includes(String(path.at(-1))),
  });
  const shapeProblems = checkShape({ ...manifest, data: interpolated.data }, schema);
  if (interpolated.diagnostics.length + shapeProblems.length > 0) fail(interpolated.diagnostics, shapeProblems);

  const data = interpolated.data as Manifest;
  const { images, order, problems } = resolveImages(manifest, data, inputs, values);
  problems.push(...checkSources(manifest, data, images), ...checkVariantValues(manifest, data));
  const references = new Map<string, string>();
  const namingProblems: Diagnostic[] = [];
  const naming = namingValues(values);
  for (const name of order.filter(isValidImageName)) {
    const reference = imageReference(name, naming);
    if (reference.ok) references.set(name, reference.value);
    else namingProblems.push({ location: variables.location(reference.variable), message: `${variables.origin(reference.variable)}: ${reference.problem}` });
  }
  if (problems.length + namingProblems.length > 0) fail(problems, namingProblems);
  const graph = familyGraph(images, order);
  const testProblems = checkSwitchedOffTests(manifest, data, images, graph);
  if (testProblems.length > 0) fail(testProblems);

  return {
    manifest,
    defaults,
    values,
    images,
    order,
    references,
    graph,
    buildArgs: buildArgs.names,
    variants: data.variants ?? {},
    sources: data.sources ?? {},
  };
}

/** Output files by path relative to the output folder (`mlrun/Dockerfile`), in build order. */
export type GeneratedFiles = Map<string, string>;

/** render: one Dockerfile per image, plus the ignore file of images that copy from their context. */
export function renderFamily(family: Family, templateSources: TemplateSources, lock?: Lock): GeneratedFiles {
  const templates = compileTemplates(templateSources);
  // Generated files name a parent image with the declared defaults only (the build passes the real reference as
  // BASE_IMAGE), so no naming variable from the environment changes them.
  const naming = namingValues(family.defaults);
  const defaultReference = (name: string) => {
    // The parent in the default python, tagged as MLRun's client asks for it (`mlrun/mlrun:unstable-py39`).
    const python = variesByPython(family, name) ? naming.MLRUN_PYTHON_VERSION : undefined;
    const suffix = naming.INCLUDE_PYTHON_VERSION_SUFFIX !== '' || pythonTagSuffix(makefileTag(naming.MLRUN_VERSION), python) !== '' ? '1' : '';
    const reference = imageReference(name, { ...naming, INCLUDE_PYTHON_VERSION_SUFFIX: python === undefined ? '' : suffix });
    return reference.ok ? reference.value : name;
  };
  // A base that reads a build argument (a python variant) has one digest per value: the build passes the pinned one.
  const pinBase = (reference: string) => (buildArgsIn(reference).length > 0 ? reference : pinned(reference, lock, lockKey(reference, family.defaults)));
  const files: GeneratedFiles = new Map();
  const diagnostics: Diagnostic[] = [];
  for (const name of family.order) {
    try {
      const rendered = renderImage(family.images.get(name)!, { manifest: family.manifest, templates, defaults: family.defaults, defaultReference, pinBase });
      files.set(`${name}/Dockerfile`, rendered.dockerfile);
      if (rendered.dockerignore !== undefined) files.set(`${name}/Dockerfile.dockerignore`, rendered.dockerignore);
    } catch (error) {
      if (error instanceof RenderError) diagnostics.push(error.diagnostic);
      else throw error;
    }
  }
  if (diagnostics.length > 0) fail(diagnostics);
  return files;
}
