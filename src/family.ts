import { parseManifest, type ManifestSource, type ParsedManifest } from './config/load.js';
import { checkControlCharacters, checkImage } from './config/rules.js';
import { checkMergedLayer, checkShape, type JsonSchema } from './config/schema.js';
import type { Manifest } from './config/types.js';
import { checkOverrides, interpolate, isReleaseVariable, resolveVariableValues } from './config/variables.js';
import { ManifestError, type Diagnostic } from './errors.js';
import { applyExtends, type InheritedImage } from './graph/inherit.js';
import { orderImages } from './graph/order.js';
import { imageReference, NAMING_DEFAULTS, type NamingValues } from './naming.js';
import { isValidImageName } from './reference.js';
import { RenderError, renderImage } from './render/dockerfile.js';
import { compileTemplates, layerKindsOf, type TemplateSources } from './render/templates.js';

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
 * One problem per node: checks run in pipeline order, so the first problem found at a node is the
 * cause and later ones at the same node are its echoes (an undefined variable, then the invalid reference it left).
 */
function fail(diagnostics: Diagnostic[]): never {
  const firstPerNode = new Map<string, Diagnostic>();
  for (const diagnostic of diagnostics) {
    const node = `${diagnostic.location.line}:${diagnostic.location.col}`;
    if (!firstPerNode.has(node)) firstPerNode.set(node, diagnostic);
  }
  const sorted = [...firstPerNode.values()].sort((a, b) => a.location.line - b.location.line || a.location.col - b.location.col);
  throw new ManifestError(sorted);
}

function namingValues(values: Readonly<Record<string, string>>): NamingValues {
  return Object.fromEntries(Object.keys(NAMING_DEFAULTS).map((name) => [name, values[name] ?? ''])) as NamingValues;
}

/** When the shape is wrong the later checks cannot run, but undefined variables can still be found and reported with it. */
function variableProblemsDespiteShape(manifest: ParsedManifest): Diagnostic[] {
  const data = manifest.data as Record<string, unknown> | null;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return [];
  const declared = data.variables ?? {};
  if (typeof declared !== 'object' || declared === null || Object.values(declared).some((value) => typeof value !== 'string')) return [];
  return interpolate(manifest, { ...NAMING_DEFAULTS, ...(declared as Record<string, string>) }).diagnostics;
}

/** load → validate → resolve: every problem is collected and reported at once as a ManifestError. */
export function loadFamily({ source, schema, layerKinds, env, overrides }: FamilyInputs): Family {
  const manifest = parseManifest(source);
  const shapeProblems = [...checkShape(manifest, schema), ...checkControlCharacters(manifest)];
  if (shapeProblems.length > 0) fail([...shapeProblems, ...variableProblemsDespiteShape(manifest)]);

  const raw = manifest.data as Manifest;
  const defaults = { ...NAMING_DEFAULTS, ...raw.variables };
  const values = resolveVariableValues({ declared: defaults, env, overrides });
  const diagnostics: Diagnostic[] = [...checkOverrides(manifest, defaults, overrides)];
  const origin = (name: string) => (name in overrides ? `--set ${name}` : env[name] !== undefined ? `the environment variable ${name}` : `the default of ${name}`);
  const variableLocation = (name: string) => manifest.locate(raw.variables && name in raw.variables ? ['variables', name] : [], 'key');
  for (const [name, value] of Object.entries(values)) {
    if (/[\u0000-\u001f\u007f]/.test(value)) {
      diagnostics.push({ location: variableLocation(name), message: `${origin(name)} holds a line break or another control character; variable values must be one line` });
    }
  }
  if (diagnostics.length > 0) fail(diagnostics);

  const interpolated = interpolate(manifest, values);
  diagnostics.push(...interpolated.diagnostics);
  const data = interpolated.data as Manifest;

  const inherited = applyExtends(manifest, data);
  diagnostics.push(...inherited.diagnostics);
  const ordered = orderImages(manifest, inherited.images, inherited.partial);
  diagnostics.push(...ordered.diagnostics);
  for (const image of inherited.images.values()) {
    diagnostics.push(...checkImage(image, { manifest, layerKinds, values }));
    for (const layer of [...image.stages.flatMap((stage) => stage.layers), ...image.layers]) {
      if (layer.params.id !== undefined && !inherited.partial.has(image.name)) diagnostics.push(...checkMergedLayer(manifest, schema, layer.path.slice(0, -1), layer.kind, layer.params));
    }
  }

  const references = new Map<string, string>();
  const naming = namingValues(values);
  for (const name of ordered.order.filter(isValidImageName)) {
    const reference = imageReference(name, naming);
    if (reference.ok) {
      references.set(name, reference.value);
    } else {
      const problem = `${origin(reference.variable)}: ${reference.problem}`;
      if (!diagnostics.some((d) => d.message === problem)) diagnostics.push({ location: variableLocation(reference.variable), message: problem });
    }
  }
  if (diagnostics.length > 0) fail(diagnostics);

  return { manifest, defaults, values, images: inherited.images, order: ordered.order, references };
}

/** Release variables at their declared defaults, the rest as they are: what generated files are made with. */
function generationValues(family: Family): NamingValues {
  const values: Record<string, string> = { ...family.values };
  for (const name of Object.keys(values)) if (isReleaseVariable(name)) values[name] = family.defaults[name]!;
  return namingValues(values);
}

/** Output files by path relative to the output folder (`mlrun/Dockerfile`), in build order. */
export type GeneratedFiles = Map<string, string>;

/** render: one Dockerfile per image, plus the ignore file of images that copy from their context. */
export function renderFamily(family: Family, templateSources: TemplateSources): GeneratedFiles {
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
      const rendered = renderImage(family.images.get(name)!, { manifest: family.manifest, templates, defaults: family.defaults, defaultReference });
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

export { layerKindsOf };
