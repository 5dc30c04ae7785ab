/** `build [IMAGE...]`: the edge that writes Dockerfiles and logs, runs the engine and reports. */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { withLabels } from '../../dockerfile/instructions.js';
import { type Engine, formatCommand } from '../../engines/engine.js';
import { assumedEngine } from '../../engines/index.js';
import type { ProcessRunner } from '../../engines/process.js';
import type { FamilySet } from '../../family/variants.js';
import { LOCK_FILE, type Lock } from '../../lock/lockfile.js';
import { type GeneratedFiles, renderFamily } from '../../pipeline.js';
import { UsageError } from '../../errors.js';
import { parseReference } from '../../reference.js';
import { type BuildPlan, planBuild } from '../../scheduler/plan.js';
import { flagOption, type Invocation, listOption, stringOption } from '../invocation.js';
import { baseRegistryOf, type CliIo, loadProject, lockFor, manifestDir } from '../project.js';
import { concurrencyOf, detect, requestedEngineOf, runnerOf, runPlan, workFolder } from '../run-plan.js';
import { contextOf, type ResolvedSource, resolveSources } from '../sources.js';

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
  json?: string;
  junit?: string;
  dryRun: boolean;
  /** Digests of external bases (images.lock.yaml). */
  lock?: Lock;
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

function writeDockerfiles(folder: string, files: GeneratedFiles, plan: BuildPlan): void {
  rmSync(folder, { recursive: true, force: true });
  // One copy per step: variants of an image share a Dockerfile, but each build gets its own labels.
  for (const step of plan.steps) {
    mkdirSync(join(folder, step.name), { recursive: true });
    writeFileSync(join(folder, step.name, 'Dockerfile'), withLabels(files.get(`${step.image}/Dockerfile`) ?? '', step.labels));
    const ignore = files.get(`${step.image}/Dockerfile.dockerignore`);
    if (ignore !== undefined) writeFileSync(join(folder, step.name, 'Dockerfile.dockerignore'), ignore);
  }
}

function dryRunText(plan: BuildPlan, engine: Engine, buildDir: string): string {
  const lines: string[] = [];
  if (engine.graph) {
    const file = join(buildDir, 'bake.json');
    lines.push(`# ${file}: the bake file of ${plan.steps.length} target(s)`, formatCommand(engine.graph.command(file, join(buildDir, 'bake-metadata.json'))));
  }
  if (engine.graph) lines.push(formatCommand(engine.graph.imageIdsCommand(plan.steps.map((step) => step.reference))));
  for (const step of plan.steps) {
    if (step.pullForCache) lines.push(`${formatCommand(engine.pullCommand(step.pullForCache))} || true`);
    if (!engine.graph) lines.push(formatCommand(engine.buildCommand(step)), formatCommand(engine.imageIdCommand(step.reference)));
    if (step.phases.includes('push')) lines.push(formatCommand(engine.pushCommand(step.reference, join(buildDir, 'digests', step.name))));
    if (step.pushCacheAs)
      lines.push(
        formatCommand(engine.tagCommand(step.reference, step.pushCacheAs)),
        formatCommand(engine.pushCommand(step.pushCacheAs, join(buildDir, 'digests', `${step.name}.cache`))),
      );
  }
  return `${lines.join('\n')}\n`;
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
  return resolveSources(set.family, images, io.cwd);
}

export interface PlanInputs {
  sources: Map<string, ResolvedSource>;
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
    noCache: flags.noCache || (env.MLRUN_NO_CACHE ?? '') !== '',
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
    ...inputs.git,
  });
}

/** Build the plan on the engine; the exit code. */
export async function buildImages(set: FamilySet, files: GeneratedFiles, folder: string, flags: BuildFlags, io: CliIo): Promise<number> {
  const work = workFolder(folder);
  const dockerfileDir = join(work, 'dockerfiles');
  // Mistakes on the command line are reported before any engine is asked anything.
  const sources = sourcesOf(set, flags, io);
  if (flags.cacheTo !== undefined) checkCacheTo(flags.cacheTo);
  const concurrency = concurrencyOf(flags.concurrency);
  const requestedEngine = requestedEngineOf(flags.engine, io.env);
  const engineOptions = flags.builder ? { builder: flags.builder } : {};
  const [git, engine] = await Promise.all([
    gitRevision(folder, runnerOf(io)),
    flags.dryRun ? assumedEngine(requestedEngine, engineOptions) : detect(requestedEngine, io, engineOptions),
  ]);
  if (flags.cacheTo !== undefined && !engine.capabilities.exportsCache) {
    throw new UsageError(`--cache-to needs BuildKit (--engine docker with its buildx plugin, or bake); ${engine.label} cannot export a build cache`);
  }
  const plan = planOf(set, flags, folder, io, {
    sources,
    dockerfileOf: (name) => join(dockerfileDir, name, 'Dockerfile'),
    registryCache: engine.capabilities.exportsCache,
    git,
  });
  // The Dockerfiles are written for a dry run too, so the printed commands can be run as they are.
  writeDockerfiles(dockerfileDir, files, plan);
  if (flags.dryRun) {
    if (engine.graph) writeFileSync(join(work, 'bake.json'), engine.graph.file(plan.steps));
    io.stdout.write(dryRunText(plan, engine, work));
    return 0;
  }
  const way = engine.graph ? 'as one graph' : `${concurrency} at a time`;
  return runPlan(
    {
      plan,
      engine,
      concurrency,
      folder,
      headline: `building ${plan.steps.length} image(s) with ${engine.label}, ${way}${flags.test ? ', each tested before it is pushed' : ''}`,
      success: ['built', 'tested', 'pushed'],
      ...(flags.json ? { json: flags.json } : {}),
      ...(flags.junit ? { junit: flags.junit } : {}),
    },
    io,
  );
}

/** The build's flags from the command line. */
export function buildFlags(invocation: Invocation, io: CliIo): BuildFlags {
  const engine = stringOption(invocation, 'engine');
  const concurrency = stringOption(invocation, 'concurrency');
  const baseRegistry = baseRegistryOf(invocation, io.env);
  const json = stringOption(invocation, 'json');
  const junit = stringOption(invocation, 'junit');
  const cacheTo = stringOption(invocation, 'cache-to');
  const builder = stringOption(invocation, 'builder');
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
    ...(json !== undefined ? { json: resolve(io.cwd, json) } : {}),
    ...(junit !== undefined ? { junit: resolve(io.cwd, junit) } : {}),
    dryRun: flagOption(invocation, 'dry-run'),
  };
}

/** `build`: render, optionally lint --production first, then build. */
export async function buildCommand(invocation: Invocation, io: CliIo): Promise<number> {
  const { family, set, templates } = loadProject(invocation, io);
  const lockFile = lockFor(invocation, family);
  const flags = { ...buildFlags(invocation, io), ...(lockFile ? { lock: lockFile.bases } : {}) };
  if (lockFile && lockFile.bases.size > 0 && (lockFile.mirror ?? '') !== (flags.baseRegistry ?? '')) {
    const read = lockFile.mirror ? `through the mirror ${lockFile.mirror}` : 'without a mirror';
    const used = flags.baseRegistry ? `the mirror ${flags.baseRegistry}` : 'none';
    io.stderr.write(`mlrun-images: warning: ${LOCK_FILE} was read ${read}, and this build uses ${used}: its digests may not be there\n`);
  }
  const files = renderFamily(family, templates, lockFile?.bases);
  if (flagOption(invocation, 'production')) {
    const { collectFindings, formatFindings } = await import('./lint.js');
    const images = [...new Set(set.select(flags.images, { withAncestors: !flags.noDeps }).map((unit) => unit.image))];
    const findings = await collectFindings(family, files, manifestDir(invocation), true, io.cwd, images);
    const errors = findings.filter((finding) => finding.severity === 'error' && !finding.suppressed);
    if (errors.length > 0) {
      io.stderr.write(`${formatFindings(errors)}mlrun-images: build --production refuses to build what lint --production rejects\n`);
      return 1;
    }
  }
  return buildImages(set, files, manifestDir(invocation), flags, io);
}
