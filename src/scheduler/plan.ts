/** plan: what each engine run will be, in order, decided before anything runs. Pure: every input is a parameter. */
import { withBuildArgValues } from '../dockerfile/build-args.js';
import { baseArgName } from '../dockerfile/instructions.js';
import type { BuildRequest } from '../engines/engine.js';
import type { Family } from '../family/family.js';
import type { FamilySet, Unit } from '../family/variants.js';
import type { ImageTest } from '../image-tests/index.js';
import { type Lock, pinned } from '../lock/lockfile.js';
import { UsageError } from '../errors.js';
import { imageReference, joinRegistry } from '../mlrun/naming.js';

export interface BuildOptions {
  /** Images named on the command line; empty means every image. */
  selected: readonly string[];
  /** Build only the named images, on their parents' references as they are. */
  noDeps: boolean;
  noCache: boolean;
  pull: boolean;
  push: boolean;
  /** Run each image's tests after it is built (and before it is pushed). */
  test?: boolean;
  /** Build the images; false runs only their tests (`mlrun-images test`). Default true. */
  build?: boolean;
  /** Extra images to use as build cache (`--cache-from`). */
  cacheFrom: readonly string[];
  /** MLRun's MLRUN_DOCKER_CACHE_FROM_TAG: pull `<prefix>/<name>:<tag>` and build with it as cache. */
  cacheFromTag?: string;
  /** MLRun's MLRUN_DOCKER_CACHE_FROM_REGISTRY: the registry of the cache images (default: the images' own). */
  cacheFromRegistry?: string;
  /** MLRun's MLRUN_PUSH_DOCKER_CACHE_IMAGE: after the push, tag the image as its cache image and push that too. */
  pushCacheImage?: boolean;
  /** `--cache-to REPO`: each image exports its build cache to `REPO:<image>` (mode=max) and imports it from there. */
  cacheTo?: string;
  /** The engine has BuildKit's registry cache: MLRun's cache image becomes a registry cache (imported, exported). */
  registryCache?: boolean;
  /** Prefix for every external base (`--base-registry`, MLRUN_BASE_REGISTRY), as MLRun's vendor registry. */
  baseRegistry?: string;
  /** Where the rendered Dockerfile of each image is written before its build. */
  dockerfileOf: (name: string) => string;
  /** The build context folder of each image. */
  contextOf: (name: string) => string;
  /** The git commit of the checkout, for the revision label. */
  revision?: string;
  /** Where the manifest lives (the source label). */
  source?: string;
  /** Digests of external bases (images.lock.yaml): each locked base is built as `<ref>@sha256:…`. */
  lock?: Lock;
  /**
   * The variables an image's Dockerfile declares (`ARG`): only those are passed, so that a value another image reads
   * (the UI's commit) changes neither this image's build nor its input digest. Unset: every one.
   */
  argsOf?: (image: string) => ReadonlySet<string>;
}

/**
 * What happens to an image, in order. A phase that holds a slot counts against `--concurrency`; the images built on
 * this one start when its last slot-holding phase has succeeded, while the phases after it go on.
 */
export type Phase = 'build' | 'test' | 'push';
export const PHASES: Record<Phase, { holdsSlot: boolean }> = {
  build: { holdsSlot: true },
  test: { holdsSlot: true },
  push: { holdsSlot: false },
};

/** One image of the plan: everything the engine needs, and what is done with it. */
export interface BuildStep extends BuildRequest {
  /** The unit: the image, or the image in one variant (`mlrun-py311`). */
  name: string;
  /** The image of the manifest it builds. */
  image: string;
  /** The image of this family it is built on, when that image is built in the same run. */
  parent?: string;
  labels: Record<string, string>;
  /** Pull this image first (a failure is not an error): MLRun's cache convention. */
  pullForCache?: string;
  /** After the push, tag the image as this cache image and push it (MLRUN_PUSH_DOCKER_CACHE_IMAGE). */
  pushCacheAs?: string;
  phases: Phase[];
  /** The input digest (scheduler/inputs.ts), also the image's `org.mlrun-images.inputs` label. */
  inputs?: string;
  /** Why it needs no build (`its image here has these inputs`): set when it was found up to date. */
  upToDate?: string;
  /** What must hold inside the image (its own tests and its ancestors'). */
  tests: ImageTest[];
}

export interface BuildPlan {
  steps: BuildStep[];
}

/** The OCI labels of an image: no timestamps, so labels do not break reproducibility. */
function ociLabels(family: Family, name: string, options: BuildOptions): Record<string, string> {
  const { description } = family.graph.image(name).spec;
  return {
    'org.opencontainers.image.title': name,
    ...(description ? { 'org.opencontainers.image.description': description } : {}),
    'org.opencontainers.image.version': family.values.MLRUN_VERSION ?? '',
    ...(options.revision ? { 'org.opencontainers.image.revision': options.revision } : {}),
    ...(options.source ? { 'org.opencontainers.image.source': options.source } : {}),
  };
}

/** The build arguments: the variables read at build time, and the reference of each stage's base. */
function buildArgsOf(unit: Unit, parentReference: string | undefined, options: BuildOptions): Record<string, string> {
  const { values, graph } = unit.family;
  const external = (reference: string) => joinRegistry(options.baseRegistry ?? '', pinned(withBuildArgValues(reference, values), options.lock));
  const buildArgs: Record<string, string> = {};
  const declared = options.argsOf?.(unit.image);
  for (const variable of unit.family.buildArgs) if (!declared || declared.has(variable)) buildArgs[variable] = values[variable] ?? '';
  const { base } = graph.image(unit.image).spec;
  buildArgs[baseArgName()] = parentReference ?? external(base!);
  for (const stage of graph.image(unit.image).stages) buildArgs[baseArgName(stage.name)] = external(stage.base);
  return buildArgs;
}

function phasesOf(options: BuildOptions): Phase[] {
  return [...(options.build !== false ? (['build'] as const) : []), ...(options.test ? (['test'] as const) : []), ...(options.push ? (['push'] as const) : [])];
}

/**
 * MLRun's cache image of a unit: named as the image, with the cache tag for the version and the cache registry (when
 * given) for the registry: `<registry><repo>/<image>:<tag>-py311`.
 */
export function cacheImageOf(unit: Unit, tag: string, registry: string | undefined): string {
  const named = imageReference(
    unit.image,
    { ...unit.naming, MLRUN_VERSION: tag, ...(registry !== undefined ? { MLRUN_DOCKER_REGISTRY: registry } : {}) },
    unit.tagExtra,
  );
  if (!named.ok) {
    const variable = named.variable === 'MLRUN_DOCKER_REGISTRY' && registry !== undefined ? 'MLRUN_DOCKER_CACHE_FROM_REGISTRY' : 'MLRUN_DOCKER_CACHE_FROM_TAG';
    throw new UsageError(`${variable}: the cache image ${named.problem.replace(/^`[^`]*` is/, 'is')}`);
  }
  return named.value;
}

/**
 * Where an image's build cache comes from and goes to. With BuildKit (`registryCache`), MLRun's cache image is a
 * registry cache: imported without a pull, and exported (mode=max) instead of tagging and pushing the image; so is
 * `--cache-to REPO`, per image at `REPO:<unit>`. Elsewhere the cache image is an image, pulled first and pushed after.
 */
function cacheOf(unit: Unit, cacheImage: string | undefined, options: BuildOptions) {
  const exportCache = options.pushCacheImage === true && options.push;
  if (options.registryCache) {
    const shared = options.cacheTo ? `${options.cacheTo}:${unit.id}` : undefined;
    const from = [cacheImage, shared].filter((ref) => ref !== undefined).map((ref) => `type=registry,ref=${ref}`);
    const to = [...(shared ? [shared] : []), ...(cacheImage && exportCache ? [cacheImage] : [])];
    // BuildKit exports one cache per build: the shared one when there are both.
    return { cacheFrom: [...options.cacheFrom, ...from], cacheTo: to.slice(0, 1).map((ref) => `type=registry,ref=${ref},mode=max`) };
  }
  return {
    cacheFrom: [...options.cacheFrom, ...(cacheImage ? [cacheImage] : [])],
    cacheTo: [],
    ...(cacheImage ? { pullForCache: cacheImage } : {}),
    ...(cacheImage && exportCache ? { pushCacheAs: cacheImage } : {}),
  };
}

/** plan: one step per selected unit (an image in a variant), parents first. */
export function planBuild(set: FamilySet, options: BuildOptions): BuildPlan {
  const units = set.select(options.selected, { withAncestors: !options.noDeps });
  const inRun = new Set(units.map((unit) => unit.id));
  const referenceOf = new Map(set.units.map((unit) => [unit.id, unit.reference]));
  const steps = units.map((unit): BuildStep => {
    const { family, image } = unit;
    const cacheImage = options.cacheFromTag ? cacheImageOf(unit, options.cacheFromTag, options.cacheFromRegistry) : undefined;
    const cache = cacheOf(unit, cacheImage, options);
    const parent = unit.parent;
    return {
      name: unit.id,
      image,
      reference: unit.reference,
      ...(parent !== undefined && inRun.has(parent) ? { parent } : {}),
      dockerfile: options.dockerfileOf(unit.id),
      context: options.contextOf(image),
      buildArgs: buildArgsOf(unit, parent === undefined ? undefined : referenceOf.get(parent), options),
      labels: ociLabels(family, image, options),
      ...cache,
      noCache: options.noCache,
      pull: options.pull && parent === undefined,
      phases: phasesOf(options),
      tests: family.graph.testsOf(image),
    };
  });
  return { steps };
}
