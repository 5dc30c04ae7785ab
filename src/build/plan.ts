import { UsageError } from '../errors.js';
import type { Family } from '../family.js';
import { ancestorsOf } from '../graph/order.js';
import { imagePrefix } from '../naming.js';
import { baseArgName } from '../render/dockerfile.js';
import { withBuildArgValues, RELEASE_VARIABLES } from '../config/variables.js';
import { didYouMean } from '../suggest.js';
import { pinned, type Lock } from '../lock/lockfile.js';

export interface BuildOptions {
  /** Images named on the command line; empty means every image. */
  selected: readonly string[];
  /** Build only the named images, on their parents' references as they are. */
  noDeps: boolean;
  noCache: boolean;
  pull: boolean;
  push: boolean;
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

/** One image to build: everything an engine needs, decided before anything runs. */
export interface BuildStep {
  name: string;
  reference: string;
  /** The image of this family it is built on, when that image is built in the same run. */
  parent?: string;
  dockerfile: string;
  context: string;
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  cacheFrom: string[];
  /** Pull this image first (a failure is not an error): MLRun's cache convention. */
  pullForCache?: string;
  noCache: boolean;
  /** Refresh the external base: never for an image built `from` another image of the family. */
  pull: boolean;
  push: boolean;
}

export interface BuildPlan {
  steps: BuildStep[];
}

/** `--base-registry PREFIX`: the external reference as the mirror serves it. */
export function withBaseRegistry(reference: string, prefix: string | undefined): string {
  if (!prefix) return reference;
  return `${prefix.endsWith('/') ? prefix : `${prefix}/`}${reference}`;
}

/** The images to build: those named plus their ancestors (unless noDeps), in build order. */
export function selectImages(family: Family, selected: readonly string[], noDeps: boolean): string[] {
  const unknown = selected.filter((name) => !family.images.has(name));
  if (unknown.length > 0) {
    throw new UsageError(unknown.map((name) => `no image \`${name}\` in the manifest${didYouMean(name, family.order)}`).join('\n'));
  }
  if (selected.length === 0) return [...family.order];
  const wanted = new Set(selected);
  if (!noDeps) for (const name of selected) for (const ancestor of ancestorsOf(name, family.images)) wanted.add(ancestor);
  return family.order.filter((name) => wanted.has(name));
}

/** plan: what each engine run will be, in order. Pure: every input is a parameter. */
export function planBuild(family: Family, options: BuildOptions): BuildPlan {
  const names = selectImages(family, options.selected, options.noDeps);
  const inRun = new Set(names);
  const values = family.values;
  const prefix = imagePrefix({ MLRUN_DOCKER_REGISTRY: values.MLRUN_DOCKER_REGISTRY ?? '', MLRUN_DOCKER_REPO: values.MLRUN_DOCKER_REPO ?? '' });
  const external = (reference: string) => withBaseRegistry(pinned(withBuildArgValues(reference, values), options.lock), options.baseRegistry);

  const steps = names.map((name): BuildStep => {
    const image = family.images.get(name)!;
    const reference = family.references.get(name)!;
    const { from, base, description } = image.spec;
    const buildArgs: Record<string, string> = {};
    for (const variable of RELEASE_VARIABLES) buildArgs[variable] = values[variable] ?? '';
    buildArgs[baseArgName()] = from !== undefined ? family.references.get(from)! : external(base!);
    for (const stage of image.stages) buildArgs[baseArgName(stage.name)] = external(stage.base);

    const labels: Record<string, string> = {
      'org.opencontainers.image.title': name,
      ...(description ? { 'org.opencontainers.image.description': description } : {}),
      'org.opencontainers.image.version': values.MLRUN_VERSION ?? '',
      ...(options.revision ? { 'org.opencontainers.image.revision': options.revision } : {}),
      ...(options.source ? { 'org.opencontainers.image.source': options.source } : {}),
    };
    const pullForCache = options.cacheFromTag ? `${prefix}/${name}:${options.cacheFromTag}` : undefined;
    return {
      name,
      reference,
      ...(from !== undefined && inRun.has(from) ? { parent: from } : {}),
      dockerfile: options.dockerfileOf(name),
      context: options.contextOf(name),
      buildArgs,
      labels,
      cacheFrom: [...options.cacheFrom, ...(pullForCache ? [pullForCache] : [])],
      ...(pullForCache ? { pullForCache } : {}),
      noCache: options.noCache,
      pull: options.pull && from === undefined,
      push: options.push,
    };
  });
  return { steps };
}
