/** The command-line edge: parse, dispatch, and the one place that turns errors into messages and exit codes. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, MlrunImagesError } from '../errors.js';
import { COMMANDS, commandSpec } from './commands/index.js';
import { PACKAGE_ROOT } from './files.js';
import { parseCommandLine } from './invocation.js';
import type { CliIo } from './project.js';
import { usageText } from './usage.js';

export type { CliIo } from './project.js';

export const USAGE = usageText(COMMANDS.flatMap((command) => command.usage));

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** An error as the person at the terminal should see it; the exit code. */
function report(error: unknown, io: CliIo): number {
  if (error instanceof InputError) {
    io.stderr.write(`${error.message}\n${error.diagnostics.length} problem(s) found; nothing was written.\n`);
    return error.exitCode;
  }
  if (error instanceof MlrunImagesError) {
    io.stderr.write(`mlrun-images: ${error.message}\n`);
    return error.exitCode;
  }
  const { code, syscall } = error as NodeJS.ErrnoException;
  if (typeof code === 'string' && syscall !== undefined) {
    io.stderr.write(`mlrun-images: ${(error as Error).message}\n`);
    return 2;
  }
  throw error;
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const invocation = parseCommandLine(argv, io.cwd, {
      usage: USAGE,
      takesOperands: (command) => commandSpec(command).takesOperands,
      env: io.env,
    });
    if (invocation === 'help') {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (invocation === 'version') {
      io.stdout.write(`${packageVersion()}\n`);
      return 0;
    }
    return await commandSpec(invocation.command).run(invocation, io);
  } catch (error) {
    return report(error, io);
  }
}
