import { isMap, isScalar, parseDocument } from 'yaml';
import { withBuildArgValues } from '../dockerfile/build-args.js';
import { MlrunImagesError } from '../errors.js';

export const LOCK_FILE = 'images.lock.yaml';

export interface LockEntry {
  digest: string;
  /** For a multi-platform image: the digest of each platform's manifest. */
  platforms?: Record<string, string>;
}

/** External base reference (after variables) → its digest. */
export type Lock = ReadonlyMap<string, LockEntry>;

/** The lock and the mirror (`--base-registry`) its digests were read from, if any. */
export interface LockFile {
  bases: Map<string, LockEntry>;
  mirror?: string;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;
/** A lock holds a line or three per base of a manifest, and a manifest is at most 4 MiB. */
const MAX_LOCK_CHARACTERS = 4 * 1024 * 1024;

export function parseLock(text: string, file = LOCK_FILE): LockFile {
  const refuse = (problem: string): never => {
    throw new MlrunImagesError(`${file}: ${problem}; run \`mlrun-images lock --update\` to write it anew`);
  };
  if (text.length > MAX_LOCK_CHARACTERS) refuse(`it is larger than ${MAX_LOCK_CHARACTERS / 1024 / 1024} MiB, as no manifest's lock can be`);
  let data: unknown;
  try {
    // yaml's own check for repeated keys is quadratic (a large lock took seconds): repeats are looked for here, in one pass.
    const document = parseDocument(text, { uniqueKeys: false });
    if (document.errors.length > 0) throw document.errors[0];
    const bases = document.get('bases', true);
    if (isMap(bases)) {
      const seen = new Set<string>();
      for (const item of bases.items) {
        const key = String(isScalar(item.key) ? item.key.value : item.key);
        if (seen.has(key)) refuse(`\`${key}\` is listed twice under \`bases:\``);
        seen.add(key);
      }
    }
    data = document.toJS();
  } catch (error) {
    if (error instanceof MlrunImagesError) throw error;
    refuse(`invalid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  const { version, bases = {}, mirror } = (data ?? {}) as { version?: unknown; bases?: unknown; mirror?: unknown };
  if (version !== 1 || typeof bases !== 'object' || bases === null || Array.isArray(bases)) refuse('expected `version: 1` and a `bases:` mapping');
  if (mirror !== undefined && typeof mirror !== 'string') refuse('`mirror` must be a string');
  const lock = new Map<string, LockEntry>();
  for (const [reference, entry] of Object.entries(bases as object)) {
    const { digest, platforms } = (entry ?? {}) as { digest?: unknown; platforms?: unknown };
    if (typeof digest !== 'string' || !DIGEST.test(digest)) refuse(`\`${reference}\` has no valid digest (sha256:…)`);
    if (
      platforms !== undefined &&
      (typeof platforms !== 'object' || platforms === null || Object.values(platforms).some((value) => typeof value !== 'string' || !DIGEST.test(value)))
    ) {
      refuse(`\`${reference}\` has platforms without valid digests`);
    }
    lock.set(reference, { digest: digest as string, ...(platforms ? { platforms: platforms as Record<string, string> } : {}) });
  }
  return { bases: lock, ...(typeof mirror === 'string' ? { mirror } : {}) };
}

/** A digest as the lock stores it; anything else from a registry is refused before it reaches the file. */
export function isLockableDigest(digest: string): boolean {
  return DIGEST.test(digest);
}

/** The lock file's text: sorted, no timestamps, saying at its top what it is. */
export function formatLock(lock: Lock, mirror?: string): string {
  const lines = [
    `# ${LOCK_FILE}: the digest of every external base image of images.yaml, written by \`mlrun-images lock\`.`,
    '# `generate` and `build` build on these digests (FROM <image>@sha256:…); `--locked` fails for a base missing here.',
    '# Do not edit by hand: `mlrun-images lock` adds new bases, `mlrun-images lock --update` refreshes them.',
    'version: 1',
    ...(mirror ? [`mirror: ${JSON.stringify(mirror)}`] : []),
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

/** `reference@digest` when the lock pins it, else the reference as it is. */
export function pinned(reference: string, lock: Lock | undefined, key = reference): string {
  const entry = lock?.get(key);
  return entry ? `${reference}@${entry.digest}` : reference;
}
