/** The external bases of a family, as the lock knows them, and what a lock lacks of them. */
import { asWritten, buildArgsIn } from '../dockerfile/build-args.js';
import { UsageError } from '../errors.js';
import type { Family } from '../family/family.js';
import { isReleaseVariable } from '../mlrun/naming.js';
import { parseReference } from '../reference.js';
import { LOCK_FILE, type Lock, lockKey } from './lockfile.js';

/**
 * Every external base the family builds on (images and their stages), sorted; digest-pinned ones need no lock.
 * A base that reads a release variable at build time has no one reference to lock: it is refused.
 */
export function externalBases(family: Family, images: readonly string[] = family.order): string[] {
  const bases = new Set<string>();
  for (const name of images) {
    for (const { reference } of family.graph.basesOf(name)) {
      // A release variable changes with every release: such a base has no one reference to lock. A variant's does.
      const reads = buildArgsIn(reference).filter(isReleaseVariable);
      if (reads.length > 0) {
        throw new UsageError(
          `image \`${name}\`: the base \`${asWritten(reference)}\` reads ${reads.join(', ')} at build time, so it cannot be locked; write the reference out`,
        );
      }
      const key = lockKey(reference, family.values);
      const parsed = parseReference(key);
      if (parsed.ok && !parsed.reference.digest) bases.add(key);
    }
  }
  return [...bases].sort();
}

/** What the lock lacks for the family, and what it holds that the family no longer uses. */
export function lockCoverage(lock: Lock, bases: readonly string[]): { missing: string[]; unused: string[] } {
  return {
    missing: bases.filter((base) => !lock.has(base)),
    unused: [...lock.keys()].filter((reference) => !bases.includes(reference)).sort(),
  };
}

/** `--locked`: every external base must have its digest in the lock. */
export function requireLocked(family: Family, lock: Lock | undefined): void {
  const { missing } = lockCoverage(lock ?? new Map(), externalBases(family));
  if (missing.length > 0) {
    throw new UsageError(`--locked: ${missing.length} base image(s) are not in ${LOCK_FILE}: ${missing.join(', ')}; run \`mlrun-images lock\``);
  }
}
