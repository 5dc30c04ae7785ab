/**
 * What a source checkout says and holds: its facts (variables it gives a value, read from its files or git), MLRun's
 * build matrix, and whether every path the family's images copy from it is there. Pure: the checkout is read through
 * the functions the caller passes.
 */
import type { Diagnostic } from '../errors.js';
import { contextPathsOf } from '../layers/index.js';
import { parseBuildMatrix } from '../mlrun/build-matrix.js';
import type { PythonBuilds } from '../mlrun/pythons.js';
import type { NodePath } from '../manifest/load.js';
import type { SourceSpec } from '../manifest/types.js';
import type { CheckoutValue } from '../manifest/variables.js';
import type { Family } from './family.js';
import { layersOfImage } from './inherit.js';

/** A checkout, as the caller reads it. */
export interface CheckoutReader {
  /** Shown in messages: the checkout's folder. */
  folder: string;
  /** A file of the checkout by its path from the root; undefined when there is no such file. */
  read(path: string): string | undefined;
  /** The checkout's commit (short hash) or commit date; undefined when it is not a git checkout. */
  git(what: 'commit' | 'date'): string | undefined;
  /** Whether a path is in the checkout, and sent to a build (its .dockerignore may leave it out). */
  lookup(path: string): 'present' | 'missing' | 'ignored';
}

/** A fact whose value is a path of the checkout, to be checked before a build. */
export interface PathFact {
  source: string;
  variable: string;
  /** Its value in this run (read from the checkout, or the default when the checkout does not say). */
  path: string;
  /** Where the value came from. */
  origin: string;
  /** The fact's place in the manifest. */
  at: NodePath;
}

/** The facts of the family's sources that name paths, with their values in this run. */
export function pathFacts(family: Family, origins: Readonly<Record<string, CheckoutValue>>): PathFact[] {
  return Object.entries(family.sources).flatMap(([source, spec]) =>
    Object.entries(spec.facts ?? {})
      .filter(([, fact]) => 'path' in fact && fact.path)
      .map(([variable]) => {
        const path = family.values[variable] ?? '';
        const read = origins[variable];
        return {
          source,
          variable,
          path,
          origin: read?.value === path ? read.origin : 'not read from the checkout',
          at: ['sources', source, 'facts', variable],
        };
      }),
  );
}

export interface CheckoutFacts {
  values: Record<string, CheckoutValue>;
  /** The pythons each image is built in, by the checkout's build matrix (when the source names one and it is there). */
  pythons?: Map<string, PythonBuilds>;
  /** What could not be read as it should (a matrix that is no matrix): located at the source's manifest entry. */
  problems: { at: NodePath; message: string }[];
}

/** The first match's first group on a line of the text, and its line number. */
function matchLine(text: string, pattern: string): { value: string; line: number } | undefined {
  const regex = new RegExp(pattern);
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    const value = regex.exec(line)?.[1];
    if (value !== undefined) return { value: value.trim(), line: index + 1 };
  }
  return undefined;
}

/** The facts one checkout gives: each variable it has a value for, where it read it, and its build matrix. */
export function readCheckoutFacts(name: string, source: SourceSpec, checkout: CheckoutReader): CheckoutFacts {
  const values: Record<string, CheckoutValue> = {};
  const problems: CheckoutFacts['problems'] = [];
  for (const [variable, fact] of Object.entries(source.facts ?? {})) {
    if ('git' in fact) {
      const value = checkout.git(fact.git);
      if (value !== undefined) values[variable] = { value, origin: `the ${name} checkout's git ${fact.git}` };
      continue;
    }
    const text = checkout.read(fact.file);
    const found = text === undefined ? undefined : matchLine(text, fact.match);
    if (found === undefined) continue;
    values[variable] = { value: found.value, origin: `the ${name} checkout's ${fact.file}:${found.line}` };
  }
  let pythons: Map<string, PythonBuilds> | undefined;
  if (source.matrix !== undefined) {
    const text = checkout.read(source.matrix);
    if (text !== undefined) {
      const matrix = parseBuildMatrix(text);
      if (matrix.ok) pythons = matrix.pythons;
      else
        problems.push({ at: ['sources', name, 'matrix'], message: `the ${name} checkout's build matrix ${source.matrix} cannot be read: ${matrix.problem}` });
    }
  }
  return { values, problems, ...(pythons ? { pythons } : {}) };
}

const GLOB = /[*?[]/;

/**
 * Every path an image copies from its source's checkout (each layer's context paths) and every path fact, missing
 * or left out by the checkout's .dockerignore: one located problem each, naming the image, the layer and the path.
 */
export function missingCheckoutPaths(
  family: Family,
  images: readonly string[],
  checkouts: ReadonlyMap<string, CheckoutReader>,
  pathFacts: readonly PathFact[] = [],
): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const absent = (source: string, checkout: CheckoutReader, path: string): string | undefined => {
    const state = checkout.lookup(path);
    if (state === 'present') return undefined;
    return state === 'missing'
      ? `is not in the ${source} checkout (${checkout.folder})`
      : `is left out of the build by the ${source} checkout's .dockerignore (${checkout.folder}/.dockerignore)`;
  };
  for (const image of images) {
    const source = family.graph.image(image).spec.source;
    const checkout = source === undefined ? undefined : checkouts.get(source);
    if (source === undefined || checkout === undefined) continue;
    for (const layer of layersOfImage(family.images.get(image)!)) {
      if (layer.params.from !== undefined) continue; // copied from a stage, not from the checkout
      for (const path of contextPathsOf([layer])) {
        if (path === '' || path === '.' || GLOB.test(path) || path.includes('${')) continue;
        const problem = absent(source, checkout, path);
        const id = layer.params.id === undefined ? '' : ` \`${String(layer.params.id)}\``;
        if (problem) {
          problems.push({
            location: family.manifest.locate(layer.path, 'key'),
            message: `image \`${image}\`, layer \`${layer.kind}\`${id}: \`${path}\` ${problem}`,
          });
        }
      }
    }
  }
  for (const fact of pathFacts) {
    const checkout = checkouts.get(fact.source);
    const problem = checkout && absent(fact.source, checkout, fact.path);
    if (problem) {
      problems.push({
        location: family.manifest.locate(fact.at, 'key'),
        message: `\`${fact.variable}\` is \`${fact.path}\` (${fact.origin}), which ${problem}`,
      });
    }
  }
  return problems.sort((a, b) => a.location.line - b.location.line || a.location.col - b.location.col);
}
