/** Running an image's tests on the engine, one after another, each judged by its kind (image-tests/). */
import { judgeCommand } from '../image-tests/command.js';
import { judgeFile } from '../image-tests/file.js';
import { type HttpOutcome, judgeHttp } from '../image-tests/http.js';
import type { ImageTest, TestKindName } from '../image-tests/kind.js';
import { imageConfigOf, judgeMetadata } from '../image-tests/metadata.js';
import { EngineCommandError, type TestRuntime } from '../engines/test-runtime.js';

export type TestStatus = 'passed' | 'failed' | 'not run';

export interface TestResult {
  name: string;
  kind: TestKindName;
  status: TestStatus;
  /** What failed (expected, and what came out), or why it did not run. */
  message?: string;
  durationMs: number;
  /** The image whose manifest entry declares it. */
  declaredBy: string;
}

export interface TestRunOptions {
  signal: AbortSignal;
  now(): number;
  /** Waits between two tries of an http test. */
  sleep(ms: number): Promise<void>;
  fetch: typeof fetch;
}

const seconds = (value: unknown, fallback: number) => (value === undefined ? fallback : Number(value)) * 1000;

/** Ask the service until it answers with the status wanted, the container stops, or time is up; the last answer. */
async function askService(runtime: TestRuntime, reference: string, params: Record<string, unknown>, options: TestRunOptions): Promise<HttpOutcome> {
  const deadline = options.now() + seconds(params.timeout, 60);
  const wanted = Number(params.status ?? 200);
  const args = (params.command as string[] | undefined)?.map(String);
  const service = await runtime.serve(reference, Number(params.port), args, options.signal);
  let last: HttpOutcome = { error: 'nothing answered' };
  try {
    for (let attempt = 0; options.now() < deadline && !options.signal.aborted; attempt++) {
      try {
        const response = await options.fetch(`http://127.0.0.1:${service.hostPort}${String(params.path ?? '/')}`, { signal: AbortSignal.timeout(5_000) });
        last = { status: response.status, body: await response.text() };
        if (last.status === wanted) return last;
      } catch (error) {
        last = { error: (error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message };
      }
      if (attempt % 4 === 3 && !(await service.running())) {
        return { error: `the container stopped; its last lines:\n${(await service.logs()).trim()}` };
      }
      await options.sleep(500);
    }
    if ('error' in last) last = { error: `${last.error}; its last lines:\n${(await service.logs()).trim()}` };
    return last;
  } finally {
    await service.stop();
  }
}

/** Run one test; what went wrong, or nothing. */
async function runTest(runtime: TestRuntime, reference: string, test: ImageTest, options: TestRunOptions): Promise<string[]> {
  const { params } = test;
  switch (test.kind) {
    case 'command': {
      const timeout = AbortSignal.timeout(seconds(params.timeout, 60));
      const signal = AbortSignal.any([options.signal, timeout]);
      const outcome = await runtime.runCommand(
        reference,
        {
          command: params.command as string | string[],
          ...(params.user ? { user: String(params.user) } : {}),
          env: (params.env as Record<string, string>) ?? {},
        },
        signal,
      );
      return judgeCommand(params, { ...outcome, timedOut: timeout.aborted && !options.signal.aborted });
    }
    case 'file':
      return judgeFile(params, await runtime.readPath(reference, String(params.path), options.signal));
    case 'metadata':
      return judgeMetadata(params, imageConfigOf(await runtime.config(reference, options.signal)));
    case 'http':
      return judgeHttp(params, await askService(runtime, reference, params, options));
  }
}

/** The image to test is not where the engine looks. */
export class ImageNotThere extends Error {}

/** Run an image's tests in order; each result as it ends. The image must be there (built, or pulled). */
export async function runImageTests(
  runtime: TestRuntime,
  reference: string,
  tests: readonly ImageTest[],
  options: TestRunOptions,
  onResult: (result: TestResult) => void = () => {},
): Promise<TestResult[]> {
  const results: TestResult[] = [];
  // The image must be there even when it declares no test: a test run of an image never built is no pass.
  if (!options.signal.aborted) {
    await runtime.config(reference, options.signal).catch((error: unknown) => {
      if (!(error instanceof EngineCommandError)) throw error;
      throw new ImageNotThere(`${reference} cannot be tested: ${error.message}; build it first (mlrun-images build --test does both) or pull it`);
    });
  }
  for (const test of tests) {
    const started = options.now();
    const result = (status: TestStatus, message?: string): TestResult => ({
      name: test.name,
      kind: test.kind,
      status,
      ...(message ? { message } : {}),
      durationMs: options.now() - started,
      declaredBy: test.declaredBy,
    });
    let outcome: TestResult;
    if (options.signal.aborted) outcome = result('not run', 'interrupted');
    else if (!runtime.kinds.includes(test.kind)) outcome = result('not run', runtime.cannot);
    else {
      try {
        const problems = await runTest(runtime, reference, test, options);
        outcome = options.signal.aborted
          ? result('not run', 'interrupted')
          : result(problems.length === 0 ? 'passed' : 'failed', problems.join('\n') || undefined);
      } catch (error) {
        if (!(error instanceof EngineCommandError || error instanceof SyntaxError)) throw error;
        outcome = options.signal.aborted ? result('not run', 'interrupted') : result('failed', error.message);
      }
    }
    results.push(outcome);
    onResult(outcome);
  }
  return results;
}

/** `12/12`, `3/4`, `3/4, 1 not run`. */
export function testTally(results: readonly TestResult[]): string {
  const ran = results.filter((result) => result.status !== 'not run');
  const passed = ran.filter((result) => result.status === 'passed').length;
  const notRun = results.length - ran.length;
  return `${passed}/${ran.length}${notRun > 0 ? `, ${notRun} not run` : ''}`;
}
