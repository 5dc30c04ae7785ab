/**
 * The family graph: one answer, for every stage, to "what is this image built on, what is built on it, what goes
 * into it". Built once from the resolved images and their build order.
 */
import { UsageError } from '../errors.js';
import type { NodePath } from '../manifest/load.js';
import type { ImageTest, TestKindName } from '../image-tests/index.js';
import { isTestKindName, testKind } from '../image-tests/index.js';
import type { ResolvedLayer } from '../manifest/types.js';
import { didYouMean } from '../suggest.js';
import { type InheritedImage, layersOfImage } from './inherit.js';

/** An external image an image (or one of its stages) is built on, as written (release variables fenced). */
export interface ExternalBase {
  reference: string;
  /** Where it is written. */
  path: NodePath;
  /** The stage it is the base of; undefined for the image's own base. */
  stage?: string;
}

export interface FamilyGraph {
  /** Image names, parents before children. */
  readonly order: readonly string[];
  image(name: string): InheritedImage;
  /** The image of the family it is built `from`. */
  parentOf(name: string): string | undefined;
  /** Its parent, the parent's parent, …: nearest first. */
  ancestorsOf(name: string): string[];
  /** The images built `from` it, in build order. */
  childrenOf(name: string): string[];
  /** Everything built on it, directly or not, in build order. */
  descendantsOf(name: string): string[];
  /** Its layers: those of its extra stages, then its own. */
  layersOf(name: string): ResolvedLayer[];
  /** The external images it and its stages are built on. */
  basesOf(name: string): ExternalBase[];
  /**
   * The tests it must pass: those of every image it is built `from` (what held in the parent must hold in the child),
   * then its own; a test switched off with `NAME: null` is left out.
   */
  testsOf(name: string): ImageTest[];
  /** The named images (every image when none is named) with their ancestors unless `withAncestors` is false, in build order. */
  select(names: readonly string[], options?: { withAncestors?: boolean }): string[];
}

export function familyGraph(images: ReadonlyMap<string, InheritedImage>, order: readonly string[]): FamilyGraph {
  const image = (name: string): InheritedImage => {
    const found = images.get(name);
    if (!found) throw new Error(`no image \`${name}\` in the family`);
    return found;
  };
  const parentOf = (name: string): string | undefined => {
    const from = images.get(name)?.spec.from;
    return from !== undefined && images.has(from) ? from : undefined;
  };
  const ancestorsOf = (name: string): string[] => {
    const ancestors: string[] = [];
    for (let current = parentOf(name); current !== undefined && !ancestors.includes(current); current = parentOf(current)) ancestors.push(current);
    return ancestors;
  };
  const childrenOf = (name: string) => order.filter((other) => parentOf(other) === name);
  const descendantsOf = (name: string) => order.filter((other) => ancestorsOf(other).includes(name));
  const layersOf = (name: string) => layersOfImage(image(name));
  const basesOf = (name: string): ExternalBase[] => {
    const found = image(name);
    return [
      ...(found.spec.base !== undefined ? [{ reference: found.spec.base, path: found.paths.base ?? ['images', name, 'base'] }] : []),
      ...found.stages.map((stage) => ({ reference: stage.base, path: [...stage.path, 'base'], stage: stage.name })),
    ];
  };
  const testsOf = (name: string): ImageTest[] => {
    const tests = new Map<string, ImageTest>();
    for (const holder of [...ancestorsOf(name).reverse(), name]) {
      const { spec, paths } = image(holder);
      for (const [testName, params] of Object.entries(spec.tests ?? {})) {
        if (params === null) {
          tests.delete(testName);
          continue;
        }
        const kind = Object.keys(params).find(isTestKindName) as TestKindName | undefined;
        if (kind === undefined) continue;
        const declaredBy = String(paths[`tests.${testName}`]?.[1] ?? holder);
        const flat = testKind(kind).flat ? params : ((params[kind] as Record<string, unknown> | null) ?? {});
        tests.set(testName, { name: testName, kind, params: { ...flat }, declaredBy });
      }
    }
    return [...tests.values()];
  };
  const select = (names: readonly string[], { withAncestors = true } = {}): string[] => {
    const unknown = names.filter((name) => !images.has(name));
    if (unknown.length > 0) throw new UsageError(unknown.map((name) => `no image \`${name}\` in the manifest${didYouMean(name, order)}`).join('\n'));
    if (names.length === 0) return [...order];
    const wanted = new Set(names);
    if (withAncestors) for (const name of names) for (const ancestor of ancestorsOf(name)) wanted.add(ancestor);
    return order.filter((name) => wanted.has(name));
  };
  return { order, image, parentOf, ancestorsOf, childrenOf, descendantsOf, layersOf, basesOf, testsOf, select };
}
