/**
 * The files a build can read from its context, each with its sha256: what the engine would send, as the ignore file
 * says (the generated `Dockerfile.dockerignore`, else the context's own `.dockerignore`, else everything).
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
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

/**
 * path → `sha256` (with ` executable` when any execute bit is set; a symbolic link is its target). The walk does not
 * enter a folder the ignore file excludes unless an exception (`!path`) names something inside it.
 */
export function contextFileDigests(context: string, generatedIgnore: string | undefined): Record<string, string> {
  const ignoreText = generatedIgnore ?? readTextFile(join(context, '.dockerignore'), `${context}/.dockerignore`, 'ok') ?? '';
  const patterns = patternsOf(ignoreText);
  const matcher = ignoreMatcher(patterns);
  const exceptions = patterns.filter((pattern) => pattern.startsWith('!')).map((pattern) => pattern.slice(1).replace(/^\/+/, ''));
  const mayHoldException = (folder: string) => exceptions.some((exception) => exception.startsWith(`${folder}/`) || /[*?[]/.test(exception));
  const digests: Record<string, string> = {};
  const walk = (relativeFolder: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(join(context, relativeFolder), { withFileTypes: true });
    } catch (error) {
      throw new MlrunImagesError(`cannot read the build context ${join(context, relativeFolder)}: ${(error as Error).message}`);
    }
    for (const entry of entries) {
      const path = relativeFolder === '' ? entry.name : `${relativeFolder}/${entry.name}`;
      if (relativeFolder === '' && NEVER_INPUTS.has(entry.name)) continue;
      const ignored = matcher.ignores(path);
      if (entry.isDirectory()) {
        if (!ignored || mayHoldException(path)) walk(path);
        continue;
      }
      if (ignored) continue;
      digests[path] = fileDigest(join(context, path));
    }
  };
  walk('');
  return Object.fromEntries(Object.entries(digests).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function fileDigest(path: string): string {
  const stats = lstatSync(path);
  const hash = createHash('sha256');
  if (stats.isSymbolicLink()) return `link ${readlinkSync(path)}`;
  hash.update(readFileSync(path));
  return `sha256:${hash.digest('hex')}${stats.mode & 0o111 ? ' executable' : ''}`;
}
