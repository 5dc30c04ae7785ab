/** plan: what each engine run will be, in order, decided before anything runs. Pure: every input is a parameter. */
import { withBuildArgValues } from '../dockerfile/build-args.js';
import { baseArgName } from '../dockerfile/instructions.js';
import type { BuildRequest } from '../engines/engine.js';
import type { Family } from '../family/family.js';
import type { ImageTest } from '../image-tests/index.js';
import { type Lock, pinned } from '../lock/lockfile.js';
import { imagePrefix, joinRegistry, RELEASE_VARIABLES } from '../mlrun/naming.js';

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
  name: string;
  /** The image of this family it is built on, when that image is built in the same run. */
  parent?: string;
  labels: Record<string, string>;
  /** Pull this image first (a failure is not an error): MLRun's cache convention. */
  pullForCache?: string;
  phases: Phase[];
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

/** The build arguments: the release variables, and the reference of each stage's base. */
function buildArgsOf(family: Family, name: string, options: BuildOptions): Record<string, string> {
  const { values, graph } = family;
  const external = (reference: string) => joinRegistry(options.baseRegistry ?? '', pinned(withBuildArgValues(reference, values), options.lock));
  const buildArgs: Record<string, string> = {};
  for (const variable of RELEASE_VARIABLES) buildArgs[variable] = values[variable] ?? '';
  const { from, base } = graph.image(name).spec;
  buildArgs[baseArgName()] = from !== undefined ? family.references.get(from)! : external(base!);
  for (const stage of graph.image(name).stages) buildArgs[baseArgName(stage.name)] = external(stage.base);
  return buildArgs;
}

function phasesOf(options: BuildOptions): Phase[] {
  return [...(options.build !== false ? (['build'] as const) : []), ...(options.test ? (['test'] as const) : []), ...(options.push ? (['push'] as const) : [])];
}

/** plan: one step per selected image, parents first. */
export function planBuild(family: Family, options: BuildOptions): BuildPlan {
  const { graph, values } = family;
  const names = graph.select(options.selected, { withAncestors: !options.noDeps });
  const inRun = new Set(names);
  const prefix = imagePrefix({ MLRUN_DOCKER_REGISTRY: values.MLRUN_DOCKER_REGISTRY ?? '', MLRUN_DOCKER_REPO: values.MLRUN_DOCKER_REPO ?? '' });
  const steps = names.map((name): BuildStep => {
    const parent = graph.parentOf(name);
    const pullForCache = options.cacheFromTag ? `${prefix}/${name}:${options.cacheFromTag}` : undefined;
    return {
      name,
      reference: family.references.get(name)!,
      ...(parent !== undefined && inRun.has(parent) ? { parent } : {}),
      dockerfile: options.dockerfileOf(name),
      context: options.contextOf(name),
      buildArgs: buildArgsOf(family, name, options),
      labels: ociLabels(family, name, options),
      cacheFrom: [...options.cacheFrom, ...(pullForCache ? [pullForCache] : [])],
      ...(pullForCache ? { pullForCache } : {}),
      noCache: options.noCache,
      pull: options.pull && graph.image(name).spec.from === undefined,
      phases: phasesOf(options),
      tests: graph.testsOf(name),
    };
  });
  return { steps };
}
