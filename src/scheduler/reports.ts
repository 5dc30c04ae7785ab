/** What a run leaves for machines: the `--json` summary and the `--junit` XML that CI systems read. Pure. */
import { XMLBuilder } from 'fast-xml-parser';
import type { ImageResult } from './run.js';

/** The `--json` summary: per image its reference, status, times, id, digest, log and test results. */
export function jsonSummary(results: readonly ImageResult[]): string {
  const images = results.map(({ name, reference, status, durationMs, imageId, digest, inputs, reason, log, startedAt, finishedAt, tests }) => ({
    name,
    reference,
    status,
    durationSeconds: Math.round(durationMs) / 1000,
    ...(imageId ? { imageId } : {}),
    ...(digest ? { digest } : {}),
    ...(inputs ? { inputs } : {}),
    ...(reason ? { reason: reason.split('\n')[0] } : {}),
    log,
    ...(startedAt ? { startedAt: new Date(startedAt).toISOString() } : {}),
    ...(finishedAt ? { finishedAt: new Date(finishedAt).toISOString() } : {}),
    ...(tests
      ? {
          tests: tests.map(({ name: test, kind, status: outcome, message, durationMs: ms, declaredBy }) => ({
            name: test,
            kind,
            status: outcome,
            durationSeconds: Math.round(ms) / 1000,
            declaredBy,
            ...(message ? { message } : {}),
          })),
        }
      : {}),
  }));
  return `${JSON.stringify({ images }, null, 2)}\n`;
}

/** Characters XML 1.0 cannot hold (control characters, lone surrogates, U+FFFE/FFFF), replaced; the serializer escapes the rest. */
function xmlText(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}
const secondsOf = (ms: number) => (Math.round(ms) / 1000).toFixed(3);

/** JUnit XML: one testsuite per image whose tests ran, one testcase per test; failures with their message. */
export function junitXml(results: readonly ImageResult[]): string {
  const tested = results.filter((result) => result.tests !== undefined);
  const all = tested.flatMap((result) => result.tests!);
  const count = (status: string, list = all) => list.filter((test) => test.status === status).length;
  const total = (list: readonly { durationMs: number }[]) => secondsOf(list.reduce((sum, test) => sum + test.durationMs, 0));
  const testcase = (suite: string, test: NonNullable<ImageResult['tests']>[number]) => {
    const firstLine = xmlText((test.message ?? '').split('\n')[0]!);
    return {
      '@_classname': xmlText(suite),
      '@_name': xmlText(test.name),
      '@_time': secondsOf(test.durationMs),
      ...(test.status === 'failed' ? { failure: { '@_message': firstLine, '@_type': test.kind, '#text': xmlText(test.message ?? '') } } : {}),
      ...(test.status !== 'failed' && test.status !== 'passed' ? { skipped: { '@_message': firstLine } } : {}),
    };
  };
  const document = {
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    testsuites: {
      '@_name': 'mlrun-images',
      '@_tests': all.length,
      '@_failures': count('failed'),
      '@_skipped': count('not run'),
      '@_time': total(all),
      testsuite: tested.map((result) => {
        const tests = result.tests!;
        return {
          '@_name': xmlText(result.name),
          '@_tests': tests.length,
          '@_failures': count('failed', tests),
          '@_errors': 0,
          '@_skipped': count('not run', tests),
          '@_time': total(tests),
          properties: { property: { '@_name': 'reference', '@_value': xmlText(result.reference) } },
          testcase: tests.map((test) => testcase(result.name, test)),
        };
      }),
    },
  };
  const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, indentBy: '  ', suppressEmptyNode: true });
  return builder.build(document);
}
