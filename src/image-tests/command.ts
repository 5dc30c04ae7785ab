import { ENV_NAME } from '../manifest/grammar.js';
import { type CommandOutcome, firstLines, regexProblems, type TestKind, timeoutMs } from './kind.js';

const MATCHED = ['stdout', 'stderr', 'not_stdout', 'not_stderr'] as const;

/** `command`: run a command in the image; its exit code and output must be as said. */
export const command: TestKind = {
  name: 'command',
  flat: true,
  schema: {
    properties: {
      command: { anyOf: [{ type: 'string', minLength: 1 }, { $ref: '#/definitions/execForm' }], description: 'An argv list, or text run with `sh -c`.' },
      exit_code: { type: 'integer', minimum: 0, maximum: 255 },
      stdout: { type: 'string', description: 'A regular expression the standard output must match.' },
      stderr: { type: 'string', description: 'A regular expression the standard error must match.' },
      not_stdout: { type: 'string', description: 'A regular expression the standard output must not match.' },
      not_stderr: { type: 'string', description: 'A regular expression the standard error must not match.' },
      user: { type: 'string' },
      env: { $ref: '#/definitions/stringMap' },
      timeout: { type: 'number', minimum: 1, maximum: 86400, description: 'Seconds (default 60); 1 to 86400.' },
    },
    required: ['command'],
  },
  docs: {
    parameters:
      '`command` (argv list, or text run with `sh -c`), `exit_code` (default 0), `stdout`, `stderr` (must match), `not_stdout`, `not_stderr` (must not), `user`, `env`, `timeout` (s, default 60)',
    checks: 'runs the command in a container of the image (its entrypoint bypassed); exit code and output',
  },
  check: (params) => [
    ...regexProblems(params, MATCHED),
    // `-e NAME=VALUE`: a name holding `=` would set another variable than the one written.
    ...Object.keys((params.env as Record<string, unknown> | undefined) ?? {})
      .filter((name) => !ENV_NAME.test(name))
      .map((name) => ({ param: 'env', message: `\`${name}\` is not an environment variable name (letters, digits and _, not starting with a digit)` })),
  ],
  async run(runtime, image, params, options) {
    const timeout = AbortSignal.timeout(timeoutMs(params.timeout, 60));
    const outcome = await runtime.runCommand(
      image,
      {
        command: params.command as string | string[],
        ...(params.user ? { user: String(params.user) } : {}),
        env: (params.env as Record<string, string>) ?? {},
      },
      AbortSignal.any([options.signal, timeout]),
    );
    return judgeCommand(params, { ...outcome, timedOut: timeout.aborted && !options.signal.aborted });
  },
};

/** What went wrong with a command test's outcome; empty when it passed. */
export function judgeCommand(params: Record<string, unknown>, outcome: CommandOutcome): string[] {
  const timeout = Number(params.timeout ?? 60);
  if (outcome.timedOut) return [`did not finish within ${timeout} s`];
  const problems: string[] = [];
  const expected = Number(params.exit_code ?? 0);
  if (outcome.exitCode !== expected) problems.push(`exited with ${outcome.exitCode}, expected ${expected}`);
  for (const stream of ['stdout', 'stderr'] as const) {
    const output = outcome[stream];
    const must = params[stream];
    const mustNot = params[`not_${stream}`];
    if (typeof must === 'string' && !new RegExp(must, 'm').test(output))
      problems.push(`${stream} does not match /${must}/; it was:\n${firstLines(output) || '(empty)'}`);
    if (typeof mustNot === 'string' && new RegExp(mustNot, 'm').test(output))
      problems.push(`${stream} matches /${mustNot}/, which it must not; it was:\n${firstLines(output)}`);
  }
  if (problems.length > 0 && outcome.exitCode !== expected && params.stdout === undefined && params.stderr === undefined) {
    problems.push(`output:\n${firstLines(`${outcome.stdout}${outcome.stderr}`) || '(empty)'}`);
  }
  return problems;
}
