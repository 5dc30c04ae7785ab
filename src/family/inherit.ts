import type { Diagnostic } from '../errors.js';
import type { NodePath, ParsedManifest } from '../manifest/load.js';
import type { ImageField, ImageSpec, LayerSpec, Manifest, ResolvedLayer, ScalarValue, StageSpec } from '../manifest/types.js';
import { didYouMean } from '../suggest.js';

export type { ResolvedLayer } from '../manifest/types.js';

export type MergeRule = 'override' | 'base-or-from' | 'merge-keys' | 'merge-tests' | 'merge-layers' | 'merge-stages' | 'not-inherited';

/**
 * How each field of an image that `extends` another combines with the inherited one.
 * The one place this is decided; the README's table is checked against it by a test.
 */
export const MERGE_RULES: Record<ImageField, { rule: MergeRule; summary: string }> = {
  description: { rule: 'override', summary: 'replaced' },
  base: { rule: 'base-or-from', summary: 'replaced; setting `base` or `from` drops both inherited ones' },
  from: { rule: 'base-or-from', summary: 'replaced; setting `base` or `from` drops both inherited ones' },
  extends: { rule: 'not-inherited', summary: 'not inherited (each image names its own; chains resolve parent first)' },
  layers: {
    rule: 'merge-layers',
    summary:
      'a layer whose `id` matches an inherited layer of the same kind merges its parameters into it, in place (of another kind: replaces it); other layers are appended; `before: ID` puts a layer just before the inherited layer with that `id` instead',
  },
  args: { rule: 'merge-keys', summary: 'merged key by key, the child wins; `KEY: null` removes an inherited key' },
  env: { rule: 'merge-keys', summary: 'merged key by key, the child wins; `KEY: null` removes an inherited key' },
  labels: { rule: 'merge-keys', summary: 'merged key by key, the child wins; `KEY: null` removes an inherited key' },
  workdir: { rule: 'override', summary: 'replaced' },
  user: { rule: 'override', summary: 'replaced' },
  entrypoint: { rule: 'override', summary: 'replaced (the whole list)' },
  cmd: { rule: 'override', summary: 'replaced (the whole list)' },
  expose: { rule: 'override', summary: 'replaced (the whole list)' },
  volumes: { rule: 'override', summary: 'replaced (the whole list)' },
  context: { rule: 'override', summary: 'replaced' },
  source: { rule: 'override', summary: 'replaced' },
  variants: { rule: 'override', summary: 'replaced (the whole mapping)' },
  stages: { rule: 'merge-stages', summary: "a stage with an inherited stage's `name` replaces it in place; other stages are appended" },
  tests: {
    rule: 'merge-tests',
    summary: 'merged test by test, the child wins; `NAME: null` switches an inherited test off (so does it for a test of an image it is built `from`)',
  },
  lint: { rule: 'merge-keys', summary: 'merged key by key, the child wins; `RULE: null` switches an inherited rule back on' },
};

export const IMAGE_FIELDS = Object.keys(MERGE_RULES) as ImageField[];

export interface ResolvedStage extends Omit<StageSpec, 'layers'> {
  layers: ResolvedLayer[];
  path: NodePath;
}

/** An image's definition with `extends` applied; `paths` says where each field was written. */
export interface InheritedImage {
  name: string;
  /** The image whose definition this one inherits, as written. */
  extends?: string;
  spec: Omit<ImageSpec, 'layers' | 'stages' | 'extends'>;
  layers: ResolvedLayer[];
  stages: ResolvedStage[];
  /** Manifest path of each field (`base`, `env.PATH`, …) in the image that set it. */
  paths: Record<string, NodePath>;
}

/** Every layer of an image: those of its extra stages, then its own. */
export function layersOfImage(image: Pick<InheritedImage, 'stages' | 'layers'>): ResolvedLayer[] {
  return [...image.stages.flatMap((stage) => stage.layers), ...image.layers];
}

function layerOf(spec: LayerSpec, path: NodePath): ResolvedLayer {
  const [kind, params] = Object.entries(spec)[0] ?? ['', {}];
  const layerPath = [...path, kind];
  return { kind, params: params ?? {}, path: layerPath, paramPaths: Object.fromEntries(Object.keys(params ?? {}).map((name) => [name, [...layerPath, name]])) };
}

function ownImage(name: string, spec: ImageSpec): InheritedImage {
  const imagePath = ['images', name];
  const paths: Record<string, NodePath> = {};
  const plain: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(spec)) {
    if (field === 'layers' || field === 'stages' || field === 'extends') continue;
    plain[field] = value;
    paths[field] = [...imagePath, field];
    const rule = MERGE_RULES[field as ImageField]?.rule;
    if ((rule === 'merge-keys' || rule === 'merge-tests') && value && typeof value === 'object') {
      for (const key of Object.keys(value)) paths[`${field}.${key}`] = [...imagePath, field, key];
    }
  }
  return {
    name,
    ...(spec.extends !== undefined ? { extends: spec.extends } : {}),
    spec: plain,
    layers: (spec.layers ?? []).map((layer, index) => layerOf(layer, [...imagePath, 'layers', index])),
    stages: (spec.stages ?? []).map((stage, index) => {
      const stagePath = [...imagePath, 'stages', index];
      return { ...stage, path: stagePath, layers: (stage.layers ?? []).map((layer, i) => layerOf(layer, [...stagePath, 'layers', i])) };
    }),
    paths,
  };
}

/** A layer without `before` (where it goes is settled once it is placed). */
function placed(layer: ResolvedLayer): ResolvedLayer {
  if (layer.params.before === undefined) return layer;
  const { before: _before, ...params } = layer.params;
  const { before: _path, ...paramPaths } = layer.paramPaths;
  return { ...layer, params, paramPaths };
}

function mergeLayers(inherited: ResolvedLayer[], own: ResolvedLayer[], report: (diagnostic: Diagnostic) => void, manifest: ParsedManifest): ResolvedLayer[] {
  const result = [...inherited];
  for (const layer of own) {
    const id = layer.params.id;
    const index = id === undefined ? -1 : result.findIndex((candidate) => candidate.params.id === id);
    let merged = layer;
    if (index !== -1 && result[index]!.kind === layer.kind) {
      const inheritedLayer = result[index]!;
      merged = {
        kind: layer.kind,
        params: { ...inheritedLayer.params, ...layer.params },
        path: layer.path,
        paramPaths: { ...inheritedLayer.paramPaths, ...layer.paramPaths },
      };
    }
    const before = layer.params.before;
    if (typeof before !== 'string') {
      if (index === -1) result.push(merged);
      else result[index] = merged;
      continue;
    }
    if (index !== -1) result.splice(index, 1);
    const target = result.findIndex((candidate) => candidate.params.id === before);
    if (target === -1) {
      const ids = inherited.map((candidate) => candidate.params.id).filter((candidate) => typeof candidate === 'string') as string[];
      report({
        location: manifest.locate(layer.paramPaths.before!),
        message: `\`before: ${before}\`: no inherited layer has the id \`${before}\`${didYouMean(before, ids)}; ${ids.length ? `the inherited ids are ${ids.join(', ')}` : 'no inherited layer has an id'}`,
      });
      result.push(merged);
    } else {
      result.splice(target, 0, merged);
    }
  }
  return result.map(placed);
}

function mergeStages(inherited: ResolvedStage[], own: ResolvedStage[]): ResolvedStage[] {
  const result = [...inherited];
  for (const stage of own) {
    const index = result.findIndex((candidate) => candidate.name === stage.name);
    if (index === -1) result.push(stage);
    else result[index] = stage;
  }
  return result;
}

/** Apply `child` on top of `parent` by MERGE_RULES. */
function mergeImages(parent: InheritedImage, child: InheritedImage, report: (diagnostic: Diagnostic) => void, manifest: ParsedManifest): InheritedImage {
  const spec: Record<string, unknown> = { ...parent.spec };
  const paths = { ...parent.paths };
  const childSpec = child.spec as Record<string, unknown>;
  for (const field of IMAGE_FIELDS) {
    if (!(field in childSpec)) continue;
    const value = childSpec[field];
    switch (MERGE_RULES[field].rule) {
      case 'override':
        spec[field] = value;
        paths[field] = child.paths[field]!;
        break;
      case 'base-or-from':
        delete spec.base;
        delete spec.from;
        delete paths.base;
        delete paths.from;
        break;
      case 'merge-keys':
      case 'merge-tests':
        spec[field] = { ...(spec[field] as object | undefined), ...(value as object) };
        paths[field] = child.paths[field]!;
        for (const key of Object.keys(value as object)) paths[`${field}.${key}`] = child.paths[`${field}.${key}`]!;
        break;
      default:
        break;
    }
  }
  // base/from are copied after the reset above, so a child that sets `from` keeps it whatever the field order.
  for (const field of ['base', 'from'] as const) {
    if (field in childSpec) {
      spec[field] = childSpec[field];
      paths[field] = child.paths[field]!;
    }
  }
  return {
    name: child.name,
    ...(child.extends !== undefined ? { extends: child.extends } : {}),
    spec,
    layers: mergeLayers(parent.layers, child.layers, report, manifest),
    stages: mergeStages(parent.stages, child.stages),
    paths,
  };
}

function dropRemovedKeys(image: InheritedImage): InheritedImage {
  const spec: Record<string, unknown> = { ...image.spec };
  for (const field of IMAGE_FIELDS) {
    if (MERGE_RULES[field].rule !== 'merge-keys' || !spec[field]) continue;
    spec[field] = Object.fromEntries(Object.entries(spec[field] as Record<string, ScalarValue>).filter(([, value]) => value !== null));
  }
  return { ...image, spec };
}

/** Every cycle in a name → name relation, each once, as its whole path (`a → b → a`). */
export function findCycles(names: readonly string[], next: (name: string) => string | undefined): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  for (const start of names) {
    const trail: string[] = [];
    const onTrail = new Map<string, number>();
    let current: string | undefined = start;
    while (current !== undefined && !done.has(current)) {
      if (onTrail.has(current)) {
        cycles.push([...trail.slice(onTrail.get(current)), current]);
        break;
      }
      onTrail.set(current, trail.length);
      trail.push(current);
      current = next(current);
    }
    for (const name of trail) done.add(name);
  }
  return cycles;
}

export function formatCycle(cycle: readonly string[]): string {
  return cycle.join(' → ');
}

/** Resolve `extends` for every image: unknown targets and cycles are reported, the rest merged. */
export function applyExtends(
  manifest: ParsedManifest,
  data: Manifest,
): { images: Map<string, InheritedImage>; partial: Set<string>; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const specs = data.images;
  const names = Object.keys(specs);
  const parentOf = (name: string): string | undefined => {
    const target = specs[name]?.extends;
    return target !== undefined && target in specs ? target : undefined;
  };

  for (const name of names) {
    const target = specs[name]!.extends;
    if (target !== undefined && !(target in specs)) {
      diagnostics.push({
        location: manifest.locate(['images', name, 'extends']),
        message: `image \`${name}\` extends \`${target}\`, which is not an image of this manifest${didYouMean(target, names)}`,
      });
    }
  }
  const cycles = findCycles(names, parentOf);
  const inCycle = new Set(cycles.flat());
  for (const cycle of cycles) {
    diagnostics.push({
      location: manifest.locate(['images', cycle[0]!, 'extends']),
      message: `\`extends\` forms a cycle: ${formatCycle(cycle)}`,
    });
  }

  /** Images whose `extends` chain is broken: their definitions are partial, so checks on merged layers would only echo the error. */
  const partial = new Set<string>();
  for (const name of names) {
    const seen = new Set<string>();
    for (let current: string | undefined = name; current !== undefined && !seen.has(current); current = specs[current]?.extends) {
      seen.add(current);
      const target: string | undefined = specs[current]?.extends;
      if (inCycle.has(current) || (target !== undefined && !(target in specs))) {
        partial.add(name);
        break;
      }
    }
  }

  const resolved = new Map<string, InheritedImage>();
  const resolve = (name: string): InheritedImage => {
    const known = resolved.get(name);
    if (known) return known;
    const own = ownImage(name, specs[name]!);
    const parent = inCycle.has(name) ? undefined : parentOf(name);
    const report = (diagnostic: Diagnostic) => diagnostics.push(diagnostic);
    for (const layer of own.stages.flatMap((stage) => stage.layers).filter((candidate) => candidate.params.before !== undefined)) {
      report({
        location: manifest.locate(layer.paramPaths.before!),
        message: "`before` places an image layer among inherited ones; a stage's layers are listed in order",
      });
    }
    let image: InheritedImage;
    if (parent !== undefined) image = mergeImages(resolve(parent), own, report, manifest);
    else {
      // An image whose `extends` is broken has its own error already; `before` is only wrong without `extends`.
      for (const layer of own.extends === undefined ? own.layers.filter((candidate) => candidate.params.before !== undefined) : []) {
        report({
          location: manifest.locate(layer.paramPaths.before!),
          message: `image \`${name}\` extends no image: \`before\` places a layer among inherited ones; list the layers in order instead`,
        });
      }
      image = { ...own, layers: own.layers.map(placed) };
    }
    resolved.set(name, image);
    return image;
  };
  for (const name of names) resolve(name);

  const images = new Map<string, InheritedImage>();
  for (const name of names) images.set(name, dropRemovedKeys(resolved.get(name)!));
  return { images, partial, diagnostics };
}
