/** Running a plan on the engine, for `build` and `test`: logs, live progress, the summary and the reports. */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative } from 'node:path';
import type { Engine } from '../engines/engine.js';
import { detectEngine, type EngineOptions, engineModule } from '../engines/index.js';
import { execaRunner, type ProcessRunner } from '../engines/process.js';
import { UsageError } from '../errors.js';
import type { BuildPlan } from '../scheduler/plan.js';
import { formatSummary, plainReporter, terminalReporter } from '../scheduler/progress.js';
import { jsonSummary, junitXml } from '../scheduler/reports.js';
import { type BuildLog, type ImageResult, type ImageStatus, runBuild } from '../scheduler/run.js';
import type { CliIo } from './project.js';
import { type OutputTarget, writeTo } from './output.js';

/** The working folder beside the manifest (git-ignored): rendered Dockerfiles, logs, digests. */
export function workFolder(folder: string): string {
  return join(folder, '.build');
}

export function concurrencyOf(text: string | undefined): number {
  if (text === undefined) return Math.max(2, availableParallelism());
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`--concurrency expects a whole number of at least 1, got \`${text}\``);
  return value;
}

/** --engine (or MLRUN_BUILD_ENGINE); an unknown name is refused before anything runs. */
export function requestedEngineOf(requested: string | undefined): string | undefined {
  if (requested !== undefined) engineModule(requested);
  return requested;
}

export function runnerOf(io: CliIo): ProcessRunner {
  return io.runner ?? execaRunner;
}

export function detect(requested: string | undefined, io: CliIo, options: EngineOptions = {}): Promise<Engine> {
  return detectEngine(requested, runnerOf(io), options);
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

export interface PlanRun {
  plan: BuildPlan;
  engine: Engine;
  concurrency: number;
  /** The manifest's folder. */
  folder: string;
  /** `building 3 image(s) with docker (BuildKit), 2 at a time` */
  headline: string;
  /** The statuses an image ends in when all went well. */
  success: readonly ImageStatus[];
  /** Where the summaries go (checked before the run): a file, or standard output. */
  json?: OutputTarget;
  junit?: OutputTarget;
}

/** Run the plan on the engine; the exit code (0 all well, 1 an image failed, 130 interrupted). */
export async function runPlan({ plan, engine, concurrency, folder, headline, success, json, junit }: PlanRun, io: CliIo): Promise<number> {
  const signal = io.signal ?? new AbortController().signal;
  const work = workFolder(folder);
  // podman and buildah write each pushed digest to a file here (--digestfile); they do not make the folder.
  mkdirSync(join(work, 'digests'), { recursive: true });
  io.startsProcesses?.();
  const now = () => Date.now();
  // A summary on standard output keeps it for itself: the progress goes to standard error then.
  const human = json?.kind === 'stdout' || junit?.kind === 'stdout' ? io.stderr : io.stdout;
  const reporter = io.stdout.isTTY && human === io.stdout ? terminalReporter(io.stdout, now, () => io.stdout.columns || 100) : plainReporter(human, now);
  human.write(`${headline}\n`);
  const results: ImageResult[] = await runBuild(plan, {
    engine,
    runner: runnerOf(io),
    concurrency,
    openLog: (name) => {
      const path = join(work, 'logs', `${name}.log`);
      return fileLog(path, relative(io.cwd, path));
    },
    digestFileOf: (name) => join(work, 'digests', name),
    workFileOf: (name) => join(work, name),
    writeWorkFile: (path, text) => writeFileSync(path, text),
    readTextFile: (path) => (existsSync(path) ? readFileSync(path, 'utf8') : undefined),
    readDigestFile: (path) => (existsSync(path) ? readFileSync(path, 'utf8') : undefined),
    onProgress: (event) => reporter.onProgress(event),
    signal,
    pushRetryDelaysMs: [2_000, 5_000],
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now,
  });
  reporter.close();
  human.write(`\n${formatSummary(results)}`);
  if (json) writeTo(json, jsonSummary(results), io.stdout);
  if (junit) writeTo(junit, junitXml(results), io.stdout);
  if (signal.aborted) return 130;
  return results.every((result) => success.includes(result.status)) ? 0 : 1;
}
