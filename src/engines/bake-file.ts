/**
 * The bake file of a graph build: one target per image (its Dockerfile, context, build arguments, tag, labels and
 * cache), a parent of the family as a named context (`target:<parent>`), a group per image, and `default`.
 * `docker buildx bake -f FILE` reads it as it is (buildx 0.13's JSON form: cache entries are lists of strings).
 */
import { relative, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { formatReference, parseReference } from '../reference.js';
import type { GraphTarget } from './engine.js';

export interface BakeTarget {
  context: string;
  dockerfile: string;
  args: Record<string, string>;
  contexts?: Record<string, string>;
  tags: string[];
  labels?: Record<string, string>;
  'cache-from'?: string[];
  'cache-to'?: string[];
  'no-cache'?: boolean;
  pull?: boolean;
}

/** A bake variable naming the file's author: JSON has no comments, and only such a file is ever replaced. */
export const BAKE_MARKER = 'GENERATED_BY_MLRUN_IMAGES';

export interface BakeFile {
  variable: Record<string, { default: string }>;
  group: Record<string, { targets: string[] }>;
  target: Record<string, BakeTarget>;
}

/** bake reads `${…}` in its files as its own variables: a literal one is written `$${…}`. */
const literal = (text: string) => text.replaceAll('${', () => '$${');
const literals = (values: Readonly<Record<string, string>>) => Object.fromEntries(Object.entries(values).map(([name, value]) => [name, literal(value)]));

/**
 * The name BuildKit looks a `FROM` up by among the named contexts: the familiar form (no `docker.io/`, no `library/`,
 * no `:latest`). A key in another form is never matched, and the child would be built on the registry's image.
 */
export function namedContextKey(reference: string): string {
  const parsed = parseReference(reference);
  if (!parsed.ok) return reference;
  const { registry, path, tag, digest } = parsed.reference;
  const onHub = registry === undefined || registry === 'docker.io' || registry === 'index.docker.io';
  return formatReference({
    ...(onHub ? {} : { registry }),
    path: onHub ? path.replace(/^library\//, '') : path,
    ...(tag !== undefined && !(tag === 'latest' && digest === undefined) ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
  });
}

/** bake's target and group names: letters, digits, `_` and `-`; `default` is the group of everything. */
const BAKE_NAME = /^[A-Za-z0-9_-]+$/;

/** Why bake cannot name a target so (undefined: it can). */
export function bakeTargetProblem(name: string): string | undefined {
  if (!BAKE_NAME.test(name)) {
    return `the image \`${name}\` cannot be a bake target: bake allows letters, digits, _ and - in names; rename it in the manifest or build with another engine`;
  }
  if (name === 'default') return "an image named `default` cannot be a bake target: bake's `default` group builds everything; rename it";
  return undefined;
}

function checkTargetName(name: string): void {
  const problem = bakeTargetProblem(name);
  if (problem !== undefined) throw new UsageError(problem);
}

const isRemote = (context: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(context) || context.startsWith('git@');

export interface BakeFileOptions {
  /**
   * The folder bake runs in (where the file is written): local paths are written relative to it, so the file can
   * travel with them. Without it, paths are absolute.
   */
  folder?: string;
  /** The images (names of the manifest) each target builds: a group per image gathers its targets. */
  imageOf?: (target: string) => string;
}

/** The bake file of the targets (parents first). */
export function bakeFile(targets: readonly GraphTarget[], { folder, imageOf = (name) => name }: BakeFileOptions): BakeFile {
  const byName = new Map(targets.map((target) => [target.name, target]));
  const target: Record<string, BakeTarget> = {};
  for (const each of targets) {
    checkTargetName(each.name);
    const local = (path: string) => (folder === undefined ? resolve(path) : relative(folder, resolve(path)) || '.');
    const context = isRemote(each.context) ? each.context : local(each.context);
    // A local Dockerfile is named from the context, as bake reads it (absolute ones as they are); with a git context, by its absolute path.
    const dockerfile = isRemote(each.context) || folder === undefined ? resolve(each.dockerfile) : relative(resolve(each.context), resolve(each.dockerfile));
    const parent = each.parent === undefined ? undefined : byName.get(each.parent);
    target[each.name] = {
      context,
      dockerfile,
      args: literals(each.buildArgs),
      // The Dockerfile says `FROM ${BASE_IMAGE}` with the parent's reference: bake gives that name the parent target.
      ...(parent ? { contexts: { [namedContextKey(parent.reference)]: `target:${parent.name}` } } : {}),
      tags: [each.reference],
      ...(Object.keys(each.labels).length > 0 ? { labels: literals(each.labels) } : {}),
      ...(each.cacheFrom.length > 0 ? { 'cache-from': each.cacheFrom.map(literal) } : {}),
      ...(each.cacheTo.length > 0 ? { 'cache-to': each.cacheTo.map(literal) } : {}),
      ...(each.noCache ? { 'no-cache': true } : {}),
      ...(each.pull ? { pull: true } : {}),
    };
  }
  const group: Record<string, { targets: string[] }> = { default: { targets: targets.map((each) => each.name) } };
  const withAncestors = (name: string): string[] => {
    const parent = byName.get(name)?.parent;
    return [...(parent !== undefined && byName.has(parent) ? withAncestors(parent) : []), name];
  };
  // `docker buildx bake IMAGE` builds the image's targets (its variants) and its ancestors, each tagged; a group may
  // share its name with a target (the group is what the name then means).
  for (const image of new Set(targets.map((each) => imageOf(each.name)))) {
    const own = targets.filter((each) => imageOf(each.name) === image).map((each) => each.name);
    group[image] = { targets: [...new Set(own.flatMap(withAncestors))] };
  }
  return { variable: { [BAKE_MARKER]: { default: 'images.yaml: run `mlrun-images bake` to write this file again' } }, group, target };
}
