/**
 * The one policy for every file this tool writes on a person's behalf (summaries, reports, the bake file, the workflow,
 * generated Dockerfiles): never over an input of the run, only into a regular file or a new path, whole or not at all
 * (a temporary file beside it, renamed into place, removed on any failure), and every error names the path. A summary
 * may go to standard output instead: `-`.
 */
import { closeSync, lstatSync, mkdirSync, openSync, realpathSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { MlrunImagesError, UsageError } from '../errors.js';

/** What a run reads: files, and folders whose every file it may read. Paths are absolute, symbolic links followed. */
export interface RunInputs {
  files: ReadonlySet<string>;
  folders: readonly string[];
}

export type OutputTarget = { kind: 'stdout' } | { kind: 'file'; path: string; shown: string };

/** A path with its symbolic links followed, as far as it exists (the missing rest kept as written). */
export function realPath(path: string): string {
  const absolute = resolve(path);
  try {
    return realpathSync(absolute);
  } catch {
    const parent = dirname(absolute);
    return parent === absolute ? absolute : join(realPath(parent), basename(absolute));
  }
}

/** A path as a person reaches it from `cwd`: relative below it, else absolute. */
export function shownPath(cwd: string, path: string): string {
  const relativePath = relative(cwd, path);
  return relativePath === '' || relativePath.startsWith('..') ? path : relativePath;
}

/** Inputs from their paths as written: each made absolute and real. */
export function runInputs(files: Iterable<string>, folders: Iterable<string>): RunInputs {
  return { files: new Set([...files].map(realPath)), folders: [...new Set([...folders].map(realPath))] };
}

function inputHolding(inputs: RunInputs, real: string): string | undefined {
  if (inputs.files.has(real)) return real;
  return inputs.folders.find((folder) => real === folder || real.startsWith(folder + sep));
}

const KIND_OF: [(stats: import('node:fs').Stats) => boolean, string][] = [
  [(stats) => stats.isDirectory(), 'a folder'],
  [(stats) => stats.isCharacterDevice(), 'a character device'],
  [(stats) => stats.isBlockDevice(), 'a block device'],
  [(stats) => stats.isFIFO(), 'a named pipe'],
  [(stats) => stats.isSocket(), 'a socket'],
  [(stats) => stats.isSymbolicLink(), 'a symbolic link'],
];

/**
 * Where `--option VALUE` writes, checked before anything runs: standard output for `-` (when the option may go there),
 * else a path that is new or a regular file, and not an input of this run.
 */
export function outputTarget(option: string, value: string, cwd: string, inputs: RunInputs, { stdout = true } = {}): OutputTarget {
  if (value === '-') {
    if (!stdout) throw new UsageError(`${option} -: this file cannot go to standard output; name a file`);
    return { kind: 'stdout' };
  }
  const path = resolve(cwd, value);
  const shown = shownPath(cwd, path);
  const refuse = (why: string) => new UsageError(`${option} ${value}: refusing to write ${shown}: ${why}`);
  let stats: import('node:fs').Stats | undefined;
  try {
    stats = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && (error as NodeJS.ErrnoException).code !== 'ENOTDIR') {
      throw refuse(`it cannot be looked at (${(error as Error).message})`);
    }
  }
  if (stats && !stats.isFile()) {
    const kind = KIND_OF.find(([test]) => test(stats))?.[1] ?? 'not a regular file';
    const target = stats.isSymbolicLink() ? ` (to ${realPath(path)})` : '';
    throw refuse(`it is ${kind}${target}, not a regular file; name a new file or a regular one`);
  }
  const input = inputHolding(inputs, realPath(path));
  if (input !== undefined) {
    const what = input === realPath(path) ? 'an input of this run' : `inside ${shownPath(cwd, input)}, an input of this run`;
    throw refuse(`it is ${what}; write the summary elsewhere`);
  }
  return { kind: 'file', path, shown };
}

/** `--json A --junit A`, or two summaries to standard output: refused before anything runs. */
export function checkDistinctTargets(targets: readonly [string, OutputTarget | undefined][]): void {
  const seen = new Map<string, string>();
  for (const [option, target] of targets) {
    if (!target) continue;
    const key = target.kind === 'stdout' ? '-' : realPath(target.path);
    const other = seen.get(key);
    if (other)
      throw new UsageError(`${other} and ${option} both write ${target.kind === 'stdout' ? 'to standard output' : target.shown}; give them different files`);
    seen.set(key, option);
  }
}

/** Why a write failed, in words, with the system's code (`no space left on device (ENOSPC)`). */
function reason(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  const words: Record<string, string> = {
    ENOSPC: 'no space left on device',
    EDQUOT: 'the disk quota is used up',
    EACCES: 'permission denied',
    EPERM: 'not permitted',
    EROFS: 'the file system is read-only',
    EIO: 'an input/output error',
    ENOENT: 'its folder does not exist',
    EISDIR: 'it is a folder',
  };
  return code && words[code] ? `${words[code]} (${code})` : message.replace(/^[A-Z]+: /, '');
}

/**
 * Write a file whole: into a temporary file beside it, then renamed over it; on any failure (a full disk) the temporary
 * file is removed and the target left as it was. The error names the file.
 */
export function writeFileWhole(path: string, text: string | Uint8Array, shown = path): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  let descriptor: number | undefined;
  try {
    descriptor = openSync(temporary, 'wx', 0o644);
    const bytes = typeof text === 'string' ? Buffer.from(text) : text;
    for (let written = 0; written < bytes.length; ) written += writeSync(descriptor, bytes, written, bytes.length - written);
    closeSync(descriptor);
    descriptor = undefined;
    renameSync(temporary, path);
  } catch (error) {
    if (descriptor !== undefined) closeSync(descriptor);
    rmSync(temporary, { force: true });
    throw new MlrunImagesError(`cannot write ${shown}: ${reason(error)}`);
  }
}

/** A summary to its target: standard output, or a file written whole. */
export function writeTo(target: OutputTarget, text: string, stdout: { write(text: string): unknown }): void {
  if (target.kind === 'stdout') {
    stdout.write(text);
    return;
  }
  try {
    mkdirSync(dirname(target.path), { recursive: true });
  } catch (error) {
    throw new MlrunImagesError(`cannot write ${target.shown}: cannot make its folder: ${reason(error)}`);
  }
  writeFileWhole(target.path, text, target.shown);
}

/** Whether a path exists and is a regular file (a symbolic link followed). */
export function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The `--json` and `--junit` targets of a command, checked against the run's inputs and each other before it runs. */
export function summaryTargets(
  values: { json?: string | undefined; junit?: string | undefined },
  cwd: string,
  inputs: () => RunInputs,
): { json?: OutputTarget; junit?: OutputTarget } {
  const json = values.json === undefined ? undefined : outputTarget('--json', values.json, cwd, inputs());
  const junit = values.junit === undefined ? undefined : outputTarget('--junit', values.junit, cwd, inputs());
  checkDistinctTargets([
    ['--json', json],
    ['--junit', junit],
  ]);
  return { ...(json ? { json } : {}), ...(junit ? { junit } : {}) };
}
