/** `lock [--check | --update [IMAGE...]]`: pin every external base to its digest in images.lock.yaml. */
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { mapWithLimit } from '../../concurrency.js';
import { MlrunImagesError, StaleError, UsageError } from '../../errors.js';
import type { Family } from '../../family/family.js';
import { externalBases, lockCoverage } from '../../lock/bases.js';
import { formatLock, isLockableDigest, LOCK_FILE, type LockEntry, type LockFile } from '../../lock/lockfile.js';
import { type RegistryClientOptions, RegistryError, readDockerConfig, resolveDigest } from '../../registry/client.js';
import { flagOption, type Invocation } from '../invocation.js';
import { writeFileWhole } from '../output.js';
import { baseRegistryOf, type CliIo, loadProject, lockPath, manifestDir, readLock, registryTimeoutOf } from '../project.js';

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

/** Resolve every reference (a few at a time); every failure is reported, in a stable order, and nothing is kept. */
async function resolveAll(references: readonly string[], options: () => RegistryClientOptions): Promise<Map<string, LockEntry>> {
  const outcomes = await mapWithLimit(
    references,
    async (reference): Promise<{ entry: LockEntry } | { failure: string }> => {
      try {
        const { digest, platforms = [] } = await resolveDigest(reference, options());
        const unlockable = [digest, ...platforms.map((platform) => platform.digest)].find((value) => !isLockableDigest(value));
        if (unlockable !== undefined)
          throw new RegistryError(`${reference}: the registry answered with the digest \`${unlockable.slice(0, 80)}\`, which is not sha256:<64 hex digits>`);
        const byPlatform = Object.fromEntries(platforms.map((platform) => [platform.platform, platform.digest]));
        return { entry: { digest, ...(platforms.length > 0 ? { platforms: byPlatform } : {}) } };
      } catch (error) {
        if (!(error instanceof MlrunImagesError)) throw error;
        return { failure: error.message };
      }
    },
    4,
  );
  const failures = references.flatMap((reference, index) => {
    const outcome = outcomes[index]!;
    return 'failure' in outcome ? [[reference, outcome.failure] as const] : [];
  });
  if (failures.length > 0) {
    const messages = [...failures].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, message]) => message);
    throw new RegistryError(`${messages.join('\n')}\n${LOCK_FILE} was left as it was`);
  }
  return new Map(
    references.flatMap((reference, index) => {
      const outcome = outcomes[index]!;
      return 'entry' in outcome ? [[reference, outcome.entry] as const] : [];
    }),
  );
}

/**
 * `lock`: add the bases the lock lacks, drop those no longer used; `--update [IMAGE...]`: resolve again;
 * `--check`: exit 1 when the lock does not match (no network). Nothing is written unless every digest resolved.
 */
export async function lockCommand(family: Family, folder: string, flags: LockFlags): Promise<number> {
  if (flags.images.length > 0 && !flags.update) throw new UsageError('image names go with --update: `mlrun-images lock --update IMAGE...`');
  const path = lockPath(folder);
  const shown = relative(flags.cwd, path) || LOCK_FILE;
  // `lock --update` of everything is the way out of a broken lock file, so it does not need to read one.
  const rewriteAll = flags.update && flags.images.length === 0;
  const current: LockFile = (rewriteAll ? safely(() => readLock(folder)) : readLock(folder)) ?? { bases: new Map() };
  const bases = externalBases(family);
  const { missing, unused } = lockCoverage(current.bases, bases);
  const mirror = flags.baseRegistry;
  const mirrorChanged = (current.mirror ?? '') !== (mirror ?? '') && current.bases.size > 0;

  if (flags.check) {
    const lines = [...missing.map((base) => `  missing: ${base}`), ...unused.map((base) => `  no longer used: ${base}`)];
    if (mirrorChanged)
      lines.push(
        `  read through ${current.mirror ? `the mirror ${current.mirror}` : 'no mirror'}, not ${mirror ? `the mirror ${mirror}` : 'without a mirror'}`,
      );
    if (lines.length === 0) {
      flags.stdout.write(`${shown} covers all ${bases.length} base image(s)\n`);
      return 0;
    }
    throw new StaleError(`${shown} does not match images.yaml; run \`mlrun-images lock\`:\n${lines.join('\n')}`);
  }

  // Digests read through another mirror may not be the upstream ones: a change of mirror resolves everything again.
  const selected = flags.images.length > 0 ? externalBases(family, family.graph.select(flags.images)) : bases;
  const refresh = rewriteAll || mirrorChanged ? bases : [...new Set([...missing, ...(flags.update ? selected : [])])].sort();
  const resolved = await resolveAll(refresh, () => ({ dockerConfig: readDockerConfig(), ...(mirror ? { mirror } : {}), ...flags.registry }));
  const next = new Map<string, LockEntry>();
  for (const base of bases) next.set(base, resolved.get(base) ?? current.bases.get(base)!);
  const text = formatLock(next, mirror);
  const previous = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  if (text !== previous) writeFileWhole(path, text, shown);
  flags.stdout.write(
    `${shown}: ${bases.length} base image(s) locked, ${resolved.size} resolved from their registries${unused.length > 0 ? `, ${unused.length} no longer used removed` : ''}\n`,
  );
  return 0;
}

function safely<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if (error instanceof MlrunImagesError) return undefined;
    throw error;
  }
}

export async function lockCliCommand(invocation: Invocation, io: CliIo): Promise<number> {
  const { family } = loadProject(invocation, io);
  const baseRegistry = baseRegistryOf(invocation);
  const timeoutMs = registryTimeoutOf(invocation);
  return lockCommand(family, manifestDir(invocation), {
    check: flagOption(invocation, 'check'),
    update: flagOption(invocation, 'update'),
    images: invocation.operands,
    ...(baseRegistry ? { baseRegistry } : {}),
    cwd: io.cwd,
    stdout: io.stdout,
    ...(timeoutMs !== undefined ? { registry: { timeoutMs } } : {}),
  });
}
