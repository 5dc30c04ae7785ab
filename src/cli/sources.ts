/**
 * Source checkouts (`sources:`): where each is, for the images built from it. Its variable names the folder; left
 * empty, the folder the command runs in is the checkout when it holds what the source says a checkout holds; else the
 * source's git URL, when it has one. `generate` needs none of this (only paths); `build` and `lint` do.
 */
import { existsSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { Family } from '../family/family.js';
import type { SourceSpec } from '../manifest/types.js';

/** A source as this run finds it: a checkout folder, or a git URL the engine fetches. */
export type ResolvedSource = { folder: string } | { git: string };

/** What a folder lacks of what a checkout holds (`mlrun/`: a folder; else a file). */
export function missingFrom(folder: string, holds: readonly string[]): string[] {
  return holds.filter((path) => {
    const target = join(folder, path);
    if (!existsSync(target)) return true;
    return path.endsWith('/') ? !statSync(target).isDirectory() : !statSync(target).isFile();
  });
}

/** Where one source is; a usage error (exit 2) that names what was looked for when it is nowhere. */
export function resolveSource(name: string, source: SourceSpec, value: string, cwd: string): ResolvedSource {
  const shown = (folder: string) => relative(cwd, folder) || '.';
  if (value !== '') {
    const folder = resolve(cwd, value);
    if (!existsSync(folder) || !statSync(folder).isDirectory()) {
      throw new UsageError(
        `${source.variable}=${value}: no such folder; set ${source.variable} to the ${name} checkout (a folder with ${source.holds.join(', ')})`,
      );
    }
    const missing = missingFrom(folder, source.holds);
    if (missing.length > 0) {
      throw new UsageError(
        `${source.variable}=${value}: ${shown(folder)} does not look like the ${name} checkout: it has no ${missing.join(', ')}; set ${source.variable} to the ${name} checkout`,
      );
    }
    return { folder };
  }
  const missing = missingFrom(cwd, source.holds);
  if (missing.length === 0) return { folder: resolve(cwd) };
  if (source.git) return { git: source.git };
  throw new UsageError(
    `no ${name} checkout: ${source.variable} is not set, and the folder this runs in (${resolve(cwd)}) is not one (it has no ${missing.join(', ')}); ` +
      `set ${source.variable} to the ${name} checkout, or run from it`,
  );
}

/** The sources the named images are built from, each resolved once; every problem is reported together. */
export function resolveSources(family: Family, images: readonly string[], cwd: string): Map<string, ResolvedSource> {
  const resolved = new Map<string, ResolvedSource>();
  const problems: string[] = [];
  for (const image of images) {
    const name = family.graph.image(image).spec.source;
    if (name === undefined || resolved.has(name)) continue;
    const source = family.sources[name]!;
    try {
      resolved.set(name, resolveSource(name, source, family.values[source.variable] ?? '', cwd));
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      if (!problems.includes(error.message)) problems.push(error.message);
    }
  }
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  return resolved;
}

/** An image's build context: its source's checkout or git URL, else its `context` folder (relative to the manifest). */
export function contextOf(family: Family, image: string, sources: ReadonlyMap<string, ResolvedSource>, manifestFolder: string): string {
  const { source, context } = family.graph.image(image).spec;
  if (source !== undefined) {
    const found = sources.get(source)!;
    return 'folder' in found ? found.folder : found.git;
  }
  return resolve(manifestFolder, context ?? '.');
}

/** Whether a build context is a git URL (a source without a checkout), which only the engine can read. */
export function isGitContext(context: string): boolean {
  return /^(https?|git|ssh):\/\//.test(context) || context.startsWith('git@');
}
