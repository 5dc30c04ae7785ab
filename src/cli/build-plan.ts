/**
 * What `build`, `bake`, `status` and `list --changed-since` share: the build's flags from the command line, the sources,
 * the plan, and each image's input digest.
 */
import type { ProcessRunner } from '../engines/process.js';
import { UsageError } from '../errors.js';
import type { FamilySet } from '../family/variants.js';
import type { Lock } from '../lock/lockfile.js';
import type { GeneratedFiles } from '../pipeline.js';
import { declaredArgs } from '../dockerfile/build-args.js';
import { parseReference } from '../reference.js';
import { INPUTS_LABEL, type InputsOf } from '../scheduler/inputs.js';
import { type BuildPlan, planBuild } from '../scheduler/plan.js';
import { inputsOfPlan } from './inputs.js';
import { flagOption, type Invocation, listOption, stringOption } from './invocation.js';
import { baseRegistryOf, type CliIo, registryTimeoutOf } from './project.js';
import { checkCheckouts, contextOf, type ResolvedSource, resolveSources } from './sources.js';

export interface BuildFlags {
  images: readonly string[];
  engine?: string;
  concurrency?: string;
  noDeps: boolean;
  noCache: boolean;
  pull: boolean;
  push: boolean;
  cacheFrom: readonly string[];
  /** `--cache-to REPO`: BuildKit registry cache per image. */
  cacheTo?: string;
  /** `--builder NAME`: the buildx builder. */
  builder?: string;
  /** The mirror for external bases, already resolved from --base-registry or MLRUN_BASE_REGISTRY. */
  baseRegistry?: string;
  /** Run each image's tests after it is built, before it is pushed. */
  test: boolean;
  /** `--json` and `--junit` as given (`-` is standard output); checked by the command against the run's inputs. */
  json?: string;
  junit?: string;
  dryRun: boolean;
  /** Build images whose image already has the same inputs too. */
  force: boolean;
  /** `--changed-since REF`: only the images whose inputs changed since this git commit. */
  changedSince?: string;
  /** Digests of external bases (images.lock.yaml). */
  lock?: Lock;
  /** How long one registry request may take (`--registry-timeout`), in milliseconds. */
  registryTimeoutMs?: number;
}

export async function gitRevision(folder: string, runner: ProcessRunner): Promise<{ revision?: string; source?: string }> {
  const git = async (...args: string[]) => {
    const result = await runner.run({ command: 'git', args, cwd: folder });
    return result.exitCode === 0 ? result.output.trim() : undefined;
  };
  const [revision, remote] = await Promise.all([git('rev-parse', 'HEAD'), git('remote', 'get-url', 'origin')]);
  // A remote URL may carry credentials (https://user:token@host/…); they never reach a label.
  const source = remote?.replace(/\/\/[^/@]+@/, '//');
  return { ...(revision ? { revision } : {}), ...(source ? { source } : {}) };
}

/** `--cache-to REPO`: a repository, without a tag (each image's cache is tagged with its name). */
export function checkCacheTo(repository: string): void {
  const parsed = parseReference(repository);
  if (!parsed.ok || parsed.reference.tag !== undefined || parsed.reference.digest !== undefined) {
    throw new UsageError(`--cache-to ${repository}: expected a repository without a tag (each image's cache is REPO:<image>), like 127.0.0.1:5000/mlrun-cache`);
  }
}

/** Where each selected image's sources are: a missing checkout is reported before any engine is asked. */
export function sourcesOf(set: FamilySet, flags: BuildFlags, io: CliIo): Map<string, ResolvedSource> {
  const images = [...new Set(set.select(flags.images, { withAncestors: !flags.noDeps }).map((unit) => unit.image))];
  const sources = resolveSources(set.family, images, io.cwd);
  checkCheckouts(set.family, images, sources, io.cwd);
  return sources;
}

export interface PlanInputs {
  sources: Map<string, ResolvedSource>;
  /** The rendered Dockerfiles: each image is passed the build arguments its own declares. */
  files: GeneratedFiles;
  /** The Dockerfile each unit is built from. */
  dockerfileOf: (unit: string) => string;
  /** The engine exports BuildKit registry caches. */
  registryCache: boolean;
  git?: { revision?: string; source?: string };
}

/** The plan of a build, or of a bake file: the sources resolved, MLRun's cache variables read. */
export function planOf(set: FamilySet, flags: BuildFlags, folder: string, io: CliIo, inputs: PlanInputs): BuildPlan {
  const { family } = set;
  const { env } = io;
  const { sources } = inputs;
  return planBuild(set, {
    selected: flags.images,
    noDeps: flags.noDeps,
    noCache: flags.noCache,
    pull: flags.pull,
    push: flags.push,
    test: flags.test,
    cacheFrom: flags.cacheFrom,
    ...(env.MLRUN_DOCKER_CACHE_FROM_TAG ? { cacheFromTag: env.MLRUN_DOCKER_CACHE_FROM_TAG } : {}),
    ...(env.MLRUN_DOCKER_CACHE_FROM_REGISTRY !== undefined ? { cacheFromRegistry: env.MLRUN_DOCKER_CACHE_FROM_REGISTRY } : {}),
    pushCacheImage: (env.MLRUN_PUSH_DOCKER_CACHE_IMAGE ?? '') !== '',
    ...(flags.cacheTo !== undefined ? { cacheTo: flags.cacheTo } : {}),
    registryCache: inputs.registryCache,
    ...(flags.baseRegistry ? { baseRegistry: flags.baseRegistry } : {}),
    ...(flags.lock ? { lock: flags.lock } : {}),
    dockerfileOf: inputs.dockerfileOf,
    contextOf: (image) => contextOf(family, image, sources, folder),
    argsOf: (image) => declaredArgs(inputs.files.get(`${image}/Dockerfile`) ?? ''),
    ...inputs.git,
  });
}

/**
 * The input digest of each selected unit and of its ancestors (a child's digest holds its parent's, whether or not the
 * parent is built in this run). `sourceFolder` maps a source checkout's folder (to read it at another commit).
 */
export function inputsFor(
  set: FamilySet,
  files: GeneratedFiles,
  folder: string,
  flags: Pick<BuildFlags, 'images' | 'baseRegistry' | 'lock'>,
  io: CliIo,
  sourceFolder: (folder: string) => string = (same) => same,
  builtOn?: (parent: string) => string | undefined,
): Map<string, InputsOf> {
  const all: BuildFlags = { ...flags, noDeps: false, noCache: false, pull: false, push: false, cacheFrom: [], test: false, dryRun: false, force: false };
  const sources = new Map(
    [...sourcesOf(set, all, io)].map(([name, source]): [string, ResolvedSource] => [
      name,
      'folder' in source ? { folder: sourceFolder(source.folder) } : source,
    ]),
  );
  const plan = planOf(set, all, folder, { ...io, env: {} }, { sources, files, dockerfileOf: () => '', registryCache: false });
  return inputsOfPlan(plan, files, set.family, builtOn, (message) => io.stderr.write(`mlrun-images: warning: ${message}\n`));
}

/** The build's flags from the command line. */
export function buildFlags(invocation: Invocation, io: CliIo): BuildFlags {
  const engine = stringOption(invocation, 'engine');
  const concurrency = stringOption(invocation, 'concurrency');
  const baseRegistry = baseRegistryOf(invocation);
  const json = stringOption(invocation, 'json');
  const junit = stringOption(invocation, 'junit');
  const cacheTo = stringOption(invocation, 'cache-to');
  const builder = stringOption(invocation, 'builder');
  const changedSince = stringOption(invocation, 'changed-since');
  const registryTimeoutMs = registryTimeoutOf(invocation);
  return {
    images: invocation.operands,
    ...(engine !== undefined ? { engine } : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
    noDeps: flagOption(invocation, 'no-deps'),
    noCache: flagOption(invocation, 'no-cache'),
    pull: flagOption(invocation, 'pull'),
    push: flagOption(invocation, 'push'),
    cacheFrom: listOption(invocation, 'cache-from'),
    ...(cacheTo !== undefined ? { cacheTo } : {}),
    ...(builder !== undefined ? { builder } : {}),
    ...(baseRegistry ? { baseRegistry } : {}),
    test: flagOption(invocation, 'test'),
    ...(json !== undefined ? { json } : {}),
    ...(junit !== undefined ? { junit } : {}),
    dryRun: flagOption(invocation, 'dry-run'),
    force: flagOption(invocation, 'force'),
    ...(changedSince !== undefined ? { changedSince } : {}),
    ...(registryTimeoutMs !== undefined ? { registryTimeoutMs } : {}),
  };
}

/** Each step with its input digest, as a field and as the label the image carries. */
export function withInputs(plan: BuildPlan, inputs: ReadonlyMap<string, InputsOf>): BuildPlan {
  return {
    steps: plan.steps.map((step) => {
      const digest = inputs.get(step.name)?.digest;
      return digest ? { ...step, inputs: digest, labels: { ...step.labels, [INPUTS_LABEL]: digest } } : step;
    }),
  };
}
