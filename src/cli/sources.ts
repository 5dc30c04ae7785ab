/**
 * Source checkouts (`sources:`): where each is, for the images built from it. Its variable names the folder; left
 * empty, the folder the command runs in is the checkout when it holds what the source says a checkout holds; else the
 * source's git URL, when it has one. `generate` needs none of this (only paths); `build` and `lint` do.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ManifestError, UsageError } from '../errors.js';
import { type CheckoutFacts, type CheckoutReader, missingCheckoutPaths, pathFacts, readCheckoutFacts } from '../family/checkout.js';
import type { Family } from '../family/family.js';
import type { SourceSpec } from '../manifest/types.js';
import { contextRootProblem, ignoreMatcher, patternsOf } from './context-files.js';
import { PACKAGE_ROOT, pathInside, readTextFile } from './files.js';
import { isRegularFile, type RunInputs, runInputs } from './output.js';
import { LOCK_FILE } from '../lock/lockfile.js';
import { contextPathsOf } from '../layers/index.js';
import { layersOfImage } from '../family/inherit.js';

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
    const problem = existsSync(folder) ? contextRootProblem(realpathSync(folder)) : undefined;
    if (problem) throw new UsageError(`${source.variable}=${value}: ${shown(folder)} cannot be the ${name} checkout: ${problem}`);
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

/** A checkout folder as the pure checks read it: files (inside it only), git, and what its .dockerignore leaves out. */
export function checkoutReader(folder: string): CheckoutReader {
  const inside = (path: string) => pathInside(folder, join(folder, path));
  let ignores: ((path: string) => boolean) | undefined;
  const ignored = (path: string) => {
    if (ignores === undefined) {
      const matcher = ignoreMatcher(patternsOf(readTextFile(join(folder, '.dockerignore'), `${folder}/.dockerignore`, 'ok') ?? ''));
      ignores = (candidate) => matcher.ignores(candidate);
    }
    return ignores(path);
  };
  const git = (args: string[]) => {
    try {
      return (
        execFileSync('git', args, { cwd: folder, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, TZ: 'UTC' } }).trim() ||
        undefined
      );
    } catch {
      return undefined;
    }
  };
  // A folder inside another repository is not a git checkout of its own: its facts are not that repository's.
  let isRepository: boolean | undefined;
  const fromGit = (args: string[]) => {
    isRepository ??= git(['rev-parse', '--show-toplevel']) === realpathSync(folder);
    return isRepository ? git(args) : undefined;
  };
  return {
    folder,
    read: (path) => {
      const file = inside(path);
      if (file === undefined) return undefined;
      try {
        return readTextFile(file, `${folder}/${path}`, 'ok');
      } catch {
        return undefined;
      }
    },
    git: (what) => (what === 'commit' ? fromGit(['rev-parse', '--short', 'HEAD']) : fromGit(['log', '-1', '--format=%cd', '--date=iso-strict-local'])),
    lookup: (path) => {
      const file = inside(path);
      if (file === undefined || !existsSync(file)) return 'missing';
      return ignored(path.replace(/^\.\/+/, '').replace(/\/+$/, '')) ? 'ignored' : 'present';
    },
  };
}

/** The checkout folder of a source for reading its facts: none (not an error) when it is not set and not here. */
function factsCheckout(name: string, source: SourceSpec, value: string, cwd: string): string | undefined {
  if (value === '' && missingFrom(cwd, source.holds).length > 0) return undefined;
  const found = resolveSource(name, source, value, cwd);
  return 'folder' in found ? found.folder : undefined;
}

/** What the family's source checkouts say: the values of their facts and the pythons of their build matrices. */
export function checkoutFactsOf(family: Family, cwd: string): CheckoutFacts {
  const facts: CheckoutFacts = { values: {}, problems: [] };
  for (const [name, source] of Object.entries(family.sources)) {
    if (source.facts === undefined && source.matrix === undefined) continue;
    const folder = factsCheckout(name, source, family.values[source.variable] ?? '', cwd);
    if (folder === undefined) continue;
    const read = readCheckoutFacts(name, source, checkoutReader(folder));
    Object.assign(facts.values, read.values);
    facts.problems.push(...read.problems);
    if (read.pythons) facts.pythons = new Map([...(facts.pythons ?? []), ...read.pythons]);
  }
  if (facts.problems.length > 0) {
    throw new ManifestError(facts.problems.map(({ at, message }) => ({ location: family.manifest.locate(at), message })));
  }
  return facts;
}

/**
 * Before any engine is asked: every path the named images copy from a source checkout, and every path a fact names,
 * is in the checkout and sent to the build. Each missing one is a located problem naming the image, the layer and the path.
 */
export function checkCheckouts(family: Family, images: readonly string[], sources: ReadonlyMap<string, ResolvedSource>, cwd: string): void {
  const readers = new Map<string, CheckoutReader>();
  for (const [name, found] of sources) if ('folder' in found) readers.set(name, checkoutReader(found.folder));
  if (readers.size === 0) return;
  const paths = pathFacts(family, checkoutFactsOf(family, cwd).values).filter((fact) => readers.has(fact.source));
  const problems = missingCheckoutPaths(family, images, readers, paths);
  if (problems.length > 0) throw new ManifestError(problems);
}

/**
 * The files a run reads, which no output may replace: the manifest, the lock file, the templates, generated/, what each
 * image copies from its build context, and the files the checkouts' facts are read from.
 */
export function inputsOfRun(family: Family, { manifestPath, outDir }: { manifestPath: string; outDir?: string }, cwd: string): RunInputs {
  const folder = dirname(manifestPath);
  const files = [manifestPath, join(folder, LOCK_FILE)];
  const folders = [join(folder, 'templates'), join(PACKAGE_ROOT, 'templates'), join(folder, 'generated'), ...(outDir ? [outDir] : [])];
  const checkouts = new Map<string, string>();
  for (const [name, source] of Object.entries(family.sources)) {
    try {
      const found = factsCheckout(name, source, family.values[source.variable] ?? '', cwd);
      if (found) checkouts.set(name, found);
    } catch {
      // A source that is nowhere holds no input here; build and lint say so.
    }
    const checkout = checkouts.get(name);
    if (!checkout) continue;
    for (const fact of Object.values(source.facts ?? {})) if ('file' in fact) files.push(join(checkout, fact.file));
    if (source.matrix) files.push(join(checkout, source.matrix));
  }
  for (const image of family.order) {
    const { source, context } = family.graph.image(image).spec;
    const root = source === undefined ? resolve(folder, context ?? '.') : checkouts.get(source);
    if (root === undefined) continue;
    for (const path of contextPathsOf(layersOfImage(family.images.get(image)!))) {
      if (path === '' || path === '.' || /[*?[]/.test(path)) continue;
      const input = join(root, path);
      (isRegularFile(input) ? files : folders).push(input);
    }
  }
  return runInputs(files, folders);
}
