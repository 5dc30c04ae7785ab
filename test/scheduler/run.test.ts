import { describe, expect, test } from 'vitest';
import { buildahEngine } from '../../src/engines/buildah.js';
import { bakeEngine, dockerBuildkitEngine } from '../../src/engines/docker.js';
import type { Command } from '../../src/engines/engine.js';
import type { TestRuntime } from '../../src/engines/test-runtime.js';
import { singleFamilySet } from '../../src/family/variants.js';
import { planBuild, type BuildOptions, type BuildPlan } from '../../src/scheduler/plan.js';
import type { ProcessResult, ProcessRunner, RunProcessOptions } from '../../src/engines/process.js';
import { runBuild, type BuildLog, type ImageResult, type ProgressEvent, type RunBuildOptions } from '../../src/scheduler/run.js';
import { buildOptions, load, yaml } from '../helpers.js';

const DOCKER = dockerBuildkitEngine();
const BUILDAH = buildahEngine();

type Kind = 'build' | 'push' | 'pull' | 'tag' | 'inspect' | 'containers';

interface Response {
  exitCode?: number;
  output?: string;
  /** Printed (to onLine) before the process ends. */
  lines?: string[];
}

/** One command the fake runner was asked to run; it ends when the test (or an automatic answer) finishes it. */
interface Call {
  kind: Kind;
  /** The image the command is about (from its reference). */
  name: string;
  command: Command;
  options: RunProcessOptions;
  settled: boolean;
  emit(line: string): void;
  finish(response?: Response): void;
}

/** The image name in a reference: `quay.io/mlrun/core:1.7.0` → `core`. */
const imageName = (reference: string) => /([^/:]+)(?::[^/]*)?$/.exec(reference)![1]!;

/**
 * A ProcessRunner that runs nothing: it records each command and leaves builds and pushes running
 * until the test finishes them; inspect answers `sha256:id-<name>` and a cache pull fails, unless `respond` says otherwise.
 * An aborted signal ends a running command with 130, as the real runner does.
 */
class FakeRunner implements ProcessRunner {
  calls: Call[] = [];
  /** `start build core`, `end build core`, … in the order they happened. */
  timeline: string[] = [];
  runningBuilds = 0;
  maxRunningBuilds = 0;
  respond: (call: Call) => Response | undefined = (call) =>
    call.kind === 'inspect'
      ? { output: `sha256:id-${call.name}\n` }
      : call.kind === 'pull'
        ? { exitCode: 1, output: 'manifest unknown' }
        : call.kind === 'tag' || call.kind === 'containers'
          ? {}
          : undefined;

  run(command: Command, options: RunProcessOptions = {}): Promise<ProcessResult> {
    // `docker buildx build …` is a build as `docker build …` is.
    const [verb] = command.args[0] === 'buildx' ? command.args.slice(1) : command.args;
    const kind: Kind =
      verb === 'build' || verb === 'push' || verb === 'pull' || verb === 'tag'
        ? verb
        : verb === 'containers' || verb === 'ps' || verb === 'rm'
          ? 'containers'
          : 'inspect';
    const reference = kind === 'build' ? command.args[command.args.indexOf('-t') + 1]! : command.args.at(-1)!;
    return new Promise((resolve) => {
      const call: Call = {
        kind,
        name: imageName(reference),
        command,
        options,
        settled: false,
        emit: (line) => options.onLine?.(line),
        finish: ({ exitCode = 0, output, lines = [] } = {}) => {
          if (call.settled) return;
          call.settled = true;
          for (const line of lines) options.onLine?.(line);
          if (kind === 'build') this.runningBuilds--;
          this.timeline.push(`end ${kind} ${call.name}`);
          resolve({ exitCode, output: output ?? lines.join('\n') });
        },
      };
      this.calls.push(call);
      this.timeline.push(`start ${kind} ${call.name}`);
      if (kind === 'build') this.maxRunningBuilds = Math.max(this.maxRunningBuilds, ++this.runningBuilds);
      if (options.signal?.aborted) return call.finish({ exitCode: 130, output: 'killed' });
      options.signal?.addEventListener('abort', () => call.finish({ exitCode: 130, output: 'killed' }), { once: true });
      const answer = this.respond(call);
      if (answer) queueMicrotask(() => call.finish(answer));
    });
  }

  callsOf(kind: Kind, name?: string): Call[] {
    return this.calls.filter((call) => call.kind === kind && (name === undefined || call.name === name));
  }

  /** The running command of this kind for this image. */
  pending(kind: Kind, name: string): Call {
    const call = this.calls.find((candidate) => candidate.kind === kind && candidate.name === name && !candidate.settled);
    if (!call) throw new Error(`no running ${kind} of ${name}; timeline: ${this.timeline.join(', ')}`);
    return call;
  }

  runningOf(kind: Kind): string[] {
    return this.calls.filter((call) => call.kind === kind && !call.settled).map((call) => call.name);
  }

  index(entry: string): number {
    const at = this.timeline.indexOf(entry);
    if (at === -1) throw new Error(`\`${entry}\` did not happen; timeline: ${this.timeline.join(', ')}`);
    return at;
  }
}

/** Let every promise callback that can run, run. */
async function flush(rounds = 20): Promise<void> {
  for (let round = 0; round < rounds; round++) await new Promise((resolve) => setImmediate(resolve));
}

/** The promise's value, or `timeout` when it has not settled after the event loop went idle a few times. */
async function settledValue<T>(promise: Promise<T>): Promise<T | 'timeout'> {
  let value: T | 'timeout' = 'timeout';
  void promise.then((result) => (value = result));
  await flush(50);
  return value;
}

class MemoryLog implements BuildLog {
  lines: string[] = [];
  constructor(readonly path: string) {}
  write(line: string) {
    this.lines.push(line);
  }
  tail(count: number) {
    return this.lines.filter((line) => line.trim() !== '').slice(-count);
  }
}

/** core → app → plugin, and the independent tool and site. */
const CHAIN = yaml(
  'version: 1',
  'variables:',
  '  MLRUN_VERSION: 1.7.0',
  'images:',
  '  core:',
  '    base: python:3.9-slim',
  '  app:',
  '    from: core',
  '  plugin:',
  '    from: app',
  '  tool:',
  '    base: debian:bookworm',
  '  site:',
  '    base: nginx:1.27',
);

const INDEPENDENT = yaml('version: 1', 'images:', ...['a1', 'a2', 'a3', 'a4', 'a5'].flatMap((name) => [`  ${name}:`, '    base: debian:bookworm']));

function planOf(manifest: string, overrides: Partial<BuildOptions> = {}): BuildPlan {
  return planBuild(singleFamilySet(load(manifest)), buildOptions(overrides));
}

interface Setup {
  runner: FakeRunner;
  events: ProgressEvent[];
  logs: Map<string, MemoryLog>;
  sleeps: number[];
  controller: AbortController;
  clock: { now: number };
  done: Promise<ImageResult[]>;
  result(name: string): Promise<ImageResult>;
}

/** A run of the plan on any runner, its events and logs kept in memory. */
function runInMemory(plan: BuildPlan, runner: ProcessRunner, overrides: Partial<RunBuildOptions> = {}) {
  const events: ProgressEvent[] = [];
  const logs = new Map<string, MemoryLog>();
  const sleeps: number[] = [];
  const controller = new AbortController();
  const clock = { now: 1_000 };
  const done = runBuild(plan, {
    engine: DOCKER,
    runner,
    concurrency: 4,
    openLog: (name) => {
      const log = new MemoryLog(`/logs/${name}.log`);
      logs.set(name, log);
      return log;
    },
    digestFileOf: (name) => `/digests/${name}`,
    readDigestFile: () => undefined,
    onProgress: (event) => events.push(event),
    signal: controller.signal,
    pushRetryDelaysMs: [2_000, 5_000],
    sleep: async (ms) => void sleeps.push(ms),
    now: () => clock.now,
    ...overrides,
  });
  return { events, logs, sleeps, controller, clock, done };
}

function start(plan: BuildPlan, overrides: Partial<RunBuildOptions> = {}, runner = new FakeRunner()): Setup {
  const { events, logs, sleeps, controller, clock, done } = runInMemory(plan, runner, overrides);
  return {
    runner,
    events,
    logs,
    sleeps,
    controller,
    clock,
    done,
    result: async (name) => (await done).find((result) => result.name === name)!,
  };
}

/** A runner that answers every command at once, as `respond` says (a build succeeds by default). */
function answering(respond: (call: Call, runner: FakeRunner) => Response): FakeRunner {
  const runner = new FakeRunner();
  runner.respond = (call) => respond(call, runner);
  return runner;
}

const statuses = (results: readonly ImageResult[]) => Object.fromEntries(results.map(({ name, status }) => [name, status]));
const digestOf = (name: string) =>
  `sha256:${name
    .padEnd(64, '0')
    .replace(/[^0-9a-f]/g, 'a')
    .slice(0, 64)}`;
const dockerPushOutput = (name: string) =>
  `The push refers to repository [docker.io/mlrun/${name}]\n5f70bf18a086: Pushed\n1.7.0: digest: ${digestOf(name)} size: 1570`;

/** Finish every running build and push successfully until the run is over. */
async function finishAll(setup: Setup): Promise<ImageResult[]> {
  for (;;) {
    await flush();
    const running = setup.runner.calls.filter((call) => !call.settled);
    if (running.length === 0) break;
    for (const call of running) call.finish(call.kind === 'push' ? { output: dockerPushOutput(call.name) } : {});
  }
  return setup.done;
}

describe('order', () => {
  test('a child starts only after its parent is built; independent images start at once', async () => {
    const setup = start(planOf(CHAIN));
    const { runner } = setup;
    await flush();
    expect(runner.runningOf('build')).toEqual(['core', 'tool', 'site']);

    runner.pending('build', 'tool').finish();
    runner.pending('build', 'site').finish();
    await flush();
    expect(runner.callsOf('build', 'app')).toEqual([]);

    runner.pending('build', 'core').finish();
    await flush();
    expect(runner.runningOf('build')).toEqual(['app']);
    expect(runner.index('start build app')).toBeGreaterThan(runner.index('end build core'));

    runner.pending('build', 'app').finish();
    await flush();
    expect(runner.runningOf('build')).toEqual(['plugin']);
    expect(runner.index('start build plugin')).toBeGreaterThan(runner.index('end build app'));

    runner.pending('build', 'plugin').finish();
    const results = await setup.done;
    expect(statuses(results)).toEqual({ core: 'built', app: 'built', plugin: 'built', tool: 'built', site: 'built' });
    expect(results.map((result) => result.name)).toEqual(['core', 'app', 'plugin', 'tool', 'site']);
    expect(runner.callsOf('push')).toEqual([]);
  });

  test('the image is inspected after its build, before its child starts', async () => {
    const setup = start(planOf(CHAIN, { selected: ['app'] }));
    await finishAll(setup);
    expect(setup.runner.timeline).toEqual([
      'start build core',
      'end build core',
      'start inspect core',
      'end inspect core',
      'start build app',
      'end build app',
      'start inspect app',
      'end inspect app',
    ]);
  });
});

describe('concurrency', () => {
  test.each([1, 2, 3])('never more than %i builds at once, and that many when they are independent', async (concurrency) => {
    const setup = start(planOf(INDEPENDENT), { concurrency });
    const { runner } = setup;
    await flush();
    expect(runner.runningOf('build')).toEqual(['a1', 'a2', 'a3', 'a4', 'a5'].slice(0, concurrency));

    runner.pending('build', runner.runningOf('build')[0]!).finish();
    await flush();
    expect(runner.runningOf('build')).toHaveLength(concurrency);
    expect(runner.runningOf('build')).toContain(`a${concurrency + 1}`);

    expect(statuses(await finishAll(setup))).toEqual({ a1: 'built', a2: 'built', a3: 'built', a4: 'built', a5: 'built' });
    expect(runner.maxRunningBuilds).toBe(concurrency);
  });

  test('more slots than images: all independent images run together', async () => {
    const setup = start(planOf(INDEPENDENT), { concurrency: 10 });
    await flush();
    expect(setup.runner.runningOf('build')).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
    await finishAll(setup);
    expect(setup.runner.maxRunningBuilds).toBe(5);
  });

  test('a slot waiting for a parent is given to the next ready image', async () => {
    const setup = start(planOf(CHAIN), { concurrency: 2 });
    const { runner } = setup;
    await flush();
    expect(runner.runningOf('build')).toEqual(['core', 'tool']);
    runner.pending('build', 'tool').finish();
    await flush();
    expect(runner.runningOf('build')).toEqual(['core', 'site']);
    await finishAll(setup);
    expect(runner.maxRunningBuilds).toBe(2);
  });
});

describe('failure', () => {
  test('a failed build skips its descendants only; the other images are built', async () => {
    const setup = start(planOf(CHAIN));
    const { runner } = setup;
    await flush();
    runner.pending('build', 'core').finish({ exitCode: 3, lines: ['about to fail'] });
    const results = await finishAll(setup);
    expect(statuses(results)).toEqual({ core: 'failed', app: 'skipped', plugin: 'skipped', tool: 'built', site: 'built' });
    expect(results.find((result) => result.name === 'app')!.reason).toBe('`core` failed');
    expect(results.find((result) => result.name === 'plugin')!.reason).toBe('`core` failed');
    expect(runner.callsOf('build', 'app')).toEqual([]);
    expect(runner.callsOf('build', 'plugin')).toEqual([]);
    expect(runner.callsOf('inspect', 'core')).toEqual([]);
  });

  test('a failure in the middle of a chain skips only what is below it', async () => {
    const setup = start(planOf(CHAIN));
    const { runner } = setup;
    await flush();
    runner.pending('build', 'core').finish();
    await flush();
    runner.pending('build', 'app').finish({ exitCode: 1 });
    const results = await finishAll(setup);
    expect(statuses(results)).toEqual({ core: 'built', app: 'failed', plugin: 'skipped', tool: 'built', site: 'built' });
    expect(results.find((result) => result.name === 'plugin')!.reason).toBe('`app` failed');
  });

  test('the reason says how the engine exited, where the log is, and ends with the last lines of the log', async () => {
    const setup = start(planOf(CHAIN, { selected: ['tool'] }));
    await flush();
    const lines = Array.from({ length: 20 }, (_, index) => `line ${index + 1}`);
    setup.runner.pending('build', 'tool').finish({ exitCode: 3, lines: [...lines, 'about to fail'] });
    const tool = await setup.result('tool');
    expect(tool.status).toBe('failed');
    const reason = tool.reason!.split('\n');
    expect(reason[0]).toBe('docker buildx build exited with 3');
    expect(reason[1]).toBe('  log: /logs/tool.log');
    expect(reason.at(-1)).toBe('  | about to fail');
    expect(reason).toContain('  | line 20');
    expect(reason).not.toContain('  | line 1');
    expect(tool.log).toBe('/logs/tool.log');
  });

  test('the log holds each command and what it printed', async () => {
    const setup = start(planOf(CHAIN, { selected: ['tool'] }));
    await flush();
    setup.runner.pending('build', 'tool').finish({ lines: ['Step 1/1 : FROM debian:bookworm', 'done'] });
    await setup.done;
    const log = setup.logs.get('tool')!.lines;
    expect(log[0]).toMatch(/^\$ docker buildx build .*-t mlrun\/tool:1\.7\.0/);
    expect(log).toContain('Step 1/1 : FROM debian:bookworm');
    expect(log).toContain('done');
    expect(log).toContain('$ docker image inspect --format {{.Id}} mlrun/tool:1.7.0');
  });
});

describe('push', () => {
  test('each image is pushed right after its build, while its children build; children do not wait for the push', async () => {
    const setup = start(planOf(CHAIN, { push: true }));
    const { runner } = setup;
    await flush();
    runner.pending('build', 'core').finish();
    await flush();
    expect(runner.runningOf('push')).toEqual(['core']);
    expect(runner.runningOf('build')).toEqual(['tool', 'site', 'app']);
    expect(runner.timeline.filter((entry) => entry.startsWith('end build'))).toEqual(['end build core']);

    runner.pending('build', 'app').finish();
    await flush();
    expect(runner.runningOf('push')).toEqual(['core', 'app']);
    expect(runner.runningOf('build')).toEqual(['tool', 'site', 'plugin']);
    expect(runner.pending('push', 'core').settled).toBe(false);

    runner.pending('build', 'plugin').finish();
    await flush();
    expect(runner.runningOf('push')).toEqual(['core', 'app', 'plugin']);

    const results = await finishAll(setup);
    expect(statuses(results)).toEqual({ core: 'pushed', app: 'pushed', plugin: 'pushed', tool: 'pushed', site: 'pushed' });
    for (const name of ['core', 'app', 'plugin']) {
      expect(runner.index(`start push ${name}`)).toBeGreaterThan(runner.index(`end inspect ${name}`));
    }
  });

  test('runBuild waits for the pushes that are still running', async () => {
    const setup = start(planOf(CHAIN, { push: true, selected: ['tool'] }));
    await flush();
    setup.runner.pending('build', 'tool').finish();
    expect(await settledValue(setup.done)).toBe('timeout');
    setup.runner.pending('push', 'tool').finish({ output: dockerPushOutput('tool') });
    expect(statuses(await setup.done)).toEqual({ tool: 'pushed' });
  });

  test('pushes do not take build slots', async () => {
    const setup = start(planOf(INDEPENDENT, { push: true }), { concurrency: 1 });
    const { runner } = setup;
    await flush();
    runner.pending('build', 'a1').finish();
    await flush();
    expect(runner.runningOf('push')).toEqual(['a1']);
    expect(runner.runningOf('build')).toEqual(['a2']);
    await finishAll(setup);
  });

  test('a transient failure is retried: 3 attempts in all, waiting the configured delays in between', async () => {
    const waits: { ms: number; resolve: () => void }[] = [];
    const setup = start(planOf(CHAIN, { push: true, selected: ['tool'] }), {
      pushRetryDelaysMs: [1_500, 4_000],
      sleep: (ms) => new Promise<void>((resolve) => waits.push({ ms, resolve })),
    });
    const { runner } = setup;
    await flush();
    runner.pending('build', 'tool').finish();
    await flush();
    const transient = { exitCode: 1, output: 'Get "https://registry-1.docker.io/v2/": net/http: TLS handshake timeout' };

    runner.pending('push', 'tool').finish(transient);
    await flush();
    expect(waits.map((wait) => wait.ms)).toEqual([1_500]);
    expect(runner.callsOf('push')).toHaveLength(1);
    waits[0]!.resolve();
    await flush();
    expect(runner.callsOf('push')).toHaveLength(2);

    runner.pending('push', 'tool').finish(transient);
    await flush();
    expect(waits.map((wait) => wait.ms)).toEqual([1_500, 4_000]);
    expect(runner.callsOf('push')).toHaveLength(2);
    waits[1]!.resolve();
    await flush();
    runner.pending('push', 'tool').finish({ output: dockerPushOutput('tool') });

    const tool = await setup.result('tool');
    expect(tool.status).toBe('pushed');
    expect(tool.digest).toBe(digestOf('tool'));
    expect(tool.reason).toBeUndefined();
    expect(runner.callsOf('push', 'tool')).toHaveLength(3);
    expect(setup.logs.get('tool')!.lines).toContain('push attempt 1 failed; trying again in 1500 ms');
  });

  test('after 3 failed attempts the image is failed, with the last line of the last attempt in the reason', async () => {
    const runner = answering((call, runner) =>
      call.kind === 'push'
        ? {
            exitCode: 1,
            output: `The push refers to repository [docker.io/mlrun/tool]\nreceived unexpected HTTP status: 50${runner.callsOf('push').length} Bad Gateway\n`,
          }
        : call.kind === 'inspect'
          ? { output: 'sha256:id-tool' }
          : { exitCode: 0 },
    );
    const setup = start(planOf(CHAIN, { push: true, selected: ['tool'] }), {}, runner);
    const tool = await setup.result('tool');
    expect(runner.callsOf('push')).toHaveLength(3);
    expect(setup.sleeps).toEqual([2_000, 5_000]);
    expect(tool.status).toBe('failed');
    expect(tool.reason!.split('\n')[0]).toBe('push failed after 3 attempt(s): received unexpected HTTP status: 503 Bad Gateway');
    expect(tool.reason).toContain('log: /logs/tool.log');
    expect(tool.imageId).toBe('sha256:id-tool');
  });

  test.each(['unauthorized: authentication required', 'denied: requested access to the resource is denied'])(
    'a permanent failure (%s) is not retried',
    async (message) => {
      const runner = answering((call) =>
        call.kind === 'push' ? { exitCode: 1, output: `The push refers to repository [docker.io/mlrun/tool]\n${message}` } : { output: 'sha256:x' },
      );
      const setup = start(planOf(CHAIN, { push: true, selected: ['tool'] }), {}, runner);
      const tool = await setup.result('tool');
      expect(runner.callsOf('push')).toHaveLength(1);
      expect(setup.sleeps).toEqual([]);
      expect(tool.status).toBe('failed');
      expect(tool.reason!.split('\n')[0]).toBe(`push failed after 1 attempt(s): ${message}`);
    },
  );

  test('docker: the digest is read from the push output', async () => {
    const runner = answering((call) => (call.kind === 'push' ? { output: dockerPushOutput('tool') } : { output: 'sha256:id-tool\n' }));
    const setup = start(planOf(CHAIN, { push: true, selected: ['tool'] }), { readDigestFile: () => expect.unreachable('docker has no digest file') }, runner);
    const tool = await setup.result('tool');
    expect(tool).toMatchObject({ status: 'pushed', digest: digestOf('tool'), imageId: 'sha256:id-tool' });
  });

  test('docker: no digest in the output, no digest in the result', async () => {
    const runner = answering((call) => (call.kind === 'push' ? { output: 'pushed, somehow' } : { output: 'sha256:id-tool\n' }));
    const setup = start(planOf(CHAIN, { push: true, selected: ['tool'] }), {}, runner);
    const tool = await setup.result('tool');
    expect(tool.status).toBe('pushed');
    expect(tool.digest).toBeUndefined();
  });

  test('buildah: the digest is read from the file given to --digestfile', async () => {
    const read: string[] = [];
    const runner = answering((call) => (call.kind === 'push' ? { output: 'Writing manifest to image destination' } : { output: 'sha256:buildah-id\n' }));
    const setup = start(
      planOf(CHAIN, { push: true, selected: ['tool'] }),
      {
        engine: BUILDAH,
        readDigestFile: (path) => {
          read.push(path);
          return `${digestOf('tool')}\n`;
        },
      },
      runner,
    );
    const tool = await setup.result('tool');
    const push = setup.runner.callsOf('push')[0]!.command;
    expect(push.command).toBe('buildah');
    expect(push.args[push.args.indexOf('--digestfile') + 1]).toBe('/digests/tool');
    expect(read).toEqual(['/digests/tool']);
    expect(tool).toMatchObject({ status: 'pushed', digest: digestOf('tool'), imageId: 'sha256:buildah-id' });
  });

  test('nothing is pushed when the plan does not push', async () => {
    const setup = start(planOf(CHAIN));
    const results = await finishAll(setup);
    expect(setup.runner.callsOf('push')).toEqual([]);
    expect(results.every((result) => result.status === 'built' && result.digest === undefined)).toBe(true);
  });
});

describe('image id and timing', () => {
  test('the image id is the last line printed by the inspect command', async () => {
    const runner = answering((call) => (call.kind === 'inspect' ? { output: 'WARN[0000] some warning\nsha256:0123abcd\n' } : {}));
    const setup = start(planOf(CHAIN, { selected: ['tool'] }), { engine: BUILDAH }, runner);
    const tool = await setup.result('tool');
    const inspect = setup.runner.callsOf('inspect')[0]!.command;
    expect(inspect).toEqual({ command: 'buildah', args: ['inspect', '--type', 'image', '--format', '{{.FromImageID}}', 'mlrun/tool:1.7.0'] });
    expect(tool).toMatchObject({ status: 'built', imageId: 'sha256:0123abcd' });
  });

  test('a failed inspect leaves the image built, without an id', async () => {
    const runner = answering((call) => (call.kind === 'inspect' ? { exitCode: 1, output: 'Error: No such image' } : {}));
    const setup = start(planOf(CHAIN, { selected: ['tool'] }), {}, runner);
    const tool = await setup.result('tool');
    expect(tool.status).toBe('built');
    expect(tool.imageId).toBeUndefined();
  });

  test('start, finish and duration come from the injected clock', async () => {
    const setup = start(planOf(CHAIN, { selected: ['tool'] }));
    await flush();
    setup.clock.now = 61_000;
    setup.runner.pending('build', 'tool').finish();
    const tool = await setup.result('tool');
    expect(tool).toMatchObject({ startedAt: 1_000, finishedAt: 61_000, durationMs: 60_000 });
  });
});

describe('cache image', () => {
  test('the cache image is pulled first; a failed pull is not an error', async () => {
    const setup = start(planOf(CHAIN, { selected: ['tool'], cacheFromTag: 'cache' }));
    await flush();
    expect(setup.runner.timeline.slice(0, 3)).toEqual(['start pull tool', 'end pull tool', 'start build tool']);
    expect(setup.runner.callsOf('pull')[0]!.command).toEqual({ command: 'docker', args: ['pull', 'mlrun/tool:cache'] });
    setup.runner.pending('build', 'tool').finish();
    expect((await setup.result('tool')).status).toBe('built');
    expect(setup.logs.get('tool')!.lines).toContain('(no cache image mlrun/tool:cache; building without it)');
  });
});

describe('MLRun cache image push (MLRUN_PUSH_DOCKER_CACHE_IMAGE)', () => {
  /** `tool` built and pushed, with its cache image still to push. */
  async function builtAndPushed(): Promise<Setup> {
    const setup = start(planOf(CHAIN, { selected: ['tool'], cacheFromTag: 'cache', pushCacheImage: true, push: true }));
    await flush();
    setup.runner.pending('build', 'tool').finish();
    await flush();
    setup.runner.pending('push', 'tool').finish({ output: dockerPushOutput('tool') });
    await flush();
    return setup;
  }

  test('after the push, the image is tagged as its cache image and that is pushed too; the image is pushed when both are', async () => {
    const setup = await builtAndPushed();
    const { runner } = setup;
    expect(runner.callsOf('tag')[0]!.command).toEqual({ command: 'docker', args: ['tag', 'mlrun/tool:1.7.0', 'mlrun/tool:cache'] });
    const cachePush = runner.pending('push', 'tool');
    expect(cachePush.command.args).toEqual(['push', 'mlrun/tool:cache']);
    expect(await settledValue(setup.result('tool'))).toBe('timeout');
    cachePush.finish({ output: `cache: digest: sha256:${'c'.repeat(64)} size: 1` });
    const tool = await setup.result('tool');
    expect(tool.status).toBe('pushed');
    // The digest is the image's, not the cache image's.
    expect(tool.digest).toBe(/digest: (sha256:[0-9a-f]{64})/.exec(dockerPushOutput('tool'))![1]);
  });

  test('a cache image the registry refuses fails the image, saying which push failed', async () => {
    const setup = await builtAndPushed();
    const { runner } = setup;
    runner.pending('push', 'tool').finish({ exitCode: 1, output: 'denied: requested access to the resource is denied' });
    const tool = await setup.result('tool');
    expect(tool.status).toBe('failed');
    expect(tool.reason!.split('\n')[0]).toBe(
      'cache image mlrun/tool:cache: push failed after 1 attempt(s): denied: requested access to the resource is denied',
    );
  });

  test('without push, or without a cache tag, no cache image is pushed', () => {
    expect(planOf(CHAIN, { selected: ['tool'], cacheFromTag: 'cache', pushCacheImage: true }).steps[0]!.pushCacheAs).toBeUndefined();
    expect(planOf(CHAIN, { selected: ['tool'], pushCacheImage: true, push: true }).steps[0]!.pushCacheAs).toBeUndefined();
  });
});

describe('cancellation', () => {
  test('aborting stops the running builds and cancels the queued images; nothing else starts', async () => {
    const setup = start(planOf(CHAIN, { push: true }), { concurrency: 2 });
    const { runner } = setup;
    await flush();
    expect(runner.runningOf('build')).toEqual(['core', 'tool']);
    for (const call of runner.calls) expect(call.options.signal).toBe(setup.controller.signal);

    setup.controller.abort();
    const results = await setup.done;
    expect(statuses(results)).toEqual({ core: 'cancelled', app: 'cancelled', plugin: 'cancelled', tool: 'cancelled', site: 'cancelled' });
    expect(results.find((result) => result.name === 'core')!.reason).toBe('interrupted');
    expect(results.find((result) => result.name === 'site')!.reason).toBe('interrupted before it started');
    expect(runner.callsOf('build').map((call) => call.name)).toEqual(['core', 'tool']);
    expect(runner.callsOf('push')).toEqual([]);
    expect(runner.callsOf('inspect')).toEqual([]);
  });

  test('buildah: the working containers an interrupted run leaves are removed, and only those', async () => {
    const runner = new FakeRunner();
    let listing = 0;
    runner.respond = (call) => {
      if (call.kind !== 'containers') return call.kind === 'inspect' ? { output: 'sha256:x\n' } : undefined;
      if (call.command.args[0] === 'rm') return {};
      return { output: listing++ === 0 ? 'old1\nold2\n' : 'old1\nold2\nnew1\nnew2\n' };
    };
    const setup = start(planOf(CHAIN, { selected: ['tool'] }), { engine: BUILDAH }, runner);
    await flush();
    setup.controller.abort();
    expect(statuses(await setup.done)).toEqual({ tool: 'cancelled' });
    expect(runner.callsOf('containers').map((call) => call.command.args.join(' '))).toEqual(['containers --quiet', 'containers --quiet', 'rm new1 new2']);
  });

  test('buildah: a run that was not interrupted removes nothing', async () => {
    const setup = start(planOf(CHAIN, { selected: ['tool'] }), { engine: BUILDAH });
    await finishAll(setup);
    expect(setup.runner.callsOf('containers').map((call) => call.command.args.join(' '))).toEqual(['containers --quiet']);
  });

  test('aborting while a push runs marks the image cancelled and does not retry', async () => {
    const setup = start(planOf(CHAIN, { push: true, selected: ['tool'] }));
    const { runner } = setup;
    await flush();
    runner.pending('build', 'tool').finish();
    await flush();
    runner.pending('push', 'tool');
    setup.controller.abort();
    const tool = await setup.result('tool');
    expect(tool.status).toBe('cancelled');
    expect(runner.callsOf('push')).toHaveLength(1);
    expect(setup.sleeps).toEqual([]);
  });
});

describe('progress events', () => {
  test('queued, building with its step, built, pushing, pushed, failed and skipped reach onProgress', async () => {
    const setup = start(planOf(CHAIN, { push: true, selected: ['plugin', 'tool'] }));
    const { runner, events } = setup;
    await flush();
    expect(events.filter((event) => event.status === 'queued')).toEqual(['core', 'app', 'plugin', 'tool'].map((name) => ({ name, status: 'queued' })));
    expect(events).toContainEqual({ name: 'core', status: 'building' });

    runner.pending('build', 'core').emit('#6 [2/3] RUN pip install mlrun');
    expect(events.at(-1)).toEqual({ name: 'core', status: 'building', step: '2/3 RUN pip install mlrun' });
    runner.pending('build', 'core').emit('#6 0.512 Collecting mlrun');
    expect(events.at(-1)).toEqual({ name: 'core', status: 'building', step: '2/3 RUN pip install mlrun' });
    runner.pending('build', 'core').finish();
    await flush();
    expect(events).toContainEqual({ name: 'core', status: 'built' });
    expect(events).toContainEqual({ name: 'core', status: 'pushing' });
    runner.pending('push', 'core').finish({ output: dockerPushOutput('core') });
    runner.pending('build', 'app').finish({ exitCode: 2 });
    runner.pending('build', 'tool').finish();
    await finishAll(setup);

    const of = (name: string) => events.filter((event) => event.name === name).map((event) => event.status);
    expect(of('core')).toEqual(['queued', 'building', 'building', 'built', 'pushing', 'pushed']);
    expect(of('app')).toEqual(['queued', 'building', 'failed']);
    expect(of('plugin')).toEqual(['queued', 'skipped']);
    expect(of('tool')).toEqual(['queued', 'building', 'built', 'pushing', 'pushed']);
    expect(events).toContainEqual({ name: 'app', status: 'failed', reason: 'docker buildx build exited with 2' });
    expect(events).toContainEqual({ name: 'plugin', status: 'skipped', reason: '`app` failed' });
  });

  test('classic builder and buildah step lines are reported too', async () => {
    const setup = start(planOf(CHAIN, { selected: ['tool'] }));
    await flush();
    const build = setup.runner.pending('build', 'tool');
    build.emit('Step 1/2 : FROM debian:bookworm');
    build.emit(' ---> 0123456789ab');
    build.emit('STEP 2/2: RUN echo hi');
    build.finish();
    await setup.done;
    expect(setup.events.filter((event) => event.step).map((event) => event.step)).toEqual(['1/2 FROM debian:bookworm', '2/2 RUN echo hi']);
  });
});

describe('a parent whose push failed', () => {
  /** core, then tool, then app (built from core): with one slot, app is still waiting when core's push ends. */
  const ORDERED = yaml('version: 1', 'images:', '  core:', '    base: python:3.9-slim', '  tool:', '    base: debian:bookworm', '  app:', '    from: core');

  test('does not leave its waiting child queued forever', async () => {
    const setup = start(planOf(ORDERED, { push: true }), { concurrency: 1 });
    const { runner } = setup;
    await flush();
    runner.pending('build', 'core').finish();
    await flush();
    expect(runner.runningOf('build')).toEqual(['tool']);
    runner.pending('push', 'core').finish({ exitCode: 1, output: 'unauthorized: authentication required' });
    await flush();
    runner.pending('build', 'tool').finish();
    await flush();
    for (let round = 0; round < 5; round++) {
      for (const call of runner.calls.filter((call) => !call.settled)) call.finish(call.kind === 'push' ? { output: dockerPushOutput(call.name) } : {});
      await flush();
    }

    const results = await settledValue(setup.done);
    const appEvents = setup.events.filter((event) => event.name === 'app').map((event) => event.status);
    expect(results, `runBuild never finished: app went through [${appEvents.join(', ')}] and nothing is running`).not.toBe('timeout');
    const app = (results as ImageResult[]).find((result) => result.name === 'app')!;
    expect(app.status).not.toBe('queued');
    // The parent was built (only its push failed), so the child builds on the local image,
    // exactly as it does when it happens to start before the push ends.
    expect(['built', 'pushed']).toContain(app.status);
  });
});

describe('the test phase (build --test)', () => {
  /** core → app → plugin; app has a test that fails when `failing` says so. */
  const TESTED = yaml(
    'version: 1',
    'variables:',
    '  MLRUN_VERSION: 1.7.0',
    'images:',
    '  core:',
    '    base: python:3.9-slim',
    '    tests:',
    '      shell: {command: [sh, -c, "true"]}',
    '  app:',
    '    from: core',
    '    tests:',
    '      app works: {command: [app]}',
    '  plugin:',
    '    from: app',
  );

  function tested(failing: readonly string[]) {
    const ran: string[] = [];
    const runtime: TestRuntime = {
      kinds: ['command', 'file', 'metadata', 'http'],
      cannot: '',
      runCommand: async (image, command) => {
        ran.push(`${/\/(\w+):/.exec(image)![1]} ${JSON.stringify(command.command)}`);
        return { exitCode: failing.some((name) => image.includes(`/${name}:`)) ? 1 : 0, stdout: '', stderr: 'boom', timedOut: false };
      },
      readPath: async () => ({ exists: false }),
      config: async () => ({}),
      serve: async () => {
        throw new Error('not here');
      },
    };
    const setup = start(
      planOf(TESTED, { test: true, push: true }),
      { engine: { ...DOCKER, testRuntime: () => runtime } },
      answering(() => ({})),
    );
    return { setup, ran };
  }

  test('each image is tested after it is built and before it is pushed; a child runs its ancestors’ tests too', async () => {
    const { setup, ran } = tested([]);
    const results = await finishAll(setup);
    expect(statuses(results)).toEqual({ core: 'pushed', app: 'pushed', plugin: 'pushed' });
    expect(ran).toEqual(['core ["sh","-c","true"]', 'app ["sh","-c","true"]', 'app ["app"]', 'plugin ["sh","-c","true"]', 'plugin ["app"]']);
    expect(results.find((result) => result.name === 'app')!.tests!.map((test) => test.status)).toEqual(['passed', 'passed']);
    const events = setup.events.filter((event) => event.name === 'app').map((event) => event.status);
    expect(events.indexOf('testing')).toBeGreaterThan(events.indexOf('built'));
    expect(events.indexOf('pushing')).toBeGreaterThan(events.lastIndexOf('testing'));
  });

  test('an image whose tests fail is not pushed, counts as failed, and the images built on it are skipped', async () => {
    const { setup } = tested(['app']);
    const results = await finishAll(setup);
    expect(statuses(results)).toEqual({ core: 'pushed', app: 'failed', plugin: 'skipped' });
    expect(setup.runner.callsOf('push').map((call) => call.name)).toEqual(['core']);
    const app = results.find((result) => result.name === 'app')!;
    expect(app.reason!.split('\n').slice(0, 3)).toEqual(['2 of 2 test(s) failed (0/2)', 'test `shell` (command) failed:', '    exited with 1, expected 0']);
    expect(results.find((result) => result.name === 'plugin')!.reason).toBe('`app` failed');
  });
});

describe('a graph build (bake)', () => {
  const BAKE = bakeEngine();
  const DOCKERFILES: Record<string, string> = {
    '/d/core': 'FROM ${BASE_IMAGE}\nRUN echo core \\\n && sync\n',
    '/d/app': '# the app\nFROM ${BASE_IMAGE}\nRUN echo app\n',
    '/d/plugin': 'FROM ${BASE_IMAGE}\nRUN exit 3\n',
    '/d/tool': 'FROM ${BASE_IMAGE}\nRUN sleep 1\n',
    '/d/site': 'FROM ${BASE_IMAGE}\n',
  };
  /** One bake call that prints `lines` and exits with `exitCode`; every other command answers at once. */
  function baking(lines: string[], exitCode: number) {
    const written: Record<string, string> = {};
    const bakeCalls: Command[] = [];
    const inspections: Command[] = [];
    const runner: ProcessRunner = {
      run: async (command, options = {}) => {
        if (command.args[1] === 'bake') {
          bakeCalls.push(command);
          for (const line of lines) options.onLine?.(line);
          return { exitCode, output: lines.join('\n') };
        }
        if (command.args[0] === 'push') return { exitCode: 0, output: dockerPushOutput(imageName(command.args[1]!)) };
        inspections.push(command);
        // `docker image inspect --format {{.Id}} REF…`: a line per reference.
        return {
          exitCode: 0,
          output: command.args
            .slice(4)
            .map((reference) => `sha256:id-${imageName(reference)}\n`)
            .join(''),
        };
      },
    };
    const plan = planOf(CHAIN, { push: true });
    for (const step of plan.steps) step.dockerfile = `/d/${step.name}`;
    const { done, events, logs } = runInMemory(plan, runner, {
      engine: BAKE,
      concurrency: 2,
      workFileOf: (name) => `/work/${name}`,
      writeWorkFile: (path, text) => {
        written[path] = text;
      },
      readTextFile: (path) => DOCKERFILES[path],
      pushRetryDelaysMs: [],
    });
    return { done, written, bakeCalls, inspections, events, logs };
  }
  const exported = (id: number, target: string) => [`#${id} [${target}] exporting to image`, `#${id} DONE 0.1s`];

  test('one engine call builds every image; then each is inspected and pushed', async () => {
    const lines = ['#1 [core 2/2] RUN echo core  && sync', '#1 DONE 0.5s', ...exported(2, 'core'), ...exported(3, 'app'), ...exported(4, 'plugin')];
    const run = baking([...lines, ...exported(5, 'tool'), ...exported(6, 'site')], 0);
    const results = await run.done;
    expect(statuses(results)).toEqual({ core: 'pushed', app: 'pushed', plugin: 'pushed', tool: 'pushed', site: 'pushed' });
    expect(run.bakeCalls).toHaveLength(1);
    expect(run.bakeCalls[0]!.args).toEqual([
      'buildx',
      'bake',
      '-f',
      '/work/bake.json',
      '--progress=plain',
      '--load',
      '--metadata-file',
      '/work/bake-metadata.json',
    ]);
    const file = JSON.parse(run.written['/work/bake.json']!) as { target: Record<string, { contexts?: Record<string, string> }> };
    expect(Object.keys(file.target)).toEqual(['core', 'app', 'plugin', 'tool', 'site']);
    expect(file.target.plugin!.contexts).toEqual({ 'mlrun/app:1.7.0': 'target:app' });
    expect(results.find((result) => result.name === 'app')!.imageId).toBe('sha256:id-app');
    // One inspect for every image built.
    expect(run.inspections).toHaveLength(1);
    // Reported built once each, as its export was read.
    expect(run.events.filter((event) => event.status === 'built').map((event) => event.name)).toEqual(['core', 'app', 'plugin', 'tool', 'site']);
    expect(run.events).toContainEqual({ name: 'core', status: 'building', step: '2/2 RUN echo core  && sync' });
    expect(run.logs.get('core')!.lines).toContain('#1 [core 2/2] RUN echo core  && sync');
    expect(run.logs.get('_bake')!.lines[0]).toMatch(/^\$ docker buildx bake /);
  });

  test('a step BuildKit shows under a child is its ancestor’s when only the ancestor’s Dockerfile has it', async () => {
    const failing = ['#7 [plugin 2/2] RUN exit 3', '#7 ERROR: process "/bin/sh -c exit 3" did not complete successfully: exit code: 3'];
    const run = baking(['#4 [plugin 2/2] RUN echo app', '#4 DONE 0.2s', ...exported(2, 'core'), ...failing], 1);
    expect(run.events).toContainEqual({ name: 'app', status: 'building', step: '2/2 RUN echo app' });
    const results = await run.done;
    expect(statuses(results)).toEqual({ core: 'pushed', app: 'skipped', plugin: 'failed', tool: 'skipped', site: 'skipped' });
    const reason = (name: string) => results.find((result) => result.name === name)!.reason!.split('\n')[0];
    expect(reason('plugin')).toBe('docker buildx bake failed: process "/bin/sh -c exit 3" did not complete successfully: exit code: 3');
    expect(reason('tool')).toBe('BuildKit stopped every build when `plugin` failed');
    expect(reason('app')).toBe('BuildKit stopped every build when `plugin` failed');
  });

  test('when an image fails, the images built on it are skipped as its children, not as stopped builds', async () => {
    const failing = ['#3 [app 2/2] RUN echo app', '#3 ERROR: exit code: 1'];
    const results = await baking([...exported(2, 'core'), ...failing], 1).done;
    expect(statuses(results)).toMatchObject({ core: 'pushed', app: 'failed', plugin: 'skipped' });
    expect(results.find((result) => result.name === 'plugin')!.reason).toBe('`app` failed');
  });

  test('an engine failure with no target named fails every image not built, with the exit code', async () => {
    const results = await baking(['ERROR: failed to dial the builder'], 1).done;
    expect(statuses(results)).toEqual({ core: 'failed', app: 'failed', plugin: 'failed', tool: 'failed', site: 'failed' });
    for (const result of results) expect(result.reason!.split('\n')[0]).toBe('docker buildx bake exited with 1 (its whole output: /logs/_bake.log)');
  });

  test('an image that fails after its export (its cache export, say) is failed, and its children skipped', async () => {
    const failing = ['#12 [app] exporting cache to registry', '#12 ERROR: unauthorized'];
    const results = await baking([...exported(2, 'core'), ...exported(3, 'app'), ...failing], 1).done;
    expect(statuses(results)).toMatchObject({ core: 'pushed', app: 'failed', plugin: 'skipped' });
    expect(results.find((result) => result.name === 'app')!.reason!.split('\n')[0]).toBe('docker buildx bake failed: unauthorized');
    expect(results.find((result) => result.name === 'plugin')!.reason).toBe('`app` failed');
  });
});
