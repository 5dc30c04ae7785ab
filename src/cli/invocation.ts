/** The command line parsed: the command, its operands and its options, checked against the option table. */
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CONTROL_CHARACTER } from '../dockerfile/quote.js';
import { UsageError } from '../errors.js';
import { didYouMean } from '../suggest.js';
import {
  COMMAND_NAMES,
  type CommandName,
  commandsOf,
  OPTIONS,
  type OptionName,
  type OptionSpec,
  type OptionValues,
  optionSpec,
  parserOptions,
} from './options.js';

export interface Invocation {
  command: CommandName;
  /** Arguments after the command: image names for build and lock, the image for resolve. */
  operands: string[];
  values: OptionValues;
  manifestPath: string;
  outDir: string;
  /** `--set NAME=VALUE` pairs. */
  overrides: Record<string, string>;
}

/** A string option's value (undefined when not given). */
export function stringOption(invocation: Pick<Invocation, 'values'>, name: OptionName): string | undefined {
  const value = invocation.values[name];
  return typeof value === 'string' ? value : undefined;
}

/** A boolean option. */
export function flagOption(invocation: Pick<Invocation, 'values'>, name: OptionName): boolean {
  return invocation.values[name] === true;
}

/** A repeatable option's values, in order. */
export function listOption(invocation: Pick<Invocation, 'values'>, name: OptionName): string[] {
  const value = invocation.values[name];
  return Array.isArray(value) ? value : [];
}

function parseOverrides(pairs: readonly string[]): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new UsageError(`--set ${pair}: expected NAME=VALUE`);
    overrides[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  return overrides;
}

/** Each option given must belong to the command, and an option that names a file or folder must name one. */
function checkOptions(command: CommandName, values: OptionValues): void {
  for (const [name, value] of Object.entries(values)) {
    const spec = optionSpec(name);
    const owners = spec ? commandsOf(spec) : COMMAND_NAMES;
    if (!owners.includes(command)) {
      const named = owners.map((owner) => `\`${owner}\``);
      const list = named.length > 1 ? `${named.slice(0, -1).join(', ')} and ${named.at(-1)}` : named[0];
      throw new UsageError(`--${name} is an option of ${list}, not of \`${command}\``);
    }
    if (spec?.path && typeof value === 'string' && (value === '' || CONTROL_CHARACTER.test(value))) {
      const expected = spec.value === 'DIR' ? 'a folder' : 'a file';
      throw new UsageError(`--${name} expects ${expected}, got ${value === '' ? 'an empty value' : 'a name with a line break or another control character'}`);
    }
  }
}

/** The options not given on the command line, from their environment variables (OptionSpec.env), for this command. */
function withEnvironment(command: CommandName, given: OptionValues, env: Readonly<Record<string, string | undefined>>): OptionValues {
  const values: Record<string, unknown> = { ...given };
  for (const spec of OPTIONS as readonly OptionSpec[]) {
    const text = spec.env === undefined ? undefined : env[spec.env];
    if (text === undefined || spec.name in values || !commandsOf(spec).includes(command)) continue;
    if (spec.type === 'boolean') {
      if (text !== '') values[spec.name] = true;
    } else if (text !== '' || spec.emptyIsValue) values[spec.name] = text;
  }
  return values as OptionValues;
}

/**
 * Parse argv, with each option not given taken from its environment variable. `help` and `version` are answered
 * before anything else; `takesOperands` says which commands take arguments after their name.
 */
export function parseCommandLine(
  argv: readonly string[],
  cwd: string,
  { usage, takesOperands, env = {} }: { usage: string; takesOperands: (command: CommandName) => boolean; env?: Readonly<Record<string, string | undefined>> },
): Invocation | 'help' | 'version' {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options: parserOptions(), allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${usage}`);
  }
  const given = parsed.values as OptionValues;
  if (given.help) return 'help';
  if (given.version) return 'version';
  const [command, ...operands] = parsed.positionals;
  if (command === undefined) throw new UsageError(`a command is needed\n\n${usage}`);
  if (!(COMMAND_NAMES as readonly string[]).includes(command)) {
    throw new UsageError(`unknown command \`${command}\`${didYouMean(command, COMMAND_NAMES)}\n\n${usage}`);
  }
  const known = command as CommandName;
  checkOptions(known, given);
  const values = withEnvironment(known, given, env);
  if (operands.length > 0 && !takesOperands(known)) throw new UsageError(`unexpected argument \`${operands[0]}\`\n\n${usage}`);
  const manifestPath = resolve(cwd, stringOption({ values }, 'manifest') ?? 'images.yaml');
  return {
    command: known,
    operands,
    values,
    manifestPath,
    outDir: resolve(cwd, stringOption({ values }, 'out') ?? join(dirname(manifestPath), 'generated')),
    overrides: parseOverrides(listOption({ values }, 'set')),
  };
}
