import { execa } from 'execa';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { MlrunImagesError, UsageError } from '../errors.js';
import type { Family, GeneratedFiles } from '../family.js';
import {
  buildCommand,
  ENGINES,
  formatCommand,
  withLabels,
  imageIdCommand,
  probeCommand,
  pullCommand,
  pushCommand,
  type Engine,
  type EngineName,
} from './engines.js';
import { planBuild, selectImages, type BuildPlan } from './plan.js';
import type { Lock } from '../lock/lockfile.js';
import { execaRunner, type ProcessRunner } from './process.js';
import { formatSummary, plainReporter, terminalReporter, type Output } from './progress.js';
import { runBuild, type BuildLog, type ImageResult } from './run.js';

export interface BuildFlags {
  images: readonly string[];
  engine?: string;
  concurrency?: string;
  noDeps: boolean;
  noCache: boolean;
  pull: boolean;
  push: boolean;
  cacheFrom: readonly string[];
  /** The mirror for external bases, already resolved from --base-registry or MLRUN_BASE_REGISTRY. */
  baseRegistry?: string;
  json?: string;
  dryRun: boolean;
  /** Digests of external bases (images.lock.yaml). */
  lock?: Lock;
}

export interface BuildIo {
  env: Readonly<Record<string, string | undefined>>;
  /** Paths in messages are shown relative to it. */
  cwd: string;
  stdout: Output & { isTTY?: boolean; columns?: number };
  stderr: Output;
  runner?: ProcessRunner;
  /** Cancelled on Ctrl-C or SIGTERM by the caller. */
  signal: AbortSignal;
}

/** The build's working folder beside the manifest (git-ignored): rendered Dockerfiles and logs. */
export function buildFolder(manifestDir: string): string {
  return join(manifestDir, '.build');
}

function concurrencyOf(text: string | undefined): number {
  if (text === undefined) return Math.max(2, availableParallelism());
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`--concurrency expects a whole number of at least 1, got \`${text}\``);
  return value;
}

/** --engine, then MLRUN_BUILD_ENGINE, then the first of docker, podman, buildah that answers. */
function checkedEngineName(name: string): EngineName {
  if (!(ENGINES as readonly string[]).includes(name)) throw new UsageError(`unknown engine \`${name}\`: expected one of ${ENGINES.join(', ')}`);
  return name as EngineName;
}

export async function detectEngine(requested: string | undefined, runner: ProcessRunner): Promise<Engine> {
  const candidates = requested !== undefined ? [checkedEngineName(requested)] : ENGINES;
  for (const name of candidates) {
    const probe = await runner.run(probeCommand(name));
    if (probe.exitCode !== 0) continue;
    const buildkit = name === 'docker' && (await runner.run({ command: 'docker', args: ['buildx', 'version'] })).exitCode === 0;
    return { name, buildkit };
  }
  throw new UsageError(
    `${requested ? `the engine \`${requested}\` does not answer` : 'no container engine answers (tried docker, podman, buildah)'}: ` +
      'start one (for docker: `dockerd &` as root, or `systemctl start docker`), or install podman or buildah; ' +
      'on a Debian machine, scripts/dev-engine.sh installs and starts docker and a local registry',
  );
}

async function gitRevision(folder: string): Promise<{ revision?: string; source?: string }> {
  const git = async (...args: string[]) => {
    const result = await execa('git', args, { cwd: folder, reject: false });
    return result.exitCode === 0 ? result.stdout.trim() : undefined;
  };
  const [revision, remote] = await Promise.all([git('rev-parse', 'HEAD'), git('remote', 'get-url', 'origin')]);
  // A remote URL may carry credentials (https://user:token@host/…); they never reach a label.
  const source = remote?.replace(/\/\/[^/@]+@/, '//');
  return { ...(revision ? { revision } : {}), ...(source ? { source } : {}) };
}

function fileLog(path: string, shownAs: string): BuildLog {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, '');
  const recent: string[] = [];
  return {
    path: shownAs,
    write(line) {
      appendFileSync(path, `${line}\n`);
      recent.push(line);
      if (recent.length > 50) recent.shift();
    },
    tail: (count) => recent.filter((line) => line.trim() !== '').slice(-count),
  };
}

function writeDockerfiles(folder: string, files: GeneratedFiles, plan: BuildPlan): void {
  rmSync(folder, { recursive: true, force: true });
  const labels = new Map(plan.steps.map((step) => [`${step.name}/Dockerfile`, step.labels]));
  for (const [path, text] of files) {
    mkdirSync(dirname(join(folder, path)), { recursive: true });
    writeFileSync(join(folder, path), withLabels(text, labels.get(path) ?? {}));
  }
}

function dryRunText(plan: BuildPlan, engine: Engine, buildDir: string): string {
  const lines: string[] = [];
  for (const step of plan.steps) {
    if (step.pullForCache) lines.push(`${formatCommand(pullCommand(engine, step.pullForCache))} || true`);
    lines.push(formatCommand(buildCommand(engine, step)));
    lines.push(formatCommand(imageIdCommand(engine, step.reference)));
    if (step.push) lines.push(formatCommand(pushCommand(engine, step.reference, join(buildDir, 'digests', step.name))));
  }
  return `${lines.join('\n')}\n`;
}

/** `mlrun-images build`: the edge that writes Dockerfiles and logs, runs the engine and reports. Returns the exit code. */
export async function buildImages(family: Family, files: GeneratedFiles, manifestDir: string, flags: BuildFlags, io: BuildIo): Promise<number> {
  const runner = io.runner ?? execaRunner;
  const buildDir = buildFolder(manifestDir);
  const dockerfileDir = join(buildDir, 'dockerfiles');
  const env = io.env;
  // Mistakes on the command line are reported before any engine is asked anything.
  selectImages(family, flags.images, flags.noDeps);
  const concurrency = concurrencyOf(flags.concurrency);
  const requestedEngine = flags.engine ?? (env.MLRUN_BUILD_ENGINE || undefined);
  const [git, detected] = await Promise.all([gitRevision(manifestDir), flags.dryRun ? undefined : detectEngine(requestedEngine, runner)]);
  const plan = planBuild(family, {
    selected: flags.images,
    noDeps: flags.noDeps,
    noCache: flags.noCache || (env.MLRUN_NO_CACHE ?? '') !== '',
    pull: flags.pull,
    push: flags.push,
    cacheFrom: flags.cacheFrom,
    ...(env.MLRUN_DOCKER_CACHE_FROM_TAG ? { cacheFromTag: env.MLRUN_DOCKER_CACHE_FROM_TAG } : {}),
    ...(flags.baseRegistry ? { baseRegistry: flags.baseRegistry } : {}),
    ...(flags.lock ? { lock: flags.lock } : {}),
    dockerfileOf: (name) => join(dockerfileDir, name, 'Dockerfile'),
    contextOf: (name) => resolve(manifestDir, family.images.get(name)!.spec.context ?? '.'),
    ...git,
  });

  if (flags.dryRun) {
    const engine: Engine = { name: checkedEngineName(requestedEngine ?? 'docker'), buildkit: false };
    // The Dockerfiles are written so the printed commands can be run as they are; no engine is asked anything.
    writeDockerfiles(dockerfileDir, files, plan);
    io.stdout.write(dryRunText(plan, engine, buildDir));
    return 0;
  }

  const engine = detected!;
  writeDockerfiles(dockerfileDir, files, plan);
  const now = () => Date.now();
  const reporter = io.stdout.isTTY ? terminalReporter(io.stdout, now, () => io.stdout.columns || 100) : plainReporter(io.stdout, now);
  io.stdout.write(
    `building ${plan.steps.length} image(s) with ${engine.name}${engine.name === 'docker' ? (engine.buildkit ? ' (BuildKit)' : ' (classic builder)') : ''}, ${concurrency} at a time\n`,
  );
  const results = await runBuild(plan, {
    engine,
    runner,
    concurrency,
    openLog: (name) => {
      const path = join(buildDir, 'logs', `${name}.log`);
      return fileLog(path, relative(io.cwd, path));
    },
    digestFileOf: (name) => join(buildDir, 'digests', name),
    readDigestFile: (path) => (existsSync(path) ? readFileSync(path, 'utf8') : undefined),
    onProgress: (event) => reporter.onProgress(event),
    signal: io.signal,
    pushRetryDelaysMs: [2_000, 5_000],
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now,
  });
  reporter.close();
  io.stdout.write(`\n${formatSummary(results)}`);
  if (flags.json) writeSummary(flags.json, results);
  if (io.signal.aborted) return 130;
  return results.every((result) => result.status === 'built' || result.status === 'pushed') ? 0 : 1;
}

function writeSummary(path: string, results: readonly ImageResult[]): void {
  const images = results.map(({ name, reference, status, durationMs, imageId, digest, reason, log, startedAt, finishedAt }) => ({
    name,
    reference,
    status,
    durationSeconds: Math.round(durationMs) / 1000,
    ...(imageId ? { imageId } : {}),
    ...(digest ? { digest } : {}),
    ...(reason ? { reason: reason.split('\n')[0] } : {}),
    log,
    ...(startedAt ? { startedAt: new Date(startedAt).toISOString() } : {}),
    ...(finishedAt ? { finishedAt: new Date(finishedAt).toISOString() } : {}),
  }));
  try {
    mkdirSync(dirname(resolve(path)), { recursive: true });
    writeFileSync(path, `${JSON.stringify({ images }, null, 2)}\n`);
  } catch (error) {
    throw new MlrunImagesError(`--json ${path}: ${(error as Error).message}`);
  }
}
