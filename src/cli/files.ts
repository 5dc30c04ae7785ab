/**
 * The one way this tool reads and writes files: what it reads must be a regular file of UTF-8 text (refused with the
 * place otherwise), and what it writes goes to one checked output folder, replacing only files it wrote itself.
 */
import { GENERATED_MARKER } from '../render/dockerfile.js';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { readdir, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError, MlrunImagesError } from '../errors.js';
import type { TemplateSources } from '../render/templates.js';
import { outputTarget, type RunInputs, writeFileWhole } from './output.js';

/** The package's own folder (its templates are the defaults): the nearest folder above this module with a package.json. */
function packageRoot(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(folder, 'package.json')) && dirname(folder) !== folder) folder = dirname(folder);
  return folder;
}
export const PACKAGE_ROOT = packageRoot();
export { GENERATED_MARKER };

/** The only paths this tool writes under the output folder; nothing else there is ever removed. */
const GENERATED_PATH = /^[^/]+\/Dockerfile(\.dockerignore)?$/;
const FILES_PER_BATCH = 500;
/** No file this tool reads needs more; larger ones are refused before they are read. */
const MAX_READ_BYTES = 64 * 1024 * 1024;
/** File systems that are not storage: writing there either fails oddly or never ends. */
const PSEUDO_FILE_SYSTEMS = ['/proc', '/sys', '/dev'];

/** The offset of the first byte that is not part of valid UTF-8, or -1. */
export function invalidUtf8Offset(bytes: Uint8Array): number {
  for (let index = 0; index < bytes.length; ) {
    const byte = bytes[index]!;
    const length = byte < 0x80 ? 1 : byte >= 0xc2 && byte <= 0xdf ? 2 : byte >= 0xe0 && byte <= 0xef ? 3 : byte >= 0xf0 && byte <= 0xf4 ? 4 : 0;
    if (length === 0) return index;
    for (let next = 1; next < length; next++) {
      const continuation = bytes[index + next];
      if (continuation === undefined || (continuation & 0xc0) !== 0x80) return index;
    }
    const second = bytes[index + 1] ?? 0;
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8 either.
    if ((byte === 0xe0 && second < 0xa0) || (byte === 0xed && second > 0x9f) || (byte === 0xf0 && second < 0x90) || (byte === 0xf4 && second > 0x8f))
      return index;
    index += length;
  }
  return -1;
}

/** Bytes as UTF-8 text; the first invalid byte is reported at its line and column. */
export function decodeUtf8(bytes: Uint8Array, shown: string): string {
  const offset = invalidUtf8Offset(bytes);
  if (offset === -1) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  const before = Buffer.from(bytes.buffer, bytes.byteOffset, offset).toString('utf8');
  const line = before.split('\n').length;
  const col = before.length - before.lastIndexOf('\n');
  const byte = bytes[offset]!.toString(16).padStart(2, '0');
  throw new InputError([{ location: { file: shown, line, col }, message: `the file is not valid UTF-8 (byte 0x${byte}); save it as UTF-8` }]);
}

/**
 * A text file this tool reads (manifest, lock file, templates, requirement files), named in messages as `shown`.
 * Undefined when it does not exist and `missing` is `ok`.
 */
export function readTextFile(path: string, shown: string, missing: 'ok' | 'error' = 'error'): string | undefined {
  let size: number;
  try {
    const stats = statSync(path);
    if (stats.isDirectory()) throw new MlrunImagesError(`${shown}: is a folder, not a file`);
    if (!stats.isFile()) throw new MlrunImagesError(`${shown}: is not a regular file`);
    size = stats.size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && missing === 'ok') return undefined;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new MlrunImagesError(`${shown}: no such file`);
    if (error instanceof MlrunImagesError) throw error;
    throw new MlrunImagesError(`${shown}: cannot be read: ${(error as Error).message}`);
  }
  if (size > MAX_READ_BYTES) throw new MlrunImagesError(`${shown}: the file is ${size} bytes, far too large to be read`);
  try {
    return decodeUtf8(readFileSync(path), shown);
  } catch (error) {
    if (error instanceof MlrunImagesError) throw error;
    throw new MlrunImagesError(`${shown}: cannot be read: ${(error as Error).message}`);
  }
}

/** `path` with symbolic links followed, when it stays inside `folder` (also resolved); undefined when it leaves it. */
export function pathInside(folder: string, path: string): string | undefined {
  const root = realpathSync(folder);
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    // A file that does not exist: judged by its path alone.
    real = resolve(path);
  }
  return real === root || real.startsWith(root + sep) ? real : undefined;
}

function readTemplateFolder(folder: string, into: Record<string, string>, shownFolder: string): void {
  if (!existsSync(folder)) return;
  const walk = (directory: string) => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      const name = relative(folder, path).split(sep).join('/');
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.hbs')) into[name] = readTextFile(path, `${shownFolder}/${name}`)!;
    }
  };
  walk(folder);
}

/** The package's templates, overlaid by a `templates/` folder beside the manifest (new layer kinds go there). */
export function readTemplates(manifestDir: string): TemplateSources {
  const sources: Record<string, string> = {};
  readTemplateFolder(join(PACKAGE_ROOT, 'templates'), sources, 'templates');
  const local = resolve(manifestDir, 'templates');
  if (resolve(local) !== resolve(PACKAGE_ROOT, 'templates')) readTemplateFolder(local, sources, 'templates');
  return sources;
}

export function readManifestText(path: string, shown: string): string {
  const text = readTextFile(path, shown, 'ok');
  if (text === undefined) throw new MlrunImagesError(`${shown}: no such file; run from the folder that holds images.yaml or pass --manifest FILE`);
  return text;
}

function listFiles(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(folder, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    if (code === 'EISDIR') return '';
    throw error;
  }
}

/**
 * `action` on each item with the file system's synchronous calls (a family's thousands of small files go twice as fast
 * as through the thread pool), letting signals and timers in between batches.
 */
async function inBatches<T, R>(items: readonly T[], action: (item: T) => R): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += FILES_PER_BATCH) {
    if (start > 0) await new Promise((resume) => setImmediate(resume));
    for (const item of items.slice(start, start + FILES_PER_BATCH)) results.push(action(item));
  }
  return results;
}

export interface OutputDifference {
  path: string;
  before?: string;
  after?: string;
}

/** Files that would change: written anew, changed, or produced no more (only files this tool wrote). */
export async function compareOutput(folder: string, files: ReadonlyMap<string, string>): Promise<OutputDifference[]> {
  // Into a folder not made yet every file is new: none is looked for (a new family's thousands of misses).
  const fresh = !existsSync(folder);
  const written = await inBatches([...files], ([path, after]): OutputDifference | undefined => {
    const before = fresh ? undefined : readIfExists(join(folder, path));
    return before === after ? undefined : { path, ...(before !== undefined ? { before } : {}), after };
  });
  const leftOver = await inBatches(
    listFiles(folder).filter((path) => !files.has(path) && GENERATED_PATH.test(path)),
    (path): OutputDifference | undefined => {
      const before = readFileSync(join(folder, path), 'utf8');
      return before.startsWith(GENERATED_MARKER) ? { path, before } : undefined;
    },
  );
  return [...written, ...leftOver].filter((difference): difference is OutputDifference => difference !== undefined);
}

/**
 * Where output may go: not empty, not on a pseudo file system, and every part of it that exists a folder. Checked
 * before anything is written.
 */
export async function checkOutputFolder(folder: string, shown: string): Promise<void> {
  const absolute = resolve(folder);
  if (PSEUDO_FILE_SYSTEMS.some((root) => absolute === root || absolute.startsWith(`${root}/`))) {
    throw new MlrunImagesError(`${shown}: is on ${absolute.split('/').slice(0, 2).join('/')}, which does not hold files; choose another output folder`);
  }
  for (let current = absolute; ; current = dirname(current)) {
    const stats = await stat(current).catch(() => undefined);
    if (stats && !stats.isDirectory()) throw new MlrunImagesError(`${shown}: ${current} is a file, not a folder`);
    if (stats || dirname(current) === current) return;
  }
}

/**
 * Make a folder and its missing parents, one level at a time, each tried once (a recursive mkdir can spin forever on
 * odd file systems).
 */
function makeFolder(folder: string): void {
  const attempt = () => {
    try {
      mkdirSync(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  };
  const refuse = (error: Error) => new MlrunImagesError(`cannot make the folder ${folder}: ${error.message}`);
  try {
    attempt();
  } catch (error) {
    const parent = dirname(folder);
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === folder) throw refuse(error as Error);
    makeFolder(parent);
    try {
      attempt();
    } catch (again) {
      throw refuse(again as Error);
    }
  }
}

function insideFolder(folder: string, path: string): string {
  const target = resolve(folder, path);
  if (!target.startsWith(resolve(folder) + sep)) throw new MlrunImagesError(`refusing to write ${path}: it is outside ${folder}`);
  return target;
}

/**
 * Apply the differences: each file written to a temporary name then renamed, stale generated files removed. A file in
 * the way that this tool did not write (no generated header) is never replaced: nothing is written then.
 */
export async function writeOutput(folder: string, differences: readonly OutputDifference[], shown = folder): Promise<void> {
  const foreign = differences.filter(({ before }) => before !== undefined && !before.startsWith(GENERATED_MARKER)).map(({ path }) => `${shown}/${path}`);
  if (foreign.length > 0) {
    throw new MlrunImagesError(
      `refusing to replace ${foreign.join(', ')}: not written by mlrun-images (no "${GENERATED_MARKER}" header); move ${foreign.length > 1 ? 'them' : 'it'} away or choose another output folder`,
    );
  }
  const targets = differences.map((difference) => ({ ...difference, target: insideFolder(folder, difference.path) }));
  // Into a folder not made yet, each file's folder is made before it is written (not after a failed write).
  const folders = existsSync(folder) ? 'maybe' : 'missing';
  const writes = targets.filter(({ after }) => after !== undefined);
  let written = 0;
  try {
    await inBatches(writes, ({ target, path, after }) => {
      writeWhole(target, after!, folders, `${shown}/${path}`);
      written++;
    });
  } catch (error) {
    if (!(error instanceof MlrunImagesError)) throw error;
    // Each file is whole, old or new: say how far it got, so that a second run after freeing space finishes it.
    throw new MlrunImagesError(
      `${error.message}; ${written} of the ${writes.length} changed file(s) in ${shown}/ were written, the others are as they were: run it again once that is mended`,
    );
  }
  for (const { target, after } of targets) {
    if (after !== undefined) continue;
    await rm(target, { force: true });
    await removeEmptyParents(folder, dirname(target));
  }
}

async function removeEmptyParents(folder: string, directory: string): Promise<void> {
  const root = resolve(folder);
  for (let current = directory; current.startsWith(root + sep); current = dirname(current)) {
    if ((await readdir(current)).length > 0) return;
    await rmdir(current);
  }
}

/**
 * Write one file this tool owns (a bake file, a workflow): only into a new path or over a regular file that `isOurs`
 * recognises as one this tool wrote, never over an input of the run; made with its folders, written whole. Returns
 * whether the text changed.
 */
export async function writeOwnFile(
  option: string,
  target: string,
  text: string,
  { isOurs, cwd, inputs }: { isOurs: (existing: string) => boolean; cwd: string; inputs: RunInputs },
): Promise<{ changed: boolean; shown: string }> {
  const checked = outputTarget(option, target, cwd, inputs, { stdout: false });
  if (checked.kind !== 'file') throw new MlrunImagesError(`${option}: expected a file`);
  const { path, shown } = checked;
  await checkOutputFolder(dirname(path), shown);
  const before = readTextFile(path, shown, 'ok');
  if (before === text) return { changed: false, shown };
  if (before !== undefined && !isOurs(before)) {
    throw new MlrunImagesError(`refusing to replace ${shown}: not written by mlrun-images; move it away or choose another file with -o`);
  }
  writeWhole(path, text, 'maybe', shown);
  return { changed: true, shown };
}

/**
 * Write a file whole (see writeFileWhole): its folders made. A folder known to be `missing` is made first; otherwise
 * only when the first write finds it missing.
 */
function writeWhole(path: string, text: string, folder: 'maybe' | 'missing' = 'maybe', shown = path): void {
  if (folder === 'missing' || !existsSync(dirname(path))) makeFolder(resolve(dirname(path)));
  writeFileWhole(path, text, shown);
}
