import { buildCommand, digestFromPushOutput, imageIdCommand, pullCommand, pushCommand, stepFromOutput, type Engine } from './engines.js';
import type { BuildPlan, BuildStep } from './plan.js';
import type { ProcessRunner } from './process.js';

export type ImageStatus = 'queued' | 'building' | 'built' | 'pushing' | 'pushed' | 'failed' | 'skipped' | 'cancelled';

/** What happened to one image; the `--json` summary is a list of these. */
export interface ImageResult {
  name: string;
  reference: string;
  status: ImageStatus;
  durationMs: number;
  imageId?: string;
  digest?: string;
  reason?: string;
  log: string;
  startedAt?: number;
  finishedAt?: number;
}

export interface ProgressEvent {
  name: string;
  status: ImageStatus;
  /** The build step, while building. */
  step?: string;
  reason?: string;
}

/** Where an image's output goes: the edge opens a log file, tests keep it in memory. */
export interface BuildLog {
  path: string;
  write(line: string): void;
  /** The last lines written, for a failure message. */
  tail(lines: number): string[];
}

export interface RunBuildOptions {
  engine: Engine;
  runner: ProcessRunner;
  concurrency: number;
  openLog(name: string): BuildLog;
  digestFileOf(name: string): string;
  readDigestFile(path: string): string | undefined;
  onProgress(event: ProgressEvent): void;
  signal: AbortSignal;
  /** Waits between push attempts (3 attempts: two waits). */
  pushRetryDelaysMs: readonly number[];
  sleep(ms: number): Promise<void>;
  now(): number;
}

const PERMANENT_PUSH_FAILURE = /unauthorized|denied|authentication required|forbidden|name unknown|manifest invalid/i;

/**
 * Build the plan: an image starts as soon as its parent has been built, up to `concurrency` at a time;
 * a failure skips its descendants only; each image is pushed as soon as it is built.
 */
export async function runBuild(plan: BuildPlan, options: RunBuildOptions): Promise<ImageResult[]> {
  const { engine, runner, signal } = options;
  const results = new Map<string, ImageResult>();
  const logs = new Map<string, BuildLog>();
  for (const step of plan.steps) {
    const log = options.openLog(step.name);
    logs.set(step.name, log);
    results.set(step.name, { name: step.name, reference: step.reference, status: 'queued', durationMs: 0, log: log.path });
    options.onProgress({ name: step.name, status: 'queued' });
  }
  const update = (name: string, change: Partial<ImageResult>, step?: string) => {
    const result = Object.assign(results.get(name)!, change);
    options.onProgress({ name, status: result.status, ...(step ? { step } : {}), ...(result.reason ? { reason: result.reason } : {}) });
  };
  const childrenOf = (name: string) => plan.steps.filter((step) => step.parent === name);
  const skipDescendants = (name: string, reason: string) => {
    for (const child of childrenOf(name)) {
      update(child.name, { status: 'skipped', reason });
      skipDescendants(child.name, reason);
    }
  };

  const run = async (step: BuildStep, command: Parameters<ProcessRunner['run']>[0], onLine?: (line: string) => void) => {
    const log = logs.get(step.name)!;
    log.write(`$ ${command.command} ${command.args.join(' ')}`);
    return runner.run(command, { signal, onLine: (line) => (log.write(line), onLine?.(line)) });
  };

  const pushes: Promise<void>[] = [];
  const push = async (step: BuildStep) => {
    update(step.name, { status: 'pushing' });
    const delays = options.pushRetryDelaysMs;
    for (let attempt = 1; ; attempt++) {
      const digestFile = options.digestFileOf(step.name);
      const result = await run(step, pushCommand(engine, step.reference, digestFile));
      if (result.exitCode === 0) {
        const digest = engine.name === 'docker' ? digestFromPushOutput(result.output) : options.readDigestFile(digestFile)?.trim();
        update(step.name, { status: 'pushed', ...(digest ? { digest } : {}) });
        return;
      }
      const lastLine = result.output.trim().split('\n').pop() ?? '';
      if (signal.aborted) return update(step.name, { status: 'cancelled', reason: 'interrupted while pushing' });
      if (attempt > delays.length || PERMANENT_PUSH_FAILURE.test(result.output)) {
        return update(step.name, { status: 'failed', reason: `push failed after ${attempt} attempt(s): ${lastLine}` });
      }
      logs.get(step.name)!.write(`push attempt ${attempt} failed; trying again in ${delays[attempt - 1]} ms`);
      await options.sleep(delays[attempt - 1]!);
    }
  };

  const build = async (step: BuildStep): Promise<boolean> => {
    const startedAt = options.now();
    update(step.name, { status: 'building', startedAt });
    if (step.pullForCache) {
      const pulled = await run(step, pullCommand(engine, step.pullForCache));
      if (pulled.exitCode !== 0) logs.get(step.name)!.write(`(no cache image ${step.pullForCache}; building without it)`);
    }
    const result = await run(step, buildCommand(engine, step), (line) => {
      const current = stepFromOutput(line);
      if (current) update(step.name, {}, current);
    });
    const finishedAt = options.now();
    if (signal.aborted) {
      update(step.name, { status: 'cancelled', reason: 'interrupted', finishedAt, durationMs: finishedAt - startedAt });
      return false;
    }
    if (result.exitCode !== 0) {
      update(step.name, { status: 'failed', reason: `${engine.name} build exited with ${result.exitCode}`, finishedAt, durationMs: finishedAt - startedAt });
      return false;
    }
    const inspected = await run(step, imageIdCommand(engine, step.reference));
    const imageId = inspected.exitCode === 0 ? inspected.output.trim().split('\n').pop() : undefined;
    update(step.name, { status: 'built', finishedAt, durationMs: finishedAt - startedAt, ...(imageId ? { imageId } : {}) });
    return true;
  };

  await new Promise<void>((resolve) => {
    const waiting = [...plan.steps];
    const built = new Set<string>();
    let running = 0;
    const startReady = () => {
      if (signal.aborted) {
        for (const step of waiting.splice(0)) update(step.name, { status: 'cancelled', reason: 'interrupted before it started' });
      }
      for (let index = 0; index < waiting.length && running < options.concurrency; ) {
        const step = waiting[index]!;
        if (results.get(step.name)!.status === 'skipped') {
          waiting.splice(index, 1);
          continue;
        }
        // A child needs its parent built, not pushed: the image is there locally even when its push fails.
        if (step.parent === undefined || built.has(step.parent)) {
          waiting.splice(index, 1);
          running++;
          void build(step).then((ok) => {
            running--;
            if (ok) built.add(step.name);
            if (ok && step.push) pushes.push(push(step));
            if (!ok) skipDescendants(step.name, `\`${step.name}\` ${results.get(step.name)!.status === 'cancelled' ? 'was interrupted' : 'failed'}`);
            startReady();
          });
          continue;
        }
        index++;
      }
      if (running === 0 && waiting.every((step) => results.get(step.name)!.status === 'skipped')) resolve();
    };
    startReady();
  });
  await Promise.all(pushes);
  for (const [name, log] of logs) {
    const result = results.get(name)!;
    if (result.status === 'failed')
      result.reason = `${result.reason}\n  log: ${log.path}\n${log
        .tail(12)
        .map((line) => `  | ${line}`)
        .join('\n')}`;
  }
  return plan.steps.map((step) => results.get(step.name)!);
}
