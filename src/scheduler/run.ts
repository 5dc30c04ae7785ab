/**
 * The scheduler: runs each step's phases (plan.ts) on the engine. An image starts as soon as its parent has passed
 * its slot-holding phases, up to `concurrency` at a time; a failure there skips its descendants only; the phases
 * after (push) go on without a slot.
 */
import { bakeProgress, dockerfileInstructions } from '../engines/bake-progress.js';
import { buildFailureReason, type Command, commandName, type Engine, failedStepReader, stepFromOutput } from '../engines/engine.js';
import type { ProcessRunner } from '../engines/process.js';
import { ImageNotThere, runImageTests, type TestResult, testTally } from './image-tests.js';
import { type BuildPlan, type BuildStep, type Phase, PHASES } from './plan.js';

export type ImageStatus = 'queued' | 'up to date' | 'building' | 'built' | 'testing' | 'tested' | 'pushing' | 'pushed' | 'failed' | 'skipped' | 'cancelled';

/** What happened to one image; the `--json` summary is a list of these. */
export interface ImageResult {
  name: string;
  reference: string;
  status: ImageStatus;
  durationMs: number;
  imageId?: string;
  digest?: string;
  /** The input digest of the image (its `org.mlrun-images.inputs` label). */
  inputs?: string;
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
  /** Where a graph build's files go (`bake.json`, its metadata, its whole output), under the working folder. */
  workFileOf?(name: string): string;
  writeWorkFile?(path: string, text: string): void;
  /** A file's text (a graph build reads each Dockerfile, to know whose step each line is about). */
  readTextFile?(path: string): string | undefined;
  onProgress(event: ProgressEvent): void;
  signal: AbortSignal;
  /** Waits between push attempts (3 attempts: two waits). */
  pushRetryDelaysMs: readonly number[];
  sleep(ms: number): Promise<void>;
  now(): number;
  /** How http tests ask the running image (the global fetch unless a test gives another). */
  fetch?: typeof fetch;
}

const ENDED: ReadonlySet<ImageStatus> = new Set(['failed', 'skipped', 'cancelled']);

const PERMANENT_PUSH_FAILURE = /unauthorized|denied|authentication required|forbidden|name unknown|manifest invalid/i;

/** The results of a run, as they change; every change is reported as progress. */
function resultBook(plan: BuildPlan, options: RunBuildOptions) {
  const results = new Map<string, ImageResult>();
  const logs = new Map<string, BuildLog>();
  for (const step of plan.steps) {
    const log = options.openLog(step.name);
    logs.set(step.name, log);
    // An image with nothing to do has the inputs it would be built from: it is up to date, and its children go on.
    const status: ImageStatus = step.phases.length === 0 ? 'up to date' : 'queued';
    const reason = step.upToDate;
    results.set(step.name, {
      name: step.name,
      reference: step.reference,
      status,
      durationMs: 0,
      log: log.path,
      ...(step.inputs ? { inputs: step.inputs } : {}),
      ...(reason ? { reason } : {}),
    });
    options.onProgress({ name: step.name, status, ...(reason ? { reason } : {}) });
  }
  /** Change a result without reporting it (what the report already said stays said). */
  const record = (name: string, change: Partial<ImageResult>) => Object.assign(results.get(name)!, change);
  const update = (name: string, change: Partial<ImageResult>, buildStep?: string) => {
    const result = record(name, change);
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
  return { results, logs, record, update, run };
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
    const build = engine.buildCommand(step);
    const failedStep = failedStepReader();
    const result = await run(step, build, (line) => {
      failedStep.read(line);
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
      update(step.name, { status: 'failed', reason: buildFailureReason(build, result, failedStep.failed()), ...timing });
      return false;
    }
    const inspected = await run(step, engine.imageIdCommand(step.reference));
    const imageId = inspected.exitCode === 0 ? inspected.output.trim().split('\n').pop() : undefined;
    update(step.name, { status: 'built', ...timing, ...(imageId ? { imageId } : {}) });
    return true;
  };
}

/**
 * A graph build (bake): every step in one engine call, before any test or push. Each line goes to its target's log
 * (and all of them to the run's own log); a target is built when its image is exported. When one fails BuildKit
 * stops the others: those not built yet are skipped, saying so.
 */
async function graphBuild(steps: readonly BuildStep[], { update, record, logs, results }: Book, options: RunBuildOptions): Promise<Set<string>> {
  const { engine, signal, now } = options;
  const graph = engine.graph!;
  const parentOf = new Map(steps.map((step) => [step.name, step.parent]));
  const descendsFrom = (step: BuildStep, ancestor: string) => {
    for (let parent = step.parent; parent !== undefined; parent = parentOf.get(parent)) if (parent === ancestor) return true;
    return false;
  };
  const file = options.workFileOf!('bake.json');
  const metadata = options.workFileOf!('bake-metadata.json');
  options.writeWorkFile!(file, graph.file(steps));
  // Image names cannot start with `_`: this log cannot be an image's.
  const whole = options.openLog('_bake');
  const startedAt = now();
  for (const step of steps) update(step.name, { status: 'building', startedAt });
  const built = new Set<string>();
  let failed: { target: string; message: string } | undefined;
  const read = bakeProgress(
    steps.map(({ name, parent, dockerfile }) => ({ name, parent, instructions: dockerfileInstructions(options.readTextFile?.(dockerfile) ?? '') })),
  );
  const command = graph.command(file, metadata);
  whole.write(`$ ${command.command} ${command.args.join(' ')}`);
  const result = await options.runner.run(command, {
    signal,
    onLine: (line) => {
      whole.write(line);
      const seen = read(line);
      if (seen.target !== undefined) logs.get(seen.target)!.write(line);
      else if (failed) logs.get(failed.target)!.write(line);
      if (seen.step) update(seen.target!, {}, seen.step);
      if (seen.failed && !failed) failed = seen.failed;
      if (seen.built) {
        built.add(seen.built);
        const finishedAt = now();
        update(seen.built, { status: 'built', finishedAt, durationMs: finishedAt - startedAt });
      }
    },
  });
  const finishedAt = now();
  const timing = { finishedAt, durationMs: finishedAt - startedAt };
  if (result.exitCode === 0) for (const step of steps) built.add(step.name);
  if (failed) built.delete(failed.target);
  const imageIds = await graphImageIds(
    steps.filter((step) => built.has(step.name)),
    options,
  );
  await Promise.all(
    steps.map(async (step) => {
      if (signal.aborted && !built.has(step.name)) return update(step.name, { status: 'cancelled', reason: 'interrupted', ...timing });
      // Failed after its image was exported (its cache export, say): it failed.
      if (failed?.target === step.name) return update(step.name, { status: 'failed', reason: `${commandName(command)} failed: ${failed.message}`, ...timing });
      if (built.has(step.name)) {
        const imageId = imageIds.get(step.name);
        const found = imageId ? { imageId } : {};
        // Reported built as its export was read (with its own end time): only the image id is new.
        if (results.get(step.name)!.status === 'built') return record(step.name, found);
        return update(step.name, { status: 'built', ...timing, ...found });
      }
      // Built on the image that failed: the scheduler skips it as it skips any child of a failed image.
      if (failed && descendsFrom(step, failed.target)) return;
      // No target named: what went wrong is in the whole run's log.
      const why = failed
        ? `BuildKit stopped every build when \`${failed.target}\` failed`
        : `${buildFailureReason(command, result, undefined)} (its whole output: ${whole.path})`;
      return update(step.name, { status: failed ? 'skipped' : 'failed', reason: why, ...timing });
    }),
  );
  return built;
}

/** The ids of the images a graph build made, asked in one call (one line each, in order); none when it fails. */
async function graphImageIds(steps: readonly BuildStep[], { engine, runner, signal }: RunBuildOptions): Promise<Map<string, string>> {
  if (steps.length === 0) return new Map();
  const inspected = await runner.run(engine.graph!.imageIdsCommand(steps.map((step) => step.reference)), { signal });
  const ids =
    inspected.exitCode === 0
      ? inspected.output
          .trim()
          .split('\n')
          .filter((line) => line.startsWith('sha256:'))
      : [];
  return ids.length === steps.length ? new Map(steps.map((step, index) => [step.name, ids[index]!])) : new Map();
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
  /** It ended before it could start (skipped, or failed or cancelled by a graph build): it is not run. */
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
          // Its children can never start: they end as it did.
          scheduling.ended(step, false);
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

/** The ids an engine command lists, one a line (none when it fails). */
async function listedIds(runner: ProcessRunner, command: Command): Promise<string[]> {
  const listed = await runner.run(command);
  return listed.exitCode === 0
    ? listed.output
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean)
    : [];
}

/**
 * What an interrupted or failed run leaves behind on engines whose builds do not clean up (podman, buildah): the working
 * containers that appeared while it ran are removed once it ends. Nothing happens when every image went well.
 */
async function removingLeftovers(plan: BuildPlan, options: RunBuildOptions, run: () => Promise<ImageResult[]>): Promise<ImageResult[]> {
  const containers = options.engine.buildContainers;
  // Nothing to run (every image up to date): nothing can be left behind, and the engine is not asked.
  if (!containers || plan.steps.every((step) => step.phases.length === 0)) return run();
  const before = new Set(await listedIds(options.runner, containers.list));
  const results = await run();
  if (options.signal.aborted || results.some((result) => result.status === 'failed')) {
    const left = (await listedIds(options.runner, containers.list)).filter((id) => !before.has(id));
    if (left.length > 0) await options.runner.run(containers.remove(left));
  }
  return results;
}

/** Run the plan; the results in plan order. */
export function runBuild(plan: BuildPlan, options: RunBuildOptions): Promise<ImageResult[]> {
  return removingLeftovers(plan, options, () => runSteps(plan, options));
}

async function runSteps(plan: BuildPlan, options: RunBuildOptions): Promise<ImageResult[]> {
  const book = resultBook(plan, options);
  const { results, logs, update } = book;
  const runners: Record<Phase, PhaseRunner> = { build: buildPhase(book, options), test: testPhase(book, options), push: pushPhase(book, options) };
  if (options.engine.graph) {
    // The graph is built in one call first; the scheduler then goes on with each image's other phases.
    const building = plan.steps.filter((step) => step.phases.includes('build'));
    const built = building.length > 0 ? await graphBuild(building, book, options) : new Set<string>();
    runners.build = async (step) => built.has(step.name);
  }
  const skipDescendants = (name: string, reason: string) => {
    for (const child of plan.steps.filter((step) => step.parent === name)) {
      // An image that already ended (a graph build ends them all at once) keeps its own outcome.
      if (!ENDED.has(results.get(child.name)!.status)) update(child.name, { status: 'skipped', reason });
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
      else {
        const { status, reason } = results.get(step.name)!;
        skipDescendants(step.name, status === 'skipped' ? reason! : `\`${step.name}\` ${status === 'cancelled' ? 'was interrupted' : 'failed'}`);
      }
    },
    isSkipped: (step) => ENDED.has(results.get(step.name)!.status),
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
