import { XMLParser } from 'fast-xml-parser';
import { describe, expect, test } from 'vitest';
import { EngineCommandError, type RunningService, type TestRuntime } from '../../src/engines/test-runtime.js';
import type { ImageTest } from '../../src/image-tests/kind.js';
import { runImageTests, type TestRunOptions, testTally } from '../../src/scheduler/image-tests.js';
import { jsonSummary, junitXml } from '../../src/scheduler/reports.js';
import type { ImageResult } from '../../src/scheduler/run.js';

const test_ = (name: string, kind: ImageTest['kind'], params: Record<string, unknown>): ImageTest => ({ name, kind, params, declaredBy: 'app' });

/** A runtime that answers from tables, recording what it was asked. */
function fakeRuntime(overrides: Partial<TestRuntime> = {}) {
  const asked: string[] = [];
  const runtime: TestRuntime = {
    kinds: ['command', 'file', 'metadata', 'http'],
    cannot: '',
    runCommand: async (image, command) => {
      asked.push(`command ${image} ${JSON.stringify(command.command)}`);
      return { exitCode: 0, stdout: 'ok\n', stderr: '', timedOut: false };
    },
    readPath: async (image, path) => {
      asked.push(`file ${image} ${path}`);
      return { exists: path !== '/missing', type: 'file', mode: 0o644, uid: 0, gid: 0, user: 'root', group: 'root', content: 'x' };
    },
    config: async (image) => {
      asked.push(`config ${image}`);
      return { WorkingDir: '/mlrun', Env: ['A=1'] };
    },
    serve: async (image, port) => {
      asked.push(`serve ${image} ${port}`);
      return { hostPort: 40000, running: async () => true, logs: async () => 'log line', stop: async () => void asked.push('stop') };
    },
    ...overrides,
  };
  return { runtime, asked };
}

function options(overrides: Partial<TestRunOptions> = {}): TestRunOptions {
  let clock = 0;
  return {
    signal: new AbortController().signal,
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
    },
    fetch: (async () => new Response('{"status":"ok"}', { status: 200 })) as typeof fetch,
    ...overrides,
  };
}

describe('runImageTests', () => {
  test('runs each test by its kind, in order, and judges what came out', async () => {
    const { runtime, asked } = fakeRuntime();
    const results = await runImageTests(
      runtime,
      'mlrun/app:1',
      [
        test_('prints', 'command', { command: ['echo', 'ok'], stdout: '^ok$' }),
        test_('exists', 'file', { path: '/a', mode: '0644' }),
        test_('gone', 'file', { path: '/missing' }),
        test_('workdir', 'metadata', { workdir: '/mlrun', env: { A: '1' } }),
        test_('serves', 'http', { port: 8080, path: '/health', body: 'ok' }),
      ],
      options(),
    );
    expect(results.map((result) => [result.name, result.status, result.message])).toEqual([
      ['prints', 'passed', undefined],
      ['exists', 'passed', undefined],
      ['gone', 'failed', '/missing does not exist'],
      ['workdir', 'passed', undefined],
      ['serves', 'passed', undefined],
    ]);
    expect(asked).toEqual([
      'config mlrun/app:1',
      'command mlrun/app:1 ["echo","ok"]',
      'file mlrun/app:1 /a',
      'file mlrun/app:1 /missing',
      'config mlrun/app:1',
      'serve mlrun/app:1 8080',
      'stop',
    ]);
    expect(testTally(results)).toBe('4/5');
  });

  test('a kind the engine cannot run is reported as not run, with why, never as passed', async () => {
    const { runtime } = fakeRuntime({ kinds: ['command', 'file', 'metadata'], cannot: 'buildah runs no container with a published port' });
    const results = await runImageTests(runtime, 'x', [test_('serves', 'http', { port: 80 }), test_('prints', 'command', { command: 'true' })], options());
    expect(results.map((result) => [result.status, result.message])).toEqual([
      ['not run', 'buildah runs no container with a published port'],
      ['passed', undefined],
    ]);
    expect(testTally(results)).toBe('1/1, 1 not run');
  });

  test('an image that is not there fails as a whole, before any test runs, saying how to get it', async () => {
    const { runtime } = fakeRuntime({
      config: async () => {
        throw new EngineCommandError('`docker image inspect` exited with 1: Error: No such image: mlrun/app:1');
      },
    });
    await expect(runImageTests(runtime, 'mlrun/app:1', [test_('a', 'command', { command: 'a' })], options())).rejects.toThrow(
      'mlrun/app:1 cannot be tested: `docker image inspect` exited with 1: Error: No such image: mlrun/app:1; build it first (mlrun-images build --test does both) or pull it',
    );
  });

  test('an engine command that fails is the test’s failure, with its message; other errors are not swallowed', async () => {
    const { runtime } = fakeRuntime({
      readPath: async () => {
        throw new EngineCommandError('`docker create --name` exited with 125: no such image');
      },
    });
    const [result] = await runImageTests(runtime, 'x', [test_('f', 'file', { path: '/a' })], options());
    expect(result).toMatchObject({ status: 'failed', message: '`docker create --name` exited with 125: no such image' });
    const broken = fakeRuntime({
      runCommand: async () => {
        throw new TypeError('a bug');
      },
    });
    await expect(runImageTests(broken.runtime, 'x', [test_('c', 'command', { command: 'c' })], options())).rejects.toThrow('a bug');
  });

  test('a command test that outlives its timeout fails as timed out (the runtime is stopped through the signal)', async () => {
    const { runtime } = fakeRuntime({
      runCommand: (_image, _command, signal) =>
        new Promise((resolve) => signal.addEventListener('abort', () => resolve({ exitCode: 137, stdout: '', stderr: '', timedOut: false }))),
    });
    const [result] = await runImageTests(runtime, 'x', [test_('slow', 'command', { command: ['sleep', '9'], timeout: 0.05 })], options());
    expect(result).toMatchObject({ status: 'failed', message: 'did not finish within 0.05 s' });
  });

  test('interrupted: the running test and those after it are not run', async () => {
    const controller = new AbortController();
    const { runtime } = fakeRuntime({
      runCommand: async () => {
        controller.abort();
        return { exitCode: 130, stdout: '', stderr: '', timedOut: false };
      },
    });
    const results = await runImageTests(
      runtime,
      'x',
      [test_('a', 'command', { command: 'a' }), test_('b', 'file', { path: '/b' })],
      options({ signal: controller.signal }),
    );
    expect(results.map((result) => [result.status, result.message])).toEqual([
      ['not run', 'interrupted'],
      ['not run', 'interrupted'],
    ]);
  });

  test('http: asked again until the status wanted comes, within the timeout; the container is always removed', async () => {
    const statuses = [0, 503, 503, 200];
    let calls = 0;
    const fetcher = (async () => {
      const status = statuses[calls++]!;
      if (status === 0) throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:40000') });
      return new Response(status === 200 ? 'ready' : 'waiting', { status });
    }) as typeof fetch;
    const { runtime, asked } = fakeRuntime();
    const [passed] = await runImageTests(runtime, 'x', [test_('up', 'http', { port: 8080, body: 'ready' })], options({ fetch: fetcher }));
    expect(passed).toMatchObject({ status: 'passed' });
    expect(calls).toBe(4);
    expect(asked.at(-1)).toBe('stop');

    const never = (async () => new Response('waiting', { status: 503 })) as typeof fetch;
    const [failed] = await runImageTests(runtime, 'x', [test_('up', 'http', { port: 8080, timeout: 3 })], options({ fetch: never }));
    expect(failed).toMatchObject({ status: 'failed', message: 'port 8080/ answered 503, expected 200' });
  });

  test('http: a container that stops is reported at once, with its last lines', async () => {
    let stopped = false;
    const service: RunningService = {
      hostPort: 1,
      running: async () => false,
      logs: async () => 'panic: no config',
      stop: async () => {
        stopped = true;
      },
    };
    const { runtime } = fakeRuntime({ serve: async () => service });
    const refused = (async () => {
      throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') });
    }) as typeof fetch;
    const [result] = await runImageTests(runtime, 'x', [test_('up', 'http', { port: 8080, timeout: 600 })], options({ fetch: refused }));
    expect(result!.message).toBe('port 8080/ did not answer within 600 s: the container stopped; its last lines:\npanic: no config');
    expect(stopped).toBe(true);
  });
});

describe('reports', () => {
  const results: ImageResult[] = [
    {
      name: 'base',
      reference: 'mlrun/base:1',
      status: 'tested',
      durationMs: 1500,
      log: '.build/logs/base.log',
      tests: [
        { name: 'prints <ok> & "more"', kind: 'command', status: 'passed', durationMs: 250, declaredBy: 'base' },
        { name: 'serves', kind: 'http', status: 'not run', message: 'buildah runs no container', durationMs: 0, declaredBy: 'base' },
      ],
    },
    {
      name: 'child',
      reference: 'mlrun/child:1',
      status: 'failed',
      reason: '1 of 1 test(s) failed',
      durationMs: 900,
      log: '.build/logs/child.log',
      tests: [
        { name: 'version', kind: 'command', status: 'failed', message: 'exited with 1, expected 0\noutput:\n<boom>', durationMs: 800, declaredBy: 'base' },
      ],
    },
    { name: 'untested', reference: 'mlrun/untested:1', status: 'built', durationMs: 10, log: '.build/logs/untested.log' },
  ];

  test('JUnit XML: one testsuite per tested image, one testcase per test, failures and skips with their message', () => {
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['testsuite', 'testcase'].includes(name) }).parse(
      junitXml(results),
    );
    const suites = parsed.testsuites;
    expect(suites).toMatchObject({ name: 'mlrun-images', tests: '3', failures: '1', skipped: '1' });
    expect(suites.testsuite.map((suite: { name: string; tests: string; failures: string }) => [suite.name, suite.tests, suite.failures])).toEqual([
      ['base', '2', '0'],
      ['child', '1', '1'],
    ]);
    const [base, child] = suites.testsuite;
    expect(base.testcase[0]).toEqual({ classname: 'base', name: 'prints <ok> & "more"', time: '0.250' });
    expect(base.testcase[1].skipped).toEqual({ message: 'buildah runs no container' });
    expect(child.testcase[0].failure).toEqual({ message: 'exited with 1, expected 0', type: 'command', '#text': 'exited with 1, expected 0\noutput:\n<boom>' });
    expect(base.properties.property).toEqual({ name: 'reference', value: 'mlrun/base:1' });
  });

  test('the --json summary holds each image’s test results', () => {
    const { images } = JSON.parse(jsonSummary(results));
    expect(images[1].tests).toEqual([
      { name: 'version', kind: 'command', status: 'failed', durationSeconds: 0.8, declaredBy: 'base', message: 'exited with 1, expected 0\noutput:\n<boom>' },
    ]);
    expect(images[2].tests).toBeUndefined();
  });
});
