/**
 * `status [IMAGE...]`: whether each image is up to date, stale (and why) or missing, on the engine or in the
 * registry; `list --changed-since REF` and the changed images `build --changed-since REF` builds.
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Engine } from '../../engines/engine.js';
import { MlrunImagesError } from '../../errors.js';
import type { FamilySet } from '../../family/variants.js';
import { type GeneratedFiles, renderFamily } from '../../pipeline.js';
import type { InputsOf } from '../../scheduler/inputs.js';
import { flagOption, type Invocation, stringOption } from '../invocation.js';
import { changedUnits, checkoutAt, type Freshness, freshnessOf, inCopy, localInputLabels, registryInputLabels } from '../inputs.js';
import { summaryTargets, writeTo } from '../output.js';
import { type CliIo, loadProject, lockFor, manifestDir, readLock } from '../project.js';
import { inputsOfRun } from '../sources.js';
import { detect, requestedEngineOf } from '../run-plan.js';
import { type BuildFlags, buildFlags, inputsFor } from '../build-plan.js';

/** What a family's inputs are computed from: the family, its rendered files, and the flags that change inputs. */
interface Rendered {
  set: FamilySet;
  files: GeneratedFiles;
  flags: Pick<BuildFlags, 'images' | 'baseRegistry' | 'lock'>;
}

function renderedProject(invocation: Invocation, io: CliIo): Rendered & { flags: BuildFlags } {
  const { family, set, templates } = loadProject(invocation, io);
  const lockFile = lockFor(invocation, family);
  const flags = { ...buildFlags(invocation, io), ...(lockFile ? { lock: lockFile.bases } : {}) };
  return { set, files: renderFamily(family, templates, lockFile?.bases), flags };
}

/**
 * The units (of the selection, every unit without one) whose input digest differs from the one the manifest at git
 * commit `ref` gives them; decided from the files alone, no engine. A manifest missing or invalid at `ref` changes
 * every image.
 */
export async function changedSince(ref: string, invocation: Invocation, io: CliIo, now: Rendered): Promise<string[]> {
  const folder = manifestDir(invocation);
  const selected = new Set(now.set.select(now.flags.images, { withAncestors: false }).map((unit) => unit.id));
  const inputsNow = inputsFor(now.set, now.files, folder, now.flags, io);
  const checkout = await checkoutAt(ref, folder, io);
  try {
    const manifestThen = inCopy(invocation.manifestPath, checkout.root, checkout.copy);
    let inputsThen: Map<string, InputsOf> | undefined;
    if (existsSync(manifestThen)) {
      const invocationThen: Invocation = { ...invocation, manifestPath: manifestThen };
      try {
        const { family, set, templates } = loadProject(invocationThen, io);
        const lock = readLock(dirname(manifestThen))?.bases;
        // The lock as it was at REF: one added or removed since changes the bases.
        const { lock: _lockNow, ...withoutLock } = now.flags;
        const flags = { ...withoutLock, images: [], ...(lock ? { lock } : {}) };
        const files = renderFamily(family, templates, lock);
        inputsThen = inputsFor(set, files, dirname(manifestThen), flags, io, (path) => inCopy(path, checkout.root, checkout.copy));
      } catch (error) {
        if (!(error instanceof MlrunImagesError)) throw error;
        io.stderr.write(`mlrun-images: warning: the manifest at ${ref} cannot be read (${error.message.split('\n')[0]}); every image counts as changed\n`);
      }
    }
    return changedUnits(now.set, inputsNow, inputsThen).filter((unit) => selected.has(unit));
  } finally {
    checkout.release();
  }
}

/** `list`: every reference in build order; with `--changed-since REF` the names of the images that changed. */
export async function listCommand(invocation: Invocation, io: CliIo): Promise<number> {
  const ref = stringOption(invocation, 'changed-since');
  if (ref === undefined) {
    const { family, set, facts } = loadProject(invocation, io);
    const { json } = summaryTargets({ json: stringOption(invocation, 'json') }, io.cwd, () => inputsOfRun(family, invocation, io.cwd));
    const units = set.units.map((unit) => ({ name: unit.id, image: unit.image, reference: unit.reference, variant: unit.variant }));
    // What the source checkouts said (their facts), each with where it was read; the environment and --set still win.
    const summary = `${JSON.stringify({ images: units, facts }, null, 2)}\n`;
    if (json) writeTo(json, summary, io.stdout);
    if (json?.kind !== 'stdout') io.stdout.write(set.units.map((unit) => `${unit.reference}\n`).join(''));
    return 0;
  }
  const changed = await changedSince(ref, invocation, io, renderedProject(invocation, io));
  io.stdout.write(changed.map((name) => `${name}\n`).join(''));
  return 0;
}

interface ImageStatusRow {
  name: string;
  reference: string;
  freshness: Freshness;
  inputs: string;
  found?: string;
}

function statusTable(rows: readonly ImageStatusRow[], where: string): string {
  const nameWidth = Math.max(5, ...rows.map((row) => row.name.length));
  const stateWidth = 10;
  const lines = rows.map(({ name, reference, freshness }) => {
    const why = freshness.state === 'stale' ? `  ${freshness.why.join('; ')}` : '';
    return `${name.padEnd(nameWidth)}  ${freshness.state.padEnd(stateWidth)}  ${reference}${why}`;
  });
  const counts = (['up to date', 'stale', 'missing'] as const).map((state) => `${rows.filter((row) => row.freshness.state === state).length} ${state}`);
  return [
    `${'image'.padEnd(nameWidth)}  ${'state'.padEnd(stateWidth)}  reference  (why it is stale)`,
    ...lines,
    '',
    `${counts.join(', ')} (${where})`,
    '',
  ].join('\n');
}

function statusJson(rows: readonly ImageStatusRow[]): string {
  const images = rows.map(({ name, reference, freshness, inputs, found }) => ({
    name,
    reference,
    state: freshness.state,
    inputs,
    ...(found !== undefined ? { found } : {}),
    ...(freshness.state === 'stale' ? { why: freshness.why } : {}),
  }));
  return `${JSON.stringify({ images }, null, 2)}\n`;
}

/** `status`: exit 0 when every image is up to date, 1 otherwise. */
export async function statusCommand(invocation: Invocation, io: CliIo): Promise<number> {
  const rendered = renderedProject(invocation, io);
  const { set, flags } = rendered;
  const folder = manifestDir(invocation);
  const remote = flagOption(invocation, 'remote');
  const { json } = summaryTargets({ json: stringOption(invocation, 'json') }, io.cwd, () => inputsOfRun(rendered.set.family, invocation, io.cwd));
  const names = flags.changedSince !== undefined ? await changedSince(flags.changedSince, invocation, io, rendered) : flags.images;
  const units = flags.changedSince !== undefined && names.length === 0 ? [] : set.select(names, { withAncestors: false });
  const inputs = inputsFor(set, rendered.files, folder, flags, io);
  const references = units.map((unit) => unit.reference);
  let found: Map<string, string | undefined>;
  let where: string;
  if (remote) {
    found = await registryInputLabels(
      references,
      io,
      (reference, problem) => io.stderr.write(`mlrun-images: ${reference}: ${problem}\n`),
      flags.registryTimeoutMs,
    );
    where = 'in their registries';
  } else {
    const engine: Engine = await detect(requestedEngineOf(stringOption(invocation, 'engine')), io);
    found = await localInputLabels(engine, references, io);
    where = `on ${engine.label}`;
  }
  const rows = units.map((unit): ImageStatusRow => {
    const wanted = inputs.get(unit.id)!;
    const label = found.get(unit.reference);
    return {
      name: unit.id,
      reference: unit.reference,
      freshness: freshnessOf(wanted, label, folder),
      inputs: wanted.digest,
      ...(label ? { found: label } : {}),
    };
  });
  if (json) writeTo(json, statusJson(rows), io.stdout);
  if (json?.kind !== 'stdout') io.stdout.write(statusTable(rows, where));
  return rows.every((row) => row.freshness.state === 'up to date') ? 0 : 1;
}
