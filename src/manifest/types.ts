import type { NodePath } from './load.js';

/** The manifest as written (after the schema accepted it and variables were interpolated). */
export interface Manifest {
  version: 1;
  variables?: Record<string, string>;
  /** Declared variables that reach Dockerfiles as build arguments (besides MLRun's release variables). */
  build_args?: string[];
  /** Variables built for several values in one run: each value a variant of the images that use it. */
  variants?: Record<string, string[]>;
  /** Source checkouts images are built from: each named by a variable, and recognised by what it holds. */
  sources?: Record<string, SourceSpec>;
  images: Record<string, ImageSpec>;
}

export interface SourceSpec {
  description?: string;
  /** The variable that names the checkout's folder; unset, the folder the command runs in, when it holds `holds`. */
  variable: string;
  /** Paths (files, or folders ending in /) a checkout of this source has. */
  holds: string[];
  /** With no checkout: the git URL (`…repo.git#ref`) the engine builds from instead. */
  git?: string;
  /** Variables a checkout gives their value: read from a line of one of its files, or from git. */
  facts?: Record<string, FactSpec>;
  /** MLRun's build matrix in the checkout: the pythons each image is built in. */
  matrix?: string;
}

/** Where a checkout says a variable's value: the first group of `match` on a line of `file`, or its git commit or date. */
export type FactSpec = { file: string; match: string; path?: boolean } | { git: 'commit' | 'date' };

export type ScalarValue = string | number | boolean | null;
export type ValueMap = Record<string, ScalarValue>;

/** Parameters of one layer, exactly as written in the manifest. */
export type LayerParams = Record<string, unknown>;
/** One layer: a mapping with a single key, the layer kind. */
export type LayerSpec = Record<string, LayerParams>;

/** One layer after inheritance, with the manifest path of its parameters for error messages. */
export interface ResolvedLayer {
  kind: string;
  params: LayerParams;
  path: NodePath;
  /** Where each parameter was written: a layer merged from an inherited one has parameters from both. */
  paramPaths: Record<string, NodePath>;
}

/** The manifest path of a layer's parameter, in the image that wrote it. */
export function paramPath(layer: ResolvedLayer, name: string): NodePath {
  return layer.paramPaths[name] ?? [...layer.path, name];
}

export interface StageSpec {
  name: string;
  base: string;
  layers?: LayerSpec[];
  args?: ValueMap;
  env?: ValueMap;
  workdir?: string;
  user?: string;
}

export interface ImageSpec {
  description?: string;
  base?: string;
  from?: string;
  extends?: string;
  layers?: LayerSpec[];
  args?: ValueMap;
  env?: ValueMap;
  labels?: ValueMap;
  workdir?: string;
  user?: string;
  entrypoint?: string[];
  cmd?: string[];
  expose?: (number | string)[];
  volumes?: string[];
  context?: string;
  /** The source (of `sources:`) whose checkout is the build context. */
  source?: string;
  /** The variants this image is built in, when not the manifest's (`{}`: one, whatever the manifest's are). */
  variants?: Record<string, string[]>;
  stages?: StageSpec[];
  /** Image tests by name; `null` switches off a test the image inherits. */
  tests?: Record<string, Record<string, unknown> | null>;
  /** Lint rules this image switches off: rule id → the reason. */
  lint?: Record<string, string | null>;
}

export type ImageField = keyof ImageSpec;
export type StageField = keyof StageSpec;
export type ManifestField = keyof Manifest;

/** Compile-time lists of every field, checked against the JSON Schema by a test. */
export const MANIFEST_FIELDS = ['version', 'variables', 'build_args', 'variants', 'sources', 'images'] as const satisfies readonly ManifestField[];
export const STAGE_FIELDS = ['name', 'base', 'layers', 'args', 'env', 'workdir', 'user'] as const satisfies readonly StageField[];

type Exhaustive<Listed extends string, All extends string> = [All] extends [Listed] ? true : never;
const manifestFieldsComplete: Exhaustive<(typeof MANIFEST_FIELDS)[number], ManifestField> = true;
const stageFieldsComplete: Exhaustive<(typeof STAGE_FIELDS)[number], StageField> = true;
void manifestFieldsComplete;
void stageFieldsComplete;
