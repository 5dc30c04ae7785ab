import { parse } from 'yaml';
import { MlrunImagesError } from '../errors.js';
import type { Family } from '../family.js';
import { parseReference } from '../reference.js';
import { withBuildArgValues } from '../config/variables.js';

export const LOCK_FILE = 'images.lock.yaml';

export interface LockEntry {
  digest: string;
  /** For a multi-platform image: the digest of each platform's manifest. */
  platforms?: Record<string, string>;
}

/** External base reference (after variables) → its digest. */
export type Lock = ReadonlyMap<string, LockEntry>;

const DIGEST = /^sha256:[0-9a-f]{64}$/;

export function parseLock(text: string, file = LOCK_FILE): Map<string, LockEntry> {
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    throw new MlrunImagesError(`${file}: invalid YAML: ${(error as Error).message.split('\n')[0]}; run \`mlrun-images lock --update\` to write it anew`);
  }
  const bases = (data as { bases?: unknown } | null)?.bases ?? {};
  if ((data as { version?: unknown } | null)?.version !== 1 || typeof bases !== 'object' || bases === null || Array.isArray(bases)) {
    throw new MlrunImagesError(`${file}: expected \`version: 1\` and a \`bases:\` mapping; run \`mlrun-images lock --update\` to write it anew`);
  }
  const lock = new Map<string, LockEntry>();
  for (const [reference, entry] of Object.entries(bases)) {
    const digest = (entry as { digest?: unknown } | null)?.digest;
    if (typeof digest !== 'string' || !DIGEST.test(digest)) {
      throw new MlrunImagesError(`${file}: \`${reference}\` has no valid digest (sha256:…); run \`mlrun-images lock --update\``);
    }
    const platforms = (entry as { platforms?: Record<string, string> }).platforms;
    lock.set(reference, { digest, ...(platforms ? { platforms } : {}) });
  }
  return lock;
}

/** The lock file's text: sorted, no timestamps, saying at its top what it is. */
export function formatLock(lock: Lock): string {
  const lines = [
    `# ${LOCK_FILE}: the digest of every external base image of images.yaml, written by \`mlrun-images lock\`.`,
    '# `generate` and `build` build on these digests (FROM <image>@sha256:…); `--locked` fails for a base missing here.',
    '# Do not edit by hand: `mlrun-images lock` adds new bases, `mlrun-images lock --update` refreshes them.',
    'version: 1',
  ];
  const references = [...lock.keys()].sort();
  lines.push(references.length === 0 ? 'bases: {}' : 'bases:');
  for (const reference of references) {
    const entry = lock.get(reference)!;
    lines.push(`  ${JSON.stringify(reference)}:`, `    digest: ${entry.digest}`);
    const platforms = Object.keys(entry.platforms ?? {}).sort();
    if (platforms.length > 0) {
      lines.push('    platforms:');
      for (const platform of platforms) lines.push(`      ${JSON.stringify(platform)}: ${entry.platforms![platform]}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** A base as the lock knows it: variables applied (release variables at `values`). */
export function lockKey(base: string, values: Readonly<Record<string, string>>): string {
  return withBuildArgValues(base, values);
}

/** Every external base the family builds on (images and their stages), sorted; digest-pinned ones need no lock. */
export function externalBases(family: Family, images: readonly string[] = family.order): string[] {
  const bases = new Set<string>();
  for (const name of images) {
    const image = family.images.get(name)!;
    for (const base of [image.spec.base, ...image.stages.map((stage) => stage.base)]) {
      if (base === undefined) continue;
      const key = lockKey(base, family.values);
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

/** `reference@digest` when the lock pins it, else the reference as it is. */
export function pinned(reference: string, lock: Lock | undefined, key = reference): string {
  const entry = lock?.get(key);
  return entry ? `${reference}@${entry.digest}` : reference;
}
