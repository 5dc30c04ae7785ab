/** Running an image's tests on the engine, one after another, each run and judged by its kind (image-tests/). */
import { testKind } from '../image-tests/index.js';
import type { ImageTest, TestKindName, TestRunOptions, TestRuntime } from '../image-tests/kind.js';
import { EngineCommandError } from '../engines/test-runtime.js';

export type { TestRunOptions } from '../image-tests/kind.js';

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
        const problems = await testKind(test.kind).run(runtime, reference, test.params, options);
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
