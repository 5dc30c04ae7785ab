import { testTally } from './image-tests.js';
import type { ImageResult, ImageStatus, ProgressEvent } from './run.js';

export interface Output {
  write(text: string): unknown;
}

export interface ProgressReporter {
  onProgress(event: ProgressEvent): void;
  /** Stop redrawing; after this only the summary is printed. */
  close(): void;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** Without a terminal (CI): one plain line per change, prefixed with the image name. */
export function plainReporter(out: Output, now: () => number): ProgressReporter {
  const started = new Map<string, number>();
  const width = { value: 0 };
  return {
    onProgress({ name, status, step, reason }) {
      width.value = Math.max(width.value, name.length);
      const label = `[${name}]`.padEnd(width.value + 2);
      const starting = status === 'building' || status === 'testing';
      if (starting && !started.has(name)) started.set(name, now());
      const elapsed = started.has(name) ? ` (${seconds(now() - started.get(name)!)})` : '';
      if (step) return void out.write(status === 'testing' ? `${label} ${step}\n` : `${label} step ${step}\n`);
      if (status === 'queued') return;
      out.write(`${label} ${status}${starting ? '' : elapsed}${reason && status !== 'failed' ? `: ${reason}` : ''}\n`);
    },
    close() {},
  };
}

const STATUS_WIDTH = 10;

const SYMBOLS: Record<ImageStatus, string> = {
  queued: '·',
  'up to date': '=',
  building: '▸',
  built: '✓',
  testing: '▸',
  tested: '✓',
  pushing: '↑',
  pushed: '✓',
  failed: '✗',
  skipped: '-',
  cancelled: '✗',
};

/** On a terminal: one live line per image, redrawn in place. */
export function terminalReporter(out: Output, now: () => number, columns: () => number): ProgressReporter {
  const lines = new Map<string, { status: ImageStatus; step?: string; reason?: string; started?: number; finished?: number }>();
  let drawn = 0;
  const draw = () => {
    const width = Math.max(20, columns() - 1);
    const nameWidth = Math.max(...[...lines.keys()].map((name) => name.length));
    const text = [...lines].map(([name, line]) => {
      const elapsed = line.started ? ` ${seconds((line.finished ?? now()) - line.started)}` : '';
      const detail = line.status === 'building' ? (line.step ?? '') : (line.reason?.split('\n')[0] ?? '');
      return `${SYMBOLS[line.status]} ${name.padEnd(nameWidth)} ${line.status.padEnd(STATUS_WIDTH)}${elapsed} ${detail}`.slice(0, width);
    });
    out.write(`${drawn > 0 ? `\x1b[${drawn}A` : ''}${text.map((line) => `\x1b[2K${line}\n`).join('')}`);
    drawn = text.length;
  };
  const timer = setInterval(draw, 500);
  timer.unref();
  return {
    onProgress({ name, status, step, reason }) {
      const line = lines.get(name) ?? { status };
      line.status = status;
      if (step) line.step = step;
      if (reason) line.reason = reason;
      if (status === 'building' && !line.started) line.started = now();
      if (status !== 'building' && status !== 'queued' && line.started && !line.finished) line.finished = now();
      lines.set(name, line);
      draw();
    },
    close() {
      clearInterval(timer);
      if (lines.size > 0) draw();
    },
  };
}

/** The table that ends every run (with a tests column when tests ran), then each failure with its log. */
export function formatSummary(results: readonly ImageResult[]): string {
  const nameWidth = Math.max(5, ...results.map((result) => result.name.length));
  const withTests = results.some((result) => result.tests !== undefined);
  const statusWidth = Math.max(9, ...results.map((result) => result.status.length));
  const tallies = results.map((result) => (result.tests ? testTally(result.tests) : ''));
  const testsWidth = Math.max(5, ...tallies.map((tally) => tally.length));
  const rows = results.map((result, index) => {
    const duration = result.durationMs > 0 ? seconds(result.durationMs) : '';
    const detail =
      result.status === 'failed' || result.status === 'skipped' || result.status === 'cancelled' ? (result.reason?.split('\n')[0] ?? '') : result.reference;
    const tests = withTests ? `  ${tallies[index]!.padEnd(testsWidth)}` : '';
    return `${result.name.padEnd(nameWidth)}  ${result.status.padEnd(statusWidth)}  ${duration.padStart(7)}${tests}  ${detail}`;
  });
  const header = `${'image'.padEnd(nameWidth)}  ${'status'.padEnd(statusWidth)}  ${'time'.padStart(7)}${withTests ? `  ${'tests'.padEnd(testsWidth)}` : ''}  reference / reason`;
  const notRun = results.flatMap((result) =>
    (result.tests ?? [])
      .filter((test) => test.status === 'not run')
      .map((test) => `${result.name}: test \`${test.name}\` (${test.kind}) not run: ${test.message}`),
  );
  const failures = results.filter((result) => result.status === 'failed').map((result) => `\n${result.name}: ${result.reason}`);
  return [header, ...rows, ...(notRun.length > 0 ? ['', ...notRun] : []), ...failures, ''].join('\n');
}
