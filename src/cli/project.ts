/** What every command reads from disk: the manifest and templates (the family), images.lock.yaml, the mirror. */
import { dirname, join, relative } from 'node:path';
import type { ProcessRunner } from '../engines/process.js';
import type { Family } from '../family/family.js';
import { type FamilySet, loadFamilySet } from '../family/variants.js';
import { MANIFEST_SCHEMA } from '../schema.js';
import { requireLocked } from '../lock/bases.js';
import { LOCK_FILE, type LockFile, parseLock } from '../lock/lockfile.js';
import { loadFamily } from '../pipeline.js';
import type { CheckoutValue } from '../manifest/variables.js';
import { UsageError } from '../errors.js';
import { layerKindsOf, type TemplateSources } from '../render/templates.js';
import { readManifestText, readTemplates, readTextFile } from './files.js';
import { flagOption, type Invocation, stringOption } from './invocation.js';
import { checkoutFactsOf } from './sources.js';

export interface CliIo {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  stdout: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(text: string): unknown };
  /** Aborted on Ctrl-C or SIGTERM: builds stop their engine processes. */
  signal?: AbortSignal;
  /** Called when a command starts engine processes: from then on Ctrl-C stops them instead of exiting at once. */
  startsProcesses?: () => void;
  /** Runs engine commands (tests may record them instead). */
  runner?: ProcessRunner;
}

/** The manifest's folder: templates, the lock file and build contexts are found from it. */
export function manifestDir(invocation: Invocation): string {
  return dirname(invocation.manifestPath);
}

/**
 * Load the family from the manifest and the templates beside it (and the package's): the family with this run's
 * values, and the set of its units (each image in each variant it is built in).
 */
export function loadProject(
  invocation: Invocation,
  io: Pick<CliIo, 'env' | 'cwd'> & { stderr?: CliIo['stderr'] },
  { checkout = true }: { checkout?: boolean } = {},
): { family: Family; set: FamilySet; templates: TemplateSources; facts: Readonly<Record<string, CheckoutValue>> } {
  // Messages name the manifest as the user reaches it from here, so editors and CI can open the place.
  const shownManifest = relative(io.cwd, invocation.manifestPath) || '.';
  const templates = readTemplates(manifestDir(invocation));
  const inputs = {
    source: { file: shownManifest, text: readManifestText(invocation.manifestPath, shownManifest) },
    schema: MANIFEST_SCHEMA,
    layerKinds: layerKindsOf(templates),
    env: io.env,
    overrides: invocation.overrides,
  };
  const declared = loadFamily(inputs);
  // The source checkouts' facts (pip, CUDA, the API's entry point, the pythons of the build matrix) are the defaults of
  // this run; generate and graph, which render the declared defaults only, do not read them.
  const facts = checkout ? checkoutFactsOf(declared, io.cwd) : undefined;
  const withFacts = facts && Object.keys(facts.values).length > 0 ? { ...inputs, checkout: facts.values } : inputs;
  const family = withFacts === inputs ? declared : loadFamily(withFacts);
  const given = new Set([...Object.keys(invocation.overrides), ...Object.keys(family.values).filter((name) => io.env[name] !== undefined)]);
  // The units depend on the version being built (which pythons MLRun publishes it in): made when a command asks.
  let set: FamilySet | undefined;
  const unitsOf = () => {
    if (set) return set;
    set = loadFamilySet(family, {
      given,
      load: (variant) => loadFamily({ ...withFacts, overrides: { ...invocation.overrides, ...variant } }),
      ...(facts?.pythons ? { checkoutPythons: facts.pythons } : {}),
    });
    for (const note of set.notes) io.stderr?.write(`mlrun-images: warning: ${note}\n`);
    return set;
  };
  return {
    family,
    templates,
    facts: facts?.values ?? {},
    get set() {
      return unitsOf();
    },
  };
}

export function lockPath(folder: string): string {
  return join(folder, LOCK_FILE);
}

/** images.lock.yaml beside the manifest, when there is one. */
export function readLock(folder: string): LockFile | undefined {
  const text = readTextFile(lockPath(folder), LOCK_FILE, 'ok');
  return text === undefined ? undefined : parseLock(text);
}

/** images.lock.yaml, for the commands that build on it (generate, build, lint); `--locked` requires it to cover every base. */
export function lockFor(invocation: Invocation, family: Family): LockFile | undefined {
  const lock = readLock(manifestDir(invocation));
  if (flagOption(invocation, 'locked')) requireLocked(family, lock?.bases);
  return lock;
}

/** The mirror for external bases: --base-registry (or MLRUN_BASE_REGISTRY); build and lock read it alike. */
export function baseRegistryOf(invocation: Invocation): string | undefined {
  return stringOption(invocation, 'base-registry');
}

/** `--registry-timeout SECONDS` (or MLRUN_IMAGES_REGISTRY_TIMEOUT), as milliseconds; undefined: the client's default. */
export function registryTimeoutOf(invocation: Invocation): number | undefined {
  const text = stringOption(invocation, 'registry-timeout');
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds < 0.1 || seconds > 3600) {
    throw new UsageError(`--registry-timeout expects seconds from 0.1 to 3600, got \`${text}\``);
  }
  return seconds * 1000;
}
