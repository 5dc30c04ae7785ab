/** The `--help` text, from the command and option tables. */
import { commandsOf, OPTIONS, type OptionSpec, optionSignature } from './options.js';

export interface CommandSummary {
  /** `build [IMAGE...]`, as the usage lists it. */
  synopsis: string;
  summary: string;
}

const GROUP_TITLES: Record<string, string> = {
  all: 'Options',
  generate: 'Generate options',
  build: 'Build options',
  resolve: 'Resolve options (each also read from the environment variable MLRun reads; an empty value means empty)',
  lint: 'Lint options',
  lock: 'Lock options',
};

function signatureOf(option: OptionSpec): string {
  return `${option.short ? '' : '    '}${optionSignature(option)}`;
}

function optionLine(option: OptionSpec, width: number): string {
  const owners = commandsOf(option);
  const shared = option.commands !== 'all' && owners.length > 1 ? ` (${owners.join(', ')})` : '';
  const env = option.env && !option.help.includes(option.env) ? ` (${option.env})` : '';
  return `  ${signatureOf(option).padEnd(width)}${option.help}${env}${shared}`;
}

/** The usage: commands, then options grouped under the first command they belong to. */
export function usageText(commands: readonly CommandSummary[]): string {
  const options = OPTIONS as readonly OptionSpec[];
  const width = Math.max(...options.map((option) => signatureOf(option).length)) + 2;
  const groups = new Map<string, string[]>();
  for (const option of options) {
    const group = option.commands === 'all' ? 'all' : option.commands[0]!;
    groups.set(group, [...(groups.get(group) ?? []), optionLine(option, width)]);
  }
  const sections = [...groups].map(([group, lines]) => `${GROUP_TITLES[group] ?? `${group} options`}:\n${lines.join('\n')}`);
  return [
    'Usage: mlrun-images <command> [options]',
    `Commands:\n${commands.map(({ synopsis, summary }) => `  ${synopsis.padEnd(20)}${summary}`).join('\n')}`,
    ...sections,
    'Exit codes: 0 done, 1 --check found differences or a build failed, 2 invalid manifest or usage, 130 interrupted.',
  ].join('\n\n');
}
