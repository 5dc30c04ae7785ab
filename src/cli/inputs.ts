/**
 * The edge of incremental builds: each image's input digest from its Dockerfile and the files of its context, the
 * digests the images already built carry (one engine call, or the registry), and what changed since a git ref.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { Engine } from '../engines/engine.js';
import { labelsFromOutput } from '../engines/engine.js';
import { MlrunImagesError, UsageError } from '../errors.js';
import type { Family } from '../family/family.js';
import type { FamilySet } from '../family/variants.js';
import { contextPathsOf } from '../layers/index.js';
import type { GeneratedFiles } from '../pipeline.js';
import { dockerConfigPath, RegistryError, readDockerConfig, registryLabels } from '../registry/client.js';
import { INPUTS_LABEL, type ImageInputs, type InputsOf, inputChanges, planInputs } from '../scheduler/inputs.js';
import type { BuildPlan } from '../scheduler/plan.js';
import { contextFiles } from './context-files.js';
import type { CliIo } from './project.js';
import { runnerOf, workFolder } from './run-plan.js';
import { isGitContext } from './sources.js';

/**
 * The inputs of every step of a plan (planned with its ancestors, so each parent's digest is known). An image that
 * copies nothing from its context reads none of it; one that copies `.` reads all of it but what the context's own
 * `.dockerignore` leaves out; else exactly what its generated `Dockerfile.dockerignore` keeps.
 */
export function inputsOfPlan(
  plan: BuildPlan,
  files: GeneratedFiles,
  family: Family,
  builtOn?: (parent: string) => string | undefined,
  warn: (message: string) => void = () => {},
): Map<string, InputsOf> {
  const contexts = new Map<string, Record<string, string>>();
  return planInputs(plan.steps, {
    ...(builtOn ? { builtOn } : {}),
    dockerfileOf: (step) => files.get(`${step.image}/Dockerfile`) ?? '',
    contextOf: (step) => {
      if (contextPathsOf(family.graph.layersOf(step.image)).length === 0) return {};
      if (isGitContext(step.context)) return { git: step.context };
      const ignore = files.get(`${step.image}/Dockerfile.dockerignore`);
      // Images built from one checkout (and an image's variants) share its files: each is read once.
      const key = `${step.context}\0${ignore ?? ''}`;
      if (!contexts.has(key)) {
        const found = contextFiles(step.context, ignore);
        // An image that copies its whole context, and a .dockerignore that leaves nothing of it: surely not meant.
        if (found.allIgnored && ignore === undefined) {
          warn(`the build context ${step.context} of \`${step.image}\` has files, and its .dockerignore leaves none of them to the build`);
        }
        contexts.set(key, found.digests);
      }
      return contexts.get(key)!;
    },
  });
}

const recordsFolder = (folder: string) => join(workFolder(folder), 'inputs');
const recordOf = (folder: string, digest: string) => join(recordsFolder(folder), `${digest.replace(/^sha256:/, '')}.json`);

/** Keep each image's inputs under its digest, so a later `status` can say what changed since the image was built. */
export function recordInputs(folder: string, inputs: Iterable<InputsOf>): void {
  mkdirSync(recordsFolder(folder), { recursive: true });
  for (const { digest, inputs: parts } of inputs) {
    const path = recordOf(folder, digest);
    if (!existsSync(path)) writeFileSync(path, `${JSON.stringify(parts)}\n`);
  }
}

function recordedInputs(folder: string, digest: string): ImageInputs | undefined {
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) return undefined;
  const path = recordOf(folder, digest);
  try {
    return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as ImageInputs) : undefined;
  } catch {
    return undefined;
  }
}

/** Where an image's inputs label was read: the local engine, or the registry. */
export type Found = Map<string, string | undefined>;

/** The inputs label of each reference on the local engine, in one call; undefined for an image it does not have. */
export async function localInputLabels(engine: Engine, references: readonly string[], io: CliIo): Promise<Found> {
  if (references.length === 0) return new Map();
  // Every line, as it comes: what the runner keeps of the output is its last part, and a large family prints more.
  const lines: string[] = [];
  await runnerOf(io).run(engine.labelCommand(references, INPUTS_LABEL), { onLine: (line) => lines.push(line) });
  return labelsFromOutput(references, lines.join('\n'));
}

/**
 * The inputs label of each reference in its registry (read as the lock reads digests: the registry API). A registry
 * that cannot be asked (refused, unreachable) counts as not having the image; `onProblem` hears why.
 */
export async function registryInputLabels(
  references: readonly string[],
  io: CliIo,
  onProblem: (reference: string, problem: string) => void = () => {},
  timeoutMs?: number,
): Promise<Found> {
  let dockerConfig: ReturnType<typeof readDockerConfig> | undefined;
  try {
    dockerConfig = readDockerConfig(dockerConfigPath(io.env as NodeJS.ProcessEnv));
  } catch (error) {
    if (!(error instanceof MlrunImagesError)) throw error;
    for (const reference of references) onProblem(reference, error.message);
    return new Map(references.map((reference) => [reference, undefined]));
  }
  const found = await Promise.all(
    references.map(async (reference) => {
      let labels: Record<string, string> | undefined;
      try {
        labels = await registryLabels(reference, { ...(dockerConfig ? { dockerConfig } : {}), ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
      } catch (error) {
        if (!(error instanceof RegistryError)) throw error;
        onProblem(reference, error.message);
      }
      // An image without the label is there: '' tells it from one that is not.
      return [reference, labels === undefined ? undefined : (labels[INPUTS_LABEL] ?? '')] as const;
    }),
  );
  return new Map(found);
}

export type Freshness = { state: 'up to date' } | { state: 'missing' } | { state: 'stale'; why: string[] };

/** Whether the image found under a reference has the inputs it would be built from, and if not, what changed. */
export function freshnessOf(wanted: InputsOf, found: string | undefined, folder: string): Freshness {
  if (found === undefined) return { state: 'missing' };
  if (found === wanted.digest) return { state: 'up to date' };
  if (found === '') return { state: 'stale', why: [`built without an ${INPUTS_LABEL} label`] };
  const before = recordedInputs(folder, found);
  if (!before) return { state: 'stale', why: [`built from other inputs (${found.slice(0, 19)}…, not recorded here)`] };
  const changes = inputChanges(before, wanted.inputs);
  return { state: 'stale', why: changes.length > 0 ? changes : ['inputs differ'] };
}

/** The checkout's top folder, when the manifest is in a git checkout. */
async function gitRoot(folder: string, io: CliIo): Promise<string | undefined> {
  const result = await runnerOf(io).run({ command: 'git', args: ['rev-parse', '--show-toplevel'], cwd: folder });
  if (result.exitCode !== 0 && /\bENOENT\b/.test(result.output) && /spawn git|git ENOENT|not found/.test(result.output)) return 'no git';
  return result.exitCode === 0 ? result.output.trim() : undefined;
}

/**
 * The files of the checkout at `ref`, in a temporary folder (removed by `release`). Only what git tracks: a file not
 * committed at `ref` is a file added since.
 */
export async function checkoutAt(ref: string, folder: string, io: CliIo): Promise<{ root: string; copy: string; release(): void }> {
  const root = await gitRoot(folder, io);
  if (root === 'no git') throw new UsageError(`--changed-since ${ref}: git is not installed (not on PATH); it is what reads the commit`);
  if (root === undefined) throw new UsageError(`--changed-since ${ref}: ${folder} is not in a git checkout`);
  const runner = runnerOf(io);
  const verified = await runner.run({ command: 'git', args: ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], cwd: root });
  if (verified.exitCode !== 0) throw new UsageError(`--changed-since ${ref}: no such commit, branch or tag in ${root} (fetch it first in a shallow clone)`);
  const copy = mkdtempSync(join(tmpdir(), 'mlrun-images-since-'));
  const release = () => rmSync(copy, { recursive: true, force: true });
  const archive = join(copy, '.archive.tar');
  const made = await runner.run({ command: 'git', args: ['archive', '--format=tar', '-o', archive, verified.output.trim()], cwd: root });
  const unpacked = made.exitCode === 0 ? await runner.run({ command: 'tar', args: ['-xf', archive, '-C', copy] }) : made;
  rmSync(archive, { force: true });
  if (unpacked.exitCode !== 0) {
    release();
    throw new MlrunImagesError(`--changed-since ${ref}: could not read the checkout at ${ref}: ${unpacked.output.trim().split('\n').pop()}`);
  }
  return { root: realpathSync(root), copy, release };
}

/** A path of the checkout, in its copy at another commit; a path outside the checkout is the same path. */
export function inCopy(path: string, root: string, copy: string): string {
  // The checkout's root as git names it has its symbolic links resolved: so must the path (a manifest reached
  // through a link, /tmp on macOS).
  const absolute = realPath(resolve(path));
  return absolute === root || absolute.startsWith(root + sep) ? join(copy, relative(root, absolute)) : absolute;
}

/** The path with its symbolic links resolved, as far as it exists (the rest as written). */
function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : join(realPath(parent), basename(path));
  }
}

/**
 * The units whose input digest differs between two computations (a unit new since counts). Digests hold their
 * parent's, so every unit built on a changed one is among them.
 */
export function changedUnits(set: FamilySet, now: ReadonlyMap<string, InputsOf>, before: ReadonlyMap<string, InputsOf> | undefined): string[] {
  return set.units.filter((unit) => now.has(unit.id) && before?.get(unit.id)?.digest !== now.get(unit.id)!.digest).map((unit) => unit.id);
}
