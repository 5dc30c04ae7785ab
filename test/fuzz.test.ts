/**
 * Fuzzing the loader and the renderer, seeded and bounded in time. For any input:
 * - the command exits 0 or 2, never with a JavaScript stack trace, and writes nothing when it refuses;
 * - a generated Dockerfile holds exactly the instructions its manifest declares: the same manifest with every value
 *   replaced by a harmless one renders the same sequence of instructions, so no value can add, join or hide one.
 */
import { DockerfileParser } from 'dockerfile-ast';
import fc from 'fast-check';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { PACKAGE_ROOT } from '../src/cli/files.js';
import { ManifestError } from '../src/errors.js';
import { RELEASE_VARIABLES } from '../src/mlrun/naming.js';
import { render, runCli, TEMPLATES } from './helpers.js';

const SEED = 20261128;
/** Each property gets this long at most; fast-check stops early and reports what it ran. */
const TIME_LIMIT_MS = 6_000;
const settings = { seed: SEED, numRuns: 400, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false } as const;

const scratch = mkdtempSync(join(tmpdir(), 'mlrun-images-fuzz-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Pieces that have broken Dockerfiles, shells and YAML before. */
const NASTY = [
  '\n',
  '\r',
  '\r\n',
  '\t',
  '\u0000',
  '\u001b[2J',
  '\u2028',
  '\\',
  '\\\n',
  ' \\',
  '"',
  "'",
  '`',
  '$',
  '${',
  '}',
  '$$',
  '$${x}',
  '${MLRUN_VERSION}',
  '${MLRUN_VERSION:-1}',
  '${UNDEFINED}',
  '$(id)',
  '<<EOF',
  '<<-"EOF"',
  "<<'EOF'",
  '<<\\EOF',
  '2<<X',
  '<<<x',
  '#',
  ' # c',
  'RUN evil',
  '\nRUN evil',
  '\\\nRUN evil',
  '&&',
  ';',
  '|',
  '--force',
  '-x',
  '..',
  '../..',
  '/',
  '*',
  '[a]',
  '{a: b}',
  '- x',
  ': ',
  '&a',
  '*a',
  '!!str',
  '%TAG',
  '---',
  '...',
  '=',
  '@',
  'é',
  '💥',
  '\ud800',
  ' ',
];

const fragment = fc.oneof(fc.constantFrom(...NASTY), fc.string({ maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 4 }));
const fuzzString = fc.tuple(fc.array(fragment, { minLength: 0, maxLength: 5 }), fc.constantFrom('', ' ')).map(([parts, separator]) => parts.join(separator));

/** Where a value goes in an image, and a harmless value for that place. */
interface Slot {
  harmless: unknown;
  put(image: Record<string, unknown>, value: unknown): void;
}

const layer = (kind: string, params: Record<string, unknown>) => ({ [kind]: params });
const SLOTS: Record<string, Slot> = {
  description: { harmless: 'x', put: (image, value) => Object.assign(image, { description: value }) },
  env: { harmless: 'x', put: (image, value) => Object.assign(image, { env: { A: value, B: 'b' } }) },
  envKey: { harmless: 'A', put: (image, value) => Object.assign(image, { env: { [String(value)]: 'x' } }) },
  label: { harmless: 'x', put: (image, value) => Object.assign(image, { labels: { 'org.example.a': value } }) },
  arg: { harmless: 'x', put: (image, value) => Object.assign(image, { args: { A: value } }) },
  workdir: { harmless: '/x', put: (image, value) => Object.assign(image, { workdir: value }) },
  user: { harmless: 'x', put: (image, value) => Object.assign(image, { user: value }) },
  expose: { harmless: '80', put: (image, value) => Object.assign(image, { expose: [value] }) },
  volume: { harmless: '/v', put: (image, value) => Object.assign(image, { volumes: [value] }) },
  cmd: { harmless: 'x', put: (image, value) => Object.assign(image, { cmd: ['run', value] }) },
  entrypoint: { harmless: 'x', put: (image, value) => Object.assign(image, { entrypoint: [value] }) },
  run: { harmless: 'true', put: (image, value) => (image.layers as unknown[]).push(layer('run', { commands: ['echo a', value] })) },
  apt: { harmless: 'curl', put: (image, value) => (image.layers as unknown[]).push(layer('apt', { packages: [value] })) },
  pip: { harmless: 'x', put: (image, value) => (image.layers as unknown[]).push(layer('pip', { packages: [value] })) },
  pipFile: { harmless: 'r.txt', put: (image, value) => (image.layers as unknown[]).push(layer('pip', { requirements: [value] })) },
  copySrc: { harmless: 'a', put: (image, value) => (image.layers as unknown[]).push(layer('copy', { src: value, dest: '/d' })) },
  copyDest: { harmless: '/d', put: (image, value) => (image.layers as unknown[]).push(layer('copy', { src: 'a', dest: value })) },
  copyChown: { harmless: 'x', put: (image, value) => (image.layers as unknown[]).push(layer('copy', { src: 'a', dest: '/d', chown: value })) },
  userLayer: { harmless: 'x', put: (image, value) => (image.layers as unknown[]).push(layer('user', { name: value })) },
  miniconda: { harmless: 'py39_1', put: (image, value) => (image.layers as unknown[]).push(layer('miniconda', { version: value })) },
  openmpi: { harmless: '4.1.5', put: (image, value) => (image.layers as unknown[]).push(layer('openmpi', { version: value })) },
  mlrunDest: { harmless: '/src', put: (image, value) => (image.layers as unknown[]).push(layer('mlrun', { dest: value, extras: ['complete'] })) },
  mlrunExtra: { harmless: 'api', put: (image, value) => (image.layers as unknown[]).push(layer('mlrun', { extras: [value] })) },
  mlrunVersion: { harmless: '1.7.0', put: (image, value) => (image.layers as unknown[]).push(layer('mlrun', { version: value })) },
  condaPython: {
    harmless: '3.11',
    put: (image, value) => (image.layers as unknown[]).push(layer('miniconda', { version: '23.1.0-1', python: value, pip: '24.0' })),
  },
  base: { harmless: 'debian:12', put: (image, value) => Object.assign(image, { base: value }) },
  customSh: { harmless: 'x', put: (image, value) => (image.layers as unknown[]).push(layer('shell', { word: value, value: 'x', text: 'true' })) },
  customDq: { harmless: 'x', put: (image, value) => (image.layers as unknown[]).push(layer('shell', { word: 'x', value, text: 'true' })) },
  customRaw: { harmless: 'true', put: (image, value) => (image.layers as unknown[]).push(layer('shell', { word: 'x', value: 'x', text: value })) },
};
/** A custom kind that prints its parameters through each quoting helper. */
const FUZZ_TEMPLATES = { ...TEMPLATES, 'layers/shell.hbs': 'ENV W={{sh word}} V={{dq value}}\nRUN echo {{sh word}} && {{raw text}}' };

function manifestWith(slots: readonly [string, unknown][]): string {
  const image: Record<string, unknown> = { base: 'debian:12', layers: [] };
  for (const [slot, value] of slots) SLOTS[slot]!.put(image, value);
  return stringify({ version: 1, variables: { MLRUN_VERSION: '1.7.0' }, images: { app: image } });
}

/** A RUN word that BuildKit reads as the start of a heredoc (`<<EOF`, `2<<-'EOF'`, `<<\\EOF`; not `<<<`). */
const HEREDOC_WORD = /^\d*<<(?!<)/;

/** Shell words as a shell lexer splits them: quotes and backslashes keep what they hold in one word, unquoted. */
function shellWords(text: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (/\s/.test(char)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (char === "'" || char === '"') {
      const end = text.indexOf(char, index + 1);
      word = (word ?? '') + text.slice(index + 1, end === -1 ? undefined : end);
      index = end === -1 ? text.length : end;
    } else if (char === '\\') {
      word = (word ?? '') + (text[++index] ?? '');
    } else {
      word = (word ?? '') + char;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/**
 * The Dockerfile's instructions, keyword by keyword, as a Dockerfile parser reads them (a RUN that opens a heredoc
 * counts as another instruction: it swallows the lines after it). The `ARG` a release variable adds before its first
 * use is what a value that reads one asks for, so it is left out.
 */
function instructions(dockerfile: string): string[] {
  return DockerfileParser.parse(dockerfile)
    .getInstructions()
    .filter(
      (instruction) => !(instruction.getKeyword() === 'ARG' && RELEASE_VARIABLES.some((name) => instruction.getArgumentsContent()?.startsWith(`${name}=`))),
    )
    .map((instruction) => {
      const words = shellWords(instruction.getArgumentsContent() ?? '');
      return instruction.getKeyword() === 'RUN' && words.some((word) => HEREDOC_WORD.test(word)) ? 'RUN <<heredoc' : instruction.getKeyword();
    });
}

/** The rendered Dockerfile, or undefined when the manifest is refused (as it must be: with a ManifestError). */
function renderOrRefuse(text: string): string | undefined {
  try {
    return render(text, { templates: FUZZ_TEMPLATES }).get('app/Dockerfile');
  } catch (error) {
    if (error instanceof ManifestError) return undefined;
    throw error;
  }
}

describe('fuzz: values cannot change the instructions', () => {
  const slotNames = Object.keys(SLOTS);
  test('every harmless manifest renders', () => {
    for (const slot of slotNames) expect(renderOrRefuse(manifestWith([[slot, SLOTS[slot]!.harmless]])), slot).toBeDefined();
  });

  const sameInstructions = (slots: [string, unknown][]) => {
    const fuzzed = renderOrRefuse(manifestWith(slots));
    if (fuzzed === undefined) return;
    const harmless = renderOrRefuse(manifestWith(slots.map(([slot]) => [slot, SLOTS[slot]!.harmless])))!;
    expect(instructions(fuzzed)).toEqual(instructions(harmless));
    expect(fuzzed).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  };

  test('a value is refused with a ManifestError, or it leaves the instructions as a harmless value would', () => {
    const slotted = fc.array(fc.tuple(fc.constantFrom(...slotNames), fuzzString), { minLength: 1, maxLength: 4 });
    fc.assert(fc.property(slotted, sameInstructions), settings);
  });

  test('the same for raw shell text (run commands, `raw` in a template), from the nastiest pieces', () => {
    const nasty = fc.array(fc.constantFrom(...NASTY, 'echo', 'x', 'EOF'), { minLength: 1, maxLength: 4 });
    const shellText = fc.tuple(nasty, fc.constantFrom('', ' ')).map(([parts, separator]) => parts.join(separator));
    const slotted = fc.array(fc.tuple(fc.constantFrom('run', 'customRaw'), shellText), { minLength: 1, maxLength: 2 });
    fc.assert(fc.property(slotted, sameInstructions), settings);
  });
});

/** Every file under a folder with its content and modification time. */
function snapshot(folder: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(folder, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(folder, path).split(sep).join('/'), `${statSync(path).mtimeMs} ${readFileSync(path, 'utf8')}`);
  }
  return files;
}

describe('fuzz: the command line on damaged manifests', () => {
  const original = readFileSync(join(PACKAGE_ROOT, 'images.yaml'), 'utf8');
  /** The project's manifest with a few random edits: characters cut out, nasty pieces put in. */
  const damaged = fc
    .array(fc.tuple(fc.nat({ max: original.length }), fc.nat({ max: 12 }), fc.oneof(fc.constant(''), fragment)), { minLength: 1, maxLength: 4 })
    .map((edits) => edits.reduce((text, [at, cut, insert]) => text.slice(0, at) + insert + text.slice(at + cut), original));

  test('generate exits 0 or 2, prints no stack trace, and writes nothing when it refuses', async () => {
    const project = join(scratch, 'project');
    cpSync(PACKAGE_ROOT, project, {
      recursive: true,
      filter: (source) => !/[\\/](node_modules|\.git|dist|\.build|test|bench)([\\/]|$)/.test(source.slice(PACKAGE_ROOT.length)),
    });
    await fc.assert(
      fc.asyncProperty(damaged, async (text) => {
        writeFileSync(join(project, 'images.yaml'), text);
        const before = snapshot(join(project, 'generated'));
        const result = await runCli(project, ['generate']);
        expect([0, 2], result.stderr).toContain(result.code);
        expect(result.stderr).not.toMatch(/\n\s+at /);
        if (result.code === 2) expect(snapshot(join(project, 'generated'))).toEqual(before);
      }),
      { ...settings, numRuns: 200 },
    );
  });
});
