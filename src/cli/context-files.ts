/**
 * The files a build can read from its context, each with its sha256: what the engine would send, as the ignore file
 * says (the generated `Dockerfile.dockerignore`, else the context's own `.dockerignore`, else everything).
 */
import { createHash } from 'node:crypto';
import { closeSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import dockerignore from '@balena/dockerignore';
import { MlrunImagesError } from '../errors.js';
import { readTextFile } from './files.js';

/**
 * Never inputs, at the top of a context: git's own folder differs between two checkouts of the same commit (its index
 * holds times), and a build that reads it reads the checkout's history, not its files; `.build` is this tool's own
 * work folder (logs, Dockerfiles) when the context is the manifest's folder.
 */
const NEVER_INPUTS = new Set(['.git', '.build']);

/** What an ignore file's patterns leave out of a build, as docker reads them. */
export function ignoreMatcher(patterns: readonly string[]): { ignores(path: string): boolean } {
  // A CommonJS module: its default import is `module.exports`, which names the factory again as `default`.
  return dockerignore.default({ ignorecase: false }).add([...patterns]);
}

/** Patterns of an ignore file, blank lines and comments left out. */
export function patternsOf(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** Folders that are not a build context: the whole file system, and those that hold no files (a walk never ends there). */
const NOT_CONTEXTS = ['/proc', '/sys', '/dev'];
const CHUNK = 1024 * 1024;

/** Why a folder cannot be a build context (undefined: it can), by its real path. */
export function contextRootProblem(real: string): string | undefined {
  if (real === '/') return 'it is the whole file system';
  const pseudo = NOT_CONTEXTS.find((root) => real === root || real.startsWith(`${root}/`));
  return pseudo === undefined ? undefined : `it is on ${pseudo}, which holds no files to build from`;
}

/** What a walk of a context found: each file's digest, and whether its ignore file left out everything it has. */
export interface ContextFiles {
  digests: Record<string, string>;
  /** The context has files, and the ignore file leaves none of them to the build. */
  allIgnored: boolean;
}

const SPECIAL: [(entry: import('node:fs').Stats) => boolean, string][] = [
  [(stats) => stats.isFIFO(), 'a named pipe'],
  [(stats) => stats.isSocket(), 'a socket'],
  [(stats) => stats.isCharacterDevice(), 'a character device'],
  [(stats) => stats.isBlockDevice(), 'a block device'],
];

/**
 * path → `sha256` (with ` executable` when any execute bit is set; a symbolic link is its target), for the regular
 * files and symbolic links a build would send. Files are read as streams, whatever their size. A special file (a named
 * pipe, a device) or a path that cannot be read is an error naming it; so is a context that is the whole file system
 * or on /proc. The walk does not enter a folder the ignore file excludes unless an exception (`!path`) names something
 * inside it.
 */
export function contextFiles(context: string, generatedIgnore: string | undefined): ContextFiles {
  let root: string;
  try {
    root = realpathSync(context);
  } catch (error) {
    throw new MlrunImagesError(`cannot read the build context ${context}: ${(error as Error).message}`);
  }
  const problem = contextRootProblem(root);
  if (problem) throw new MlrunImagesError(`the build context ${context} cannot be built from: ${problem}; name the folder the image is built from`);
  const ignoreText = generatedIgnore ?? readTextFile(join(context, '.dockerignore'), `${context}/.dockerignore`, 'ok') ?? '';
  const patterns = patternsOf(ignoreText);
  const matcher = ignoreMatcher(patterns);
  const exceptions = patterns.filter((pattern) => pattern.startsWith('!')).map((pattern) => pattern.slice(1).replace(/^\/+/, ''));
  const mayHoldException = (folder: string) => exceptions.some((exception) => exception.startsWith(`${folder}/`) || /[*?[]/.test(exception));
  const digests: Record<string, string> = {};
  let anyFile = false;
  const walk = (relativeFolder: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(join(context, relativeFolder), { withFileTypes: true });
    } catch (error) {
      throw new MlrunImagesError(`cannot read the build context's folder ${join(context, relativeFolder)}: ${(error as Error).message}`);
    }
    for (const entry of entries) {
      const path = relativeFolder === '' ? entry.name : `${relativeFolder}/${entry.name}`;
      if (relativeFolder === '' && NEVER_INPUTS.has(entry.name)) continue;
      const ignored = matcher.ignores(path);
      if (entry.isDirectory()) {
        if (!ignored || mayHoldException(path)) walk(path);
        continue;
      }
      if (!(relativeFolder === '' && entry.name === '.dockerignore')) anyFile = true;
      if (ignored) continue;
      digests[path] = fileDigest(join(context, path));
    }
  };
  walk('');
  const sorted = Object.fromEntries(Object.entries(digests).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { digests: sorted, allIgnored: anyFile && Object.keys(sorted).length === 0 };
}

/** The digests alone (see contextFiles). */
export function contextFileDigests(context: string, generatedIgnore: string | undefined): Record<string, string> {
  return contextFiles(context, generatedIgnore).digests;
}

function fileDigest(path: string): string {
  const fail = (why: string) => new MlrunImagesError(`cannot read ${path} in the build context: ${why}`);
  let stats: import('node:fs').Stats;
  try {
    stats = lstatSync(path);
  } catch (error) {
    throw fail((error as Error).message);
  }
  if (stats.isSymbolicLink()) return `link ${readlinkSync(path)}`;
  const special = SPECIAL.find(([test]) => test(stats))?.[1];
  if (special) throw fail(`it is ${special}, which a build cannot send; leave it out with the context's .dockerignore`);
  const hash = createHash('sha256');
  let descriptor: number | undefined;
  try {
    descriptor = openSync(path, 'r');
    const buffer = Buffer.allocUnsafe(CHUNK);
    for (let read = readSync(descriptor, buffer, 0, CHUNK, null); read > 0; read = readSync(descriptor, buffer, 0, CHUNK, null))
      hash.update(buffer.subarray(0, read));
  } catch (error) {
    throw fail((error as Error).message);
  } finally {
    if (descriptor !== undefined) closeSync(descriptor);
  }
  return `sha256:${hash.digest('hex')}${stats.mode & 0o111 ? ' executable' : ''}`;
}
