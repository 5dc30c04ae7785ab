/** What every command reads from disk: the manifest and templates (the family), images.lock.yaml, the mirror. */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import type { ProcessRunner } from '../engines/process.js';
import type { Family } from '../family/family.js';
import { MANIFEST_SCHEMA } from '../layers/index.js';
import { requireLocked } from '../lock/bases.js';
import { LOCK_FILE, type LockFile, parseLock } from '../lock/lockfile.js';
import { loadFamily } from '../pipeline.js';
import { layerKindsOf, type TemplateSources } from '../render/templates.js';
import { readManifestText, readTemplates } from './files.js';
import { flagOption, type Invocation, stringOption } from './invocation.js';

export interface CliIo {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  stdout: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(text: string): unknown };
  /** Aborted on Ctrl-C or SIGTERM: builds stop their engine processes. */
  signal?: AbortSignal;
  /** Runs engine commands (tests may record them instead). */
  runner?: ProcessRunner;
}

/** The manifest's folder: templates, the lock file and build contexts are found from it. */
export function manifestDir(invocation: Invocation): string {
  return dirname(invocation.manifestPath);
}

/** Load the family from the manifest and the templates beside it (and the package's). */
export function loadProject(invocation: Invocation, io: Pick<CliIo, 'env' | 'cwd'>): { family: Family; templates: TemplateSources } {
  const templates = readTemplates(manifestDir(invocation));
  const family = loadFamily({
    // Messages name the manifest as the user reaches it from here, so editors and CI can open the place.
    source: { file: relative(io.cwd, invocation.manifestPath) || basename(invocation.manifestPath), text: readManifestText(invocation.manifestPath) },
    schema: MANIFEST_SCHEMA,
    layerKinds: layerKindsOf(templates),
    env: io.env,
    overrides: invocation.overrides,
  });
  return { family, templates };
}

export function lockPath(folder: string): string {
  return join(folder, LOCK_FILE);
}

/** images.lock.yaml beside the manifest, when there is one. */
export function readLock(folder: string): LockFile | undefined {
  const path = lockPath(folder);
  return existsSync(path) ? parseLock(readFileSync(path, 'utf8')) : undefined;
}

/** images.lock.yaml, for the commands that build on it (generate, build, lint); `--locked` requires it to cover every base. */
export function lockFor(invocation: Invocation, family: Family): LockFile | undefined {
  const lock = readLock(manifestDir(invocation));
  if (flagOption(invocation, 'locked')) requireLocked(family, lock?.bases);
  return lock;
}

/** The mirror for external bases: --base-registry, else MLRUN_BASE_REGISTRY (build and lock read it alike). */
export function baseRegistryOf(invocation: Invocation, env: CliIo['env']): string | undefined {
  return stringOption(invocation, 'base-registry') ?? (env.MLRUN_BASE_REGISTRY || undefined);
}
