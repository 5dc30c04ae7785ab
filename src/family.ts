import { parseManifest, type ManifestSource, type ParsedManifest } from './config/load.js';
import { checkControlCharacters, checkImage, CONTROL_CHARACTER } from './config/rules.js';
import { checkMergedLayer, checkShape, type JsonSchema } from './config/schema.js';
import type { Manifest } from './config/types.js';
import { checkOverrides, interpolate, resolveVariableValues } from './config/variables.js';
import { ManifestError, UsageError, type Diagnostic } from './errors.js';
import { applyExtends, type InheritedImage } from './graph/inherit.js';
import { orderImages } from './graph/order.js';
import { imageReference, NAMING_DEFAULTS, type NamingValues } from './naming.js';
import { isValidImageName } from './reference.js';
import { RenderError, renderImage } from './render/dockerfile.js';
import { compileTemplates, type TemplateSources } from './render/templates.js';
import type { Lock } from './lock/lockfile.js';

export interface FamilyInputs {
  source: ManifestSource;
  schema: JsonSchema;
  /** Layer kinds there is a template for. */
  layerKinds: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  /** `--set NAME=VALUE` pairs. */
  overrides: Readonly<Record<string, string>>;
}

/** The image family a manifest declares, checked and resolved: everything later steps derive from. */
export interface Family {
  manifest: ParsedManifest;
  /** Declared defaults, MLRun's naming variables included. */
  defaults: Readonly<Record<string, string>>;
  /** The value each variable has for this run. */
  values: Readonly<Record<string, string>>;
  images: ReadonlyMap<string, InheritedImage>;
  /** Image names, parents before children. */
  order: readonly string[];
  /** Full reference of each image for this run (`quay.io/mlrun/mlrun:1.7.0`). */
  references: ReadonlyMap<string, string>;
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

function namingValues(values: Readonly<Record<string, string>>): NamingValues {
  return Object.fromEntries(Object.keys(NAMING_DEFAULTS).map((name) => [name, values[name] ?? ''])) as NamingValues;
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

/** load → validate → resolve: every problem is collected and reported at once as a ManifestError. */
export function loadFamily({ source, schema, layerKinds, env, overrides }: FamilyInputs): Family {
  const manifest = parseManifest(source);
  const unknownOverrides = checkOverrides(Object.keys(declaredVariables(manifest.data)), overrides);
  if (unknownOverrides) throw new UsageError(unknownOverrides);
  const textProblems = checkControlCharacters(manifest);
  if (manifest.data === null || typeof manifest.data !== 'object' || Array.isArray(manifest.data)) fail(textProblems, checkShape(manifest, schema));

  const defaults = declaredVariables(manifest.data);
  const values = resolveVariableValues({ declared: defaults, env, overrides });
  const declaredInFile = (manifest.data as { variables?: unknown }).variables;
  const origin = (name: string) =>
    name in overrides ? `--set ${name}` : env[name] !== undefined ? `the environment variable ${name}` : `the default of ${name}`;
  const variableLocation = (name: string) =>
    manifest.locate(declaredInFile && typeof declaredInFile === 'object' && name in declaredInFile ? ['variables', name] : [], 'key');
  const valueProblems = Object.entries(values)
    .filter(([, value]) => CONTROL_CHARACTER.test(value))
    .map(([name]) => ({
      location: variableLocation(name),
      message: `${origin(name)} holds a line break or another control character; variable values must be one line`,
    }));
  if (textProblems.length + valueProblems.length > 0) fail(textProblems, valueProblems);

  // The shape is checked after interpolation, so `${PORT}` may stand where the schema wants a port.
  const interpolated = interpolate(manifest, values);
  const shapeProblems = checkShape({ ...manifest, data: interpolated.data }, schema);
  if (interpolated.diagnostics.length + shapeProblems.length > 0) fail(interpolated.diagnostics, shapeProblems);
  const data = interpolated.data as Manifest;

  const inherited = applyExtends(manifest, data);
  const ordered = orderImages(manifest, inherited.images, inherited.partial);
  const meaningProblems: Diagnostic[] = [...inherited.diagnostics, ...ordered.diagnostics];
  for (const image of inherited.images.values()) {
    meaningProblems.push(...checkImage(image, { manifest, layerKinds, values }));
    for (const layer of [...image.stages.flatMap((stage) => stage.layers), ...image.layers]) {
      if (layer.params.id !== undefined && !inherited.partial.has(image.name))
        meaningProblems.push(...checkMergedLayer(manifest, schema, layer.path.slice(0, -1), layer.kind, layer.params));
    }
  }

  const references = new Map<string, string>();
  const namingProblems: Diagnostic[] = [];
  const naming = namingValues(values);
  for (const name of ordered.order.filter(isValidImageName)) {
    const reference = imageReference(name, naming);
    if (reference.ok) references.set(name, reference.value);
    else namingProblems.push({ location: variableLocation(reference.variable), message: `${origin(reference.variable)}: ${reference.problem}` });
  }
  if (meaningProblems.length + namingProblems.length > 0) fail(meaningProblems, namingProblems);

  return { manifest, defaults, values, images: inherited.images, order: ordered.order, references };
}

/**
 * Generated files name a parent image with the declared defaults only (the build passes the real reference
 * as BASE_IMAGE), so no naming variable from the environment changes them.
 */
function generationValues(family: Family): NamingValues {
  return namingValues(family.defaults);
}

/** Output files by path relative to the output folder (`mlrun/Dockerfile`), in build order. */
export type GeneratedFiles = Map<string, string>;

/** render: one Dockerfile per image, plus the ignore file of images that copy from their context. */
export function renderFamily(family: Family, templateSources: TemplateSources, lock?: Lock): GeneratedFiles {
  const templates = compileTemplates(templateSources);
  const naming = generationValues(family);
  const defaultReference = (name: string) => {
    const reference = imageReference(name, naming);
    return reference.ok ? reference.value : name;
  };
  const files: GeneratedFiles = new Map();
  const diagnostics: Diagnostic[] = [];
  for (const name of family.order) {
    try {
      const rendered = renderImage(family.images.get(name)!, {
        manifest: family.manifest,
        templates,
        defaults: family.defaults,
        defaultReference,
        ...(lock ? { lock } : {}),
      });
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
