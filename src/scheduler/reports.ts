/** What a run leaves for machines: the `--json` summary and the `--junit` XML that CI systems read. Pure. */
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

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
/** Text as XML holds it: the five entities escaped, characters XML cannot hold replaced. */
function xml(text: string): string {
  // Control characters are what XML 1.0 cannot hold.
  return text.replace(/[&<>"']/g, (char) => ENTITIES[char]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd');
}
const secondsOf = (ms: number) => (Math.round(ms) / 1000).toFixed(3);

/** JUnit XML: one testsuite per image whose tests ran, one testcase per test; failures with their message. */
export function junitXml(results: readonly ImageResult[]): string {
  const tested = results.filter((result) => result.tests !== undefined);
  const all = tested.flatMap((result) => result.tests!);
  const count = (status: string, list = all) => list.filter((test) => test.status === status).length;
  const total = (list: readonly { durationMs: number }[]) => secondsOf(list.reduce((sum, test) => sum + test.durationMs, 0));
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  lines.push(`<testsuites name="mlrun-images" tests="${all.length}" failures="${count('failed')}" skipped="${count('not run')}" time="${total(all)}">`);
  for (const result of tested) {
    const tests = result.tests!;
    lines.push(
      `  <testsuite name="${xml(result.name)}" tests="${tests.length}" failures="${count('failed', tests)}" errors="0" skipped="${count('not run', tests)}" time="${total(tests)}">`,
      `    <properties><property name="reference" value="${xml(result.reference)}"/></properties>`,
    );
    for (const test of tests) {
      const open = `    <testcase classname="${xml(result.name)}" name="${xml(test.name)}" time="${secondsOf(test.durationMs)}"`;
      const firstLine = (test.message ?? '').split('\n')[0]!;
      if (test.status === 'passed') lines.push(`${open}/>`);
      else if (test.status === 'failed')
        lines.push(`${open}>`, `      <failure message="${xml(firstLine)}" type="${test.kind}">${xml(test.message ?? '')}</failure>`, '    </testcase>');
      else lines.push(`${open}>`, `      <skipped message="${xml(firstLine)}"/>`, '    </testcase>');
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}
