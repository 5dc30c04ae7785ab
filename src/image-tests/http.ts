import { firstLines, regexProblems, type TestKind, type TestRunOptions, type TestRuntime, timeoutMs } from './kind.js';

/** What asking the running image gave: an answer, or why there was none. */
export type HttpOutcome = { status: number; body: string } | { error: string };

/** `http`: start the image as it runs, and ask it over HTTP. */
export const http: TestKind = {
  name: 'http',
  flat: false,
  schema: {
    properties: {
      port: { $ref: '#/definitions/port' },
      path: { type: 'string', pattern: '^/', description: 'Default /.' },
      status: { type: 'integer', minimum: 100, maximum: 599, description: 'Default 200.' },
      body: { type: 'string', description: 'A regular expression the body must match.' },
      timeout: { type: 'number', minimum: 1, maximum: 86400, description: 'Seconds to start and answer (default 60); 1 to 86400.' },
      command: { $ref: '#/definitions/execForm', description: "Arguments instead of the image's command (its entrypoint stays)." },
    },
    required: ['port'],
  },
  docs: {
    parameters: '`port`, `path` (default `/`), `status` (default 200), `body`, `timeout` (s, default 60), `command`',
    checks: 'starts the image as it runs (port published on 127.0.0.1 only), waits for the port, requests the path',
  },
  check: (params) => [
    ...regexProblems(params, ['body']),
    // HTTP is spoken over TCP: a UDP port never answers.
    ...(/\/udp$/.test(String(params.port)) ? [{ param: 'port', message: `port \`${String(params.port)}\` is UDP; an http test asks over TCP` }] : []),
  ],
  run: async (runtime, image, params, options) => judgeHttp(params, await askService(runtime, image, params, options)),
};

/** What went wrong with an http test; empty when it passed. */
export function judgeHttp(params: Record<string, unknown>, outcome: HttpOutcome): string[] {
  const target = `port ${String(params.port)}${String(params.path ?? '/')}`;
  if ('error' in outcome) return [`${target} did not answer within ${Number(params.timeout ?? 60)} s: ${outcome.error}`];
  const problems: string[] = [];
  const status = Number(params.status ?? 200);
  if (outcome.status !== status) problems.push(`${target} answered ${outcome.status}, expected ${status}`);
  if (typeof params.body === 'string' && !new RegExp(params.body, 'm').test(outcome.body)) {
    problems.push(`the body does not match /${params.body}/; it was:\n${firstLines(outcome.body) || '(empty)'}`);
  }
  return problems;
}

/** Ask the service until it answers with the status wanted, the container stops, or time is up; the last answer. */
async function askService(runtime: TestRuntime, reference: string, params: Record<string, unknown>, options: TestRunOptions): Promise<HttpOutcome> {
  const deadline = options.now() + timeoutMs(params.timeout, 60);
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
