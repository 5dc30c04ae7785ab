/**
 * The scheduler: runs each step's phases (plan.ts) on the engine. An image starts as soon as its parent has passed
 * its slot-holding phases, up to `concurrency` at a time; a failure there skips its descendants only; the phases
 * after (push) go on without a slot.
 */
import { type Command, type Engine, stepFromOutput } from '../engines/engine.js';
import type { ProcessRunner } from '../engines/process.js';
import { ImageNotThere, runImageTests, type TestResult, testTally } from './image-tests.js';
import { type BuildPlan, type BuildStep, type Phase, PHASES } from './plan.js';

export type ImageStatus = 'queued' | 'building' | 'built' | 'testing' | 'tested' | 'pushing' | 'pushed' | 'failed' | 'skipped' | 'cancelled';

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
  /** The image's test results, when its tests ran. */
  tests?: TestResult[];
}

export interface ProgressEvent {
  name: string;
  status: ImageStatus;
  /** The build step, while building; the test that ended, while testing. */
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
  /** How http tests ask the running image (the global fetch unless a test gives another). */
  fetch?: typeof fetch;
}

const PERMANENT_PUSH_FAILURE = /unauthorized|denied|authentication required|forbidden|name unknown|manifest invalid/i;

/** The results of a run, as they change; every change is reported as progress. */
function resultBook(plan: BuildPlan, options: RunBuildOptions) {
  const results = new Map<string, ImageResult>();
  const logs = new Map<string, BuildLog>();
  for (const step of plan.steps) {
    const log = options.openLog(step.name);
    logs.set(step.name, log);
    results.set(step.name, { name: step.name, reference: step.reference, status: 'queued', durationMs: 0, log: log.path });
    options.onProgress({ name: step.name, status: 'queued' });
  }
  const update = (name: string, change: Partial<ImageResult>, buildStep?: string) => {
    const result = Object.assign(results.get(name)!, change);
    options.onProgress({ name, status: result.status, ...(buildStep ? { step: buildStep } : {}), ...(result.reason ? { reason: result.reason } : {}) });
  };
  /** Run an engine command for an image, its output into the image's log. */
  const run = (step: BuildStep, command: Command, onLine?: (line: string) => void) => {
    const log = logs.get(step.name)!;
    log.write(`$ ${command.command} ${command.args.join(' ')}`);
    return options.runner.run(command, {
      signal: options.signal,
      onLine: (line) => {
        log.write(line);
        onLine?.(line);
      },
    });
  };
  return { results, logs, update, run };
}

type Book = ReturnType<typeof resultBook>;
type PhaseRunner = (step: BuildStep) => Promise<boolean>;

/** build: the cache image pulled first (MLRun's convention), the build, then the image id. */
function buildPhase({ update, run, logs }: Book, { engine, signal, now }: RunBuildOptions): PhaseRunner {
  return async (step) => {
    const startedAt = now();
    update(step.name, { status: 'building', startedAt });
    if (step.pullForCache) {
      const pulled = await run(step, engine.pullCommand(step.pullForCache));
      if (pulled.exitCode !== 0) logs.get(step.name)!.write(`(no cache image ${step.pullForCache}; building without it)`);
    }
    const result = await run(step, engine.buildCommand(step), (line) => {
      const current = stepFromOutput(line);
      if (current) update(step.name, {}, current);
    });
    const finishedAt = now();
    const timing = { finishedAt, durationMs: finishedAt - startedAt };
    if (signal.aborted) {
      update(step.name, { status: 'cancelled', reason: 'interrupted', ...timing });
      return false;
    }
    if (result.exitCode !== 0) {
      update(step.name, { status: 'failed', reason: `${engine.name} build exited with ${result.exitCode}`, ...timing });
      return false;
    }
    const inspected = await run(step, engine.imageIdCommand(step.reference));
    const imageId = inspected.exitCode === 0 ? inspected.output.trim().split('\n').pop() : undefined;
    update(step.name, { status: 'built', ...timing, ...(imageId ? { imageId } : {}) });
    return true;
  };
}

/** test: the image's tests, one after another; any failure fails the image (its children are skipped, it is not pushed). */
function testPhase({ update, logs }: Book, options: RunBuildOptions): PhaseRunner {
  const runtime = options.engine.testRuntime(options.runner);
  return async (step) => {
    const startedAt = options.now();
    update(step.name, { status: 'testing', ...(step.phases.includes('build') ? {} : { startedAt }) });
    const log = logs.get(step.name)!;
    let results: TestResult[];
    try {
      results = await runImageTests(
        runtime,
        step.reference,
        step.tests,
        { signal: options.signal, now: options.now, sleep: options.sleep, fetch: options.fetch ?? fetch },
        (result) => {
          log.write(`test \`${result.name}\` (${result.kind}): ${result.status}${result.message ? `\n${result.message}` : ''}`);
          update(step.name, {}, `test \`${result.name}\`: ${result.status}`);
        },
      );
    } catch (error) {
      if (!(error instanceof ImageNotThere)) throw error;
      update(step.name, { status: 'failed', reason: error.message, tests: [] });
      return false;
    }
    const finishedAt = options.now();
    const timing = step.phases.includes('build') ? {} : { finishedAt, durationMs: finishedAt - startedAt };
    const failed = results.filter((result) => result.status === 'failed');
    if (options.signal.aborted) {
      update(step.name, { status: 'cancelled', reason: 'interrupted while testing', tests: results, ...timing });
      return false;
    }
    if (failed.length > 0) {
      const details = failed.map((result) => `test \`${result.name}\` (${result.kind}) failed:\n${indent(result.message ?? '')}`).join('\n');
      update(step.name, {
        status: 'failed',
        reason: `${failed.length} of ${results.length} test(s) failed (${testTally(results)})\n${details}`,
        tests: results,
        ...timing,
      });
      return false;
    }
    update(step.name, { status: 'tested', tests: results, ...timing });
    return true;
  };
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');

/** push: tried again after a pause unless the registry refuses for good; then MLRun's cache image, when asked for. */
function pushPhase({ update, run, logs }: Book, options: RunBuildOptions): PhaseRunner {
  const { engine, signal } = options;
  const delays = options.pushRetryDelaysMs;
  type Pushed = { ok: true; digest?: string } | { ok: false; reason: string; cancelled?: boolean };
  const push = async (step: BuildStep, reference: string, digestFile: string): Promise<Pushed> => {
    for (let attempt = 1; ; attempt++) {
      const result = await run(step, engine.pushCommand(reference, digestFile));
      if (result.exitCode === 0) {
        const digest = engine.pushedDigest(result.output, () => options.readDigestFile(digestFile));
        return { ok: true, ...(digest ? { digest } : {}) };
      }
      const lastLine = result.output.trim().split('\n').pop() ?? '';
      if (signal.aborted) return { ok: false, cancelled: true, reason: 'interrupted while pushing' };
      if (attempt > delays.length || PERMANENT_PUSH_FAILURE.test(result.output))
        return { ok: false, reason: `push failed after ${attempt} attempt(s): ${lastLine}` };
      logs.get(step.name)!.write(`push attempt ${attempt} failed; trying again in ${delays[attempt - 1]} ms`);
      await options.sleep(delays[attempt - 1]!);
    }
  };
  const failed = (step: BuildStep, outcome: Pushed & { ok: false }, what = '') => {
    update(step.name, { status: outcome.cancelled ? 'cancelled' : 'failed', reason: `${what}${outcome.reason}` });
    return false;
  };
  return async (step) => {
    update(step.name, { status: 'pushing' });
    const pushed = await push(step, step.reference, options.digestFileOf(step.name));
    if (!pushed.ok) return failed(step, pushed);
    if (step.pushCacheAs) {
      const tagged = await run(step, engine.tagCommand(step.reference, step.pushCacheAs));
      if (tagged.exitCode !== 0) return failed(step, { ok: false, reason: `could not tag the cache image ${step.pushCacheAs}` });
      const cache = await push(step, step.pushCacheAs, options.digestFileOf(`${step.name}.cache`));
      if (!cache.ok) return failed(step, cache, `cache image ${step.pushCacheAs}: `);
    }
    update(step.name, { status: 'pushed', ...(pushed.digest ? { digest: pushed.digest } : {}) });
    return true;
  };
}

/** Run a step's phases in order; false at the first that fails. */
async function runPhases(phases: readonly Phase[], runners: Record<Phase, PhaseRunner>, step: BuildStep): Promise<boolean> {
  for (const phase of phases) if (!(await runners[phase](step))) return false;
  return true;
}

interface Scheduling {
  concurrency: number;
  signal: AbortSignal;
  /** Run a step's slot-holding phases; true when they all succeeded. */
  run(step: BuildStep): Promise<boolean>;
  /** A step's slot-holding phases ended. */
  ended(step: BuildStep, ok: boolean): void;
  isSkipped(step: BuildStep): boolean;
  /** Interrupted before it started. */
  cancel(step: BuildStep): void;
}

/** Start each step when its parent is ready, up to `concurrency` at a time; resolves when nothing more can start. */
function schedule(steps: readonly BuildStep[], scheduling: Scheduling): Promise<void> {
  return new Promise<void>((resolve) => {
    const waiting = [...steps];
    const ready = new Set<string>();
    let running = 0;
    const startReady = () => {
      if (scheduling.signal.aborted) for (const step of waiting.splice(0)) scheduling.cancel(step);
      for (let index = 0; index < waiting.length && running < scheduling.concurrency; ) {
        const step = waiting[index]!;
        if (scheduling.isSkipped(step)) {
          waiting.splice(index, 1);
        } else if (step.parent === undefined || ready.has(step.parent)) {
          waiting.splice(index, 1);
          running++;
          void scheduling.run(step).then((ok) => {
            running--;
            if (ok) ready.add(step.name);
            scheduling.ended(step, ok);
            startReady();
          });
        } else {
          index++;
        }
      }
      if (running === 0 && waiting.every((step) => scheduling.isSkipped(step))) resolve();
    };
    startReady();
  });
}

/** Run the plan; the results in plan order. */
export async function runBuild(plan: BuildPlan, options: RunBuildOptions): Promise<ImageResult[]> {
  const book = resultBook(plan, options);
  const { results, logs, update } = book;
  const runners: Record<Phase, PhaseRunner> = { build: buildPhase(book, options), test: testPhase(book, options), push: pushPhase(book, options) };
  const skipDescendants = (name: string, reason: string) => {
    for (const child of plan.steps.filter((step) => step.parent === name)) {
      update(child.name, { status: 'skipped', reason });
      skipDescendants(child.name, reason);
    }
  };
  const background: Promise<unknown>[] = [];
  await schedule(plan.steps, {
    concurrency: options.concurrency,
    signal: options.signal,
    run: (step) =>
      runPhases(
        step.phases.filter((phase) => PHASES[phase].holdsSlot),
        runners,
        step,
      ),
    ended: (step, ok) => {
      // A child needs its parent built (and checked), not pushed: the image is there locally even when its push fails.
      if (ok)
        background.push(
          runPhases(
            step.phases.filter((phase) => !PHASES[phase].holdsSlot),
            runners,
            step,
          ),
        );
      else skipDescendants(step.name, `\`${step.name}\` ${results.get(step.name)!.status === 'cancelled' ? 'was interrupted' : 'failed'}`);
    },
    isSkipped: (step) => results.get(step.name)!.status === 'skipped',
    cancel: (step) => update(step.name, { status: 'cancelled', reason: 'interrupted before it started' }),
  });
  await Promise.all(background);
  for (const [name, log] of logs) {
    const result = results.get(name)!;
    if (result.status !== 'failed') continue;
    const tail = log.tail(12).map((line) => `  | ${line}`);
    result.reason = `${result.reason}\n  log: ${log.path}\n${tail.join('\n')}`;
  }
  return plan.steps.map((step) => results.get(step.name)!);
}
