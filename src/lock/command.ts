import { existsSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { StaleError, UsageError } from '../errors.js';
import type { Family } from '../family.js';
import { selectImages } from '../build/plan.js';
import { externalBases, formatLock, LOCK_FILE, lockCoverage, parseLock, type Lock, type LockEntry } from './lockfile.js';
import { readDockerConfig, resolveDigest, type RegistryClientOptions } from './registry.js';

export function lockPath(manifestDir: string): string {
  return join(manifestDir, LOCK_FILE);
}

/** images.lock.yaml beside the manifest, when there is one. */
export function readLock(manifestDir: string): Map<string, LockEntry> | undefined {
  const path = lockPath(manifestDir);
  return existsSync(path) ? parseLock(readFileSync(path, 'utf8')) : undefined;
}

/** `--locked`: every external base must have its digest in the lock. */
export function requireLocked(family: Family, lock: Lock | undefined): void {
  const { missing } = lockCoverage(lock ?? new Map(), externalBases(family));
  if (missing.length > 0) {
    throw new UsageError(`--locked: ${missing.length} base image(s) are not in ${LOCK_FILE}: ${missing.join(', ')}; run \`mlrun-images lock\``);
  }
}

export interface LockFlags {
  check: boolean;
  update: boolean;
  /** With --update: refresh only the bases of these images. */
  images: readonly string[];
  baseRegistry?: string;
  cwd: string;
  stdout: { write(text: string): unknown };
  /** Registry access, injectable for tests. */
  registry?: RegistryClientOptions;
}

async function resolveAll(references: readonly string[], options: RegistryClientOptions): Promise<Map<string, LockEntry>> {
  const resolved = new Map<string, LockEntry>();
  const queue = [...references];
  const worker = async () => {
    for (let reference = queue.shift(); reference !== undefined; reference = queue.shift()) {
      const { digest, platforms } = await resolveDigest(reference, options);
      const byPlatform = Object.fromEntries((platforms ?? []).map(({ platform, digest: platformDigest }) => [platform, platformDigest]));
      resolved.set(reference, { digest, ...(platforms && platforms.length > 0 ? { platforms: byPlatform } : {}) });
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, references.length) }, worker));
  return resolved;
}

/** `lock`: add the bases the lock lacks; `--update`: resolve again; `--check`: exit 1 when the lock does not match. */
export async function lockCommand(family: Family, manifestDir: string, flags: LockFlags): Promise<number> {
  if (flags.images.length > 0 && !flags.update) throw new UsageError('image names go with --update: `mlrun-images lock --update IMAGE...`');
  const path = lockPath(manifestDir);
  const shown = relative(flags.cwd, path) || LOCK_FILE;
  const current = readLock(manifestDir) ?? new Map<string, LockEntry>();
  const bases = externalBases(family);
  const { missing, unused } = lockCoverage(current, bases);

  if (flags.check) {
    if (missing.length === 0 && unused.length === 0) {
      flags.stdout.write(`${shown} covers all ${bases.length} base image(s)\n`);
      return 0;
    }
    const lines = [...missing.map((base) => `  missing: ${base}`), ...unused.map((base) => `  no longer used: ${base}`)];
    throw new StaleError(`${shown} does not match images.yaml; run \`mlrun-images lock\`:\n${lines.join('\n')}`);
  }

  const refresh = flags.update ? (flags.images.length > 0 ? externalBases(family, selectImages(family, flags.images, false)) : bases) : missing;
  const mirror = flags.baseRegistry;
  const resolved = await resolveAll(refresh, { dockerConfig: readDockerConfig(), ...(mirror ? { mirror } : {}), ...flags.registry });
  const next = new Map<string, LockEntry>();
  for (const base of bases) next.set(base, resolved.get(base) ?? current.get(base)!);
  const text = formatLock(next);
  const previous = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  if (text !== previous) {
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, text);
    await rename(temporary, path);
  }
  flags.stdout.write(`${shown}: ${bases.length} base image(s) locked, ${resolved.size} resolved from their registries${unused.length > 0 ? `, ${unused.length} no longer used removed` : ''}\n`);
  return 0;
}
