import type { Diagnostic } from '../errors.js';
import type { ParsedManifest } from '../manifest/load.js';
import { didYouMean } from '../suggest.js';
import { findCycles, formatCycle, type InheritedImage } from './inherit.js';

/**
 * Check the build-time relation (`from`) and return the images parents first.
 * Siblings keep the order in which the manifest lists them.
 */
export function orderImages(
  manifest: ParsedManifest,
  images: ReadonlyMap<string, InheritedImage>,
  /** Images whose `extends` chain is broken: a missing base or from is the echo of that error. */
  partial: ReadonlySet<string> = new Set(),
): { order: string[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const names = [...images.keys()];
  const locate = (image: InheritedImage, field: string) => manifest.locate(image.paths[field] ?? ['images', image.name]);

  for (const image of images.values()) {
    const { base, from } = image.spec;
    if (base !== undefined && from !== undefined) {
      diagnostics.push({
        location: locate(image, 'from'),
        message: `image \`${image.name}\` has both \`base\` (${base}) and \`from\` (${from}); keep one: \`base\` for an external image, \`from\` for an image of this manifest`,
      });
    } else if (base === undefined && from === undefined && !partial.has(image.name)) {
      diagnostics.push({
        location: manifest.locate(['images', image.name], 'key'),
        message: `image \`${image.name}\` has neither \`base\` nor \`from\`; set \`base\` to an external image (python:3.9-slim) or \`from\` to an image of this manifest`,
      });
    }
    if (from !== undefined && !images.has(from)) {
      diagnostics.push({
        location: locate(image, 'from'),
        message: `image \`${image.name}\` is built from \`${from}\`, which is not an image of this manifest${didYouMean(from, names)}; for an external image use \`base\``,
      });
    }
  }

  const parentOf = (name: string): string | undefined => {
    const from = images.get(name)?.spec.from;
    return from !== undefined && images.has(from) ? from : undefined;
  };
  const cycles = findCycles(names, parentOf);
  for (const cycle of cycles) {
    diagnostics.push({
      location: locate(images.get(cycle[0]!)!, 'from'),
      message: `\`from\` forms a cycle: ${formatCycle(cycle)}`,
    });
  }
  if (cycles.length > 0) return { order: names, diagnostics };

  const order: string[] = [];
  const placed = new Set<string>();
  for (const name of names) {
    const chain: string[] = [];
    for (let current: string | undefined = name; current !== undefined && !placed.has(current); current = parentOf(current)) {
      chain.push(current);
    }
    for (const ancestor of chain.reverse()) {
      placed.add(ancestor);
      order.push(ancestor);
    }
  }
  return { order, diagnostics };
}
