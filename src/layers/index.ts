/**
 * The registry of layer kinds. A built-in kind is a module here (its schema, checks, lint findings, context paths and
 * release-variable policy) beside its template, templates/layers/KIND.hbs; adding one means adding it to this list.
 */
import type { LayerSchema } from '../manifest/schema-document.js';
import { apt } from './apt.js';
import { copy } from './copy.js';
import { customLayerKind, type LayerKind } from './kind.js';
import { miniconda } from './miniconda.js';
import { mlrun } from './mlrun.js';
import { openmpi } from './openmpi.js';
import { pip } from './pip.js';
import { run } from './run.js';
import { user } from './user.js';

export type { LayerKind } from './kind.js';

export const BUILTIN_LAYER_KINDS: readonly LayerKind[] = [apt, pip, miniconda, openmpi, copy, run, mlrun, user];

const BUILTIN = new Map(BUILTIN_LAYER_KINDS.map((kind) => [kind.name, kind]));

/** The kind of a layer: a built-in one, else a custom kind defined by its template alone. */
export function layerKind(name: string): LayerKind {
  return BUILTIN.get(name) ?? customLayerKind(name);
}

export function isBuiltinLayerKind(name: string): boolean {
  return BUILTIN.has(name);
}

/** The parameters of each built-in kind, for the manifest schema. */
export function builtinLayerSchemas(): Map<string, LayerSchema> {
  return new Map(BUILTIN_LAYER_KINDS.map((kind) => [kind.name, kind.schema]));
}

/** Whether a kind's parameter may read a release variable (it is rendered through the quoting helpers). */
export function acceptsReleaseVariable(kind: string, parameter: string): boolean {
  const allowed = layerKind(kind).buildArgParameters;
  return allowed === 'all' || allowed.includes(parameter);
}

/** The context paths an image's layers copy into it, each once. */
export function contextPathsOf(layers: readonly { kind: string; params: Record<string, unknown> }[]): string[] {
  const paths = new Set<string>();
  for (const layer of layers) for (const path of layerKind(layer.kind).contextPaths?.(layer.params) ?? []) paths.add(path);
  return [...paths];
}
