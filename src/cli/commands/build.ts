/** `build [IMAGE...]`: the edge that writes Dockerfiles and logs, runs the engine and reports. */
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { withLabels } from '../../dockerfile/instructions.js';
import { formatCommand, type Engine } from '../../engines/engine.js';
import { assumedEngine, detectEngine, engineModule } from '../../engines/index.js';
import { execaRunner, type ProcessRunner } from '../../engines/process.js';
import { MlrunImagesError, UsageError } from '../../errors.js';
import type { Family } from '../../family/family.js';
import { LOCK_FILE, type Lock } from '../../lock/lockfile.js';
import { type GeneratedFiles, renderFamily } from '../../pipeline.js';
import { type BuildPlan, planBuild } from '../../scheduler/plan.js';
import { formatSummary, plainReporter, terminalReporter } from '../../scheduler/progress.js';
import { type BuildLog, type ImageResult, runBuild } from '../../scheduler/run.js';
import { flagOption, type Invocation, listOption, stringOption } from '../invocation.js';
import { baseRegistryOf, type CliIo, loadProject, lockFor, manifestDir } from '../project.js';

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

/** The build's working folder beside the manifest (git-ignored): rendered Dockerfiles and logs. */
export function buildFolder(folder: string): string {
  return join(folder, '.build');
}

function concurrencyOf(text: string | undefined): number {
  if (text === undefined) return Math.max(2, availableParallelism());
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`--concurrency expects a whole number of at least 1, got \`${text}\``);
  return value;
}

async function gitRevision(folder: string, runner: ProcessRunner): Promise<{ revision?: string; source?: string }> {
  const git = async (...args: string[]) => {
    const result = await runner.run({ command: 'git', args, cwd: folder });
    return result.exitCode === 0 ? result.output.trim() : undefined;
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
    if (step.pullForCache) lines.push(`${formatCommand(engine.pullCommand(step.pullForCache))} || true`);
    lines.push(formatCommand(engine.buildCommand(step)));
    lines.push(formatCommand(engine.imageIdCommand(step.reference)));
    if (step.phases.includes('push')) lines.push(formatCommand(engine.pushCommand(step.reference, join(buildDir, 'digests', step.name))));
  }
  return `${lines.join('\n')}\n`;
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

/** Build the plan on the engine; the exit code. */
export async function buildImages(family: Family, files: GeneratedFiles, folder: string, flags: BuildFlags, io: CliIo): Promise<number> {
  const runner = io.runner ?? execaRunner;
  const signal = io.signal ?? new AbortController().signal;
  const buildDir = buildFolder(folder);
  const dockerfileDir = join(buildDir, 'dockerfiles');
  const { env } = io;
  // Mistakes on the command line are reported before any engine is asked anything.
  family.graph.select(flags.images, { withAncestors: !flags.noDeps });
  const concurrency = concurrencyOf(flags.concurrency);
  const requestedEngine = flags.engine ?? (env.MLRUN_BUILD_ENGINE || undefined);
  if (requestedEngine !== undefined) engineModule(requestedEngine);
  const dryRunEngine = flags.dryRun ? assumedEngine(requestedEngine) : undefined;
  const [git, detected] = await Promise.all([gitRevision(folder, runner), dryRunEngine ?? detectEngine(requestedEngine, runner)]);
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
    contextOf: (name) => resolve(folder, family.images.get(name)!.spec.context ?? '.'),
    ...git,
  });
  // The Dockerfiles are written for a dry run too, so the printed commands can be run as they are.
  writeDockerfiles(dockerfileDir, files, plan);
  if (flags.dryRun) {
    io.stdout.write(dryRunText(plan, detected, buildDir));
    return 0;
  }

  const engine = detected;
  io.startsProcesses?.();
  const now = () => Date.now();
  const reporter = io.stdout.isTTY ? terminalReporter(io.stdout, now, () => io.stdout.columns || 100) : plainReporter(io.stdout, now);
  io.stdout.write(`building ${plan.steps.length} image(s) with ${engine.label}, ${concurrency} at a time\n`);
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
    signal,
    pushRetryDelaysMs: [2_000, 5_000],
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now,
  });
  reporter.close();
  io.stdout.write(`\n${formatSummary(results)}`);
  if (flags.json) writeSummary(flags.json, results);
  if (signal.aborted) return 130;
  return results.every((result) => result.status === 'built' || result.status === 'pushed') ? 0 : 1;
}

/** The build's flags from the command line. */
function buildFlags(invocation: Invocation, io: CliIo): BuildFlags {
  const engine = stringOption(invocation, 'engine');
  const concurrency = stringOption(invocation, 'concurrency');
  const baseRegistry = baseRegistryOf(invocation, io.env);
  const json = stringOption(invocation, 'json');
  return {
    images: invocation.operands,
    ...(engine !== undefined ? { engine } : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
    noDeps: flagOption(invocation, 'no-deps'),
    noCache: flagOption(invocation, 'no-cache'),
    pull: flagOption(invocation, 'pull'),
    push: flagOption(invocation, 'push'),
    cacheFrom: listOption(invocation, 'cache-from'),
    ...(baseRegistry ? { baseRegistry } : {}),
    ...(json !== undefined ? { json: resolve(io.cwd, json) } : {}),
    dryRun: flagOption(invocation, 'dry-run'),
  };
}

/** `build`: render, optionally lint --production first, then build. */
export async function buildCommand(invocation: Invocation, io: CliIo): Promise<number> {
  const { family, templates } = loadProject(invocation, io);
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
    const images = family.graph.select(flags.images, { withAncestors: !flags.noDeps });
    const findings = await collectFindings(family, files, manifestDir(invocation), true, io.cwd, images);
    const errors = findings.filter((finding) => finding.severity === 'error' && !finding.suppressed);
    if (errors.length > 0) {
      io.stderr.write(`${formatFindings(errors)}mlrun-images: build --production refuses to build what lint --production rejects\n`);
      return 1;
    }
  }
  return buildImages(family, files, manifestDir(invocation), flags, io);
}
