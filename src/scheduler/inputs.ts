/**
 * Input digests: each image of a plan summed up as one sha256 over everything that determines it, so an image whose
 * inputs have not changed need not be built again. Pure: the Dockerfiles and the context files' digests are given.
 */
import { createHash } from 'node:crypto';
import { baseArgName } from '../dockerfile/instructions.js';
import type { BuildStep } from './plan.js';

/** The label an image carries its input digest in. */
export const INPUTS_LABEL = 'org.mlrun-images.inputs';

/** Labels that say where an image was built from, not what it is: a new commit alone does not make an image stale. */
const LABELS_NOT_INPUTS: ReadonlySet<string> = new Set(['org.opencontainers.image.revision', 'org.opencontainers.image.source', INPUTS_LABEL]);

/** Changed, every digest changes: how inputs are summed up is part of them. */
const FORMAT = 1;

/** Everything that determines one image, as its digest sums it up. */
export interface ImageInputs {
  /** The rendered Dockerfile's sha256. */
  dockerfile: string;
  /** The build arguments: release variables, variant variables, and each stage's base (the parent's reference, or an external base as written, or its locked digest). */
  buildArgs: Record<string, string>;
  /** The labels that describe the image (not its revision or source). */
  labels: Record<string, string>;
  /** Each file the build can read from its context (path → sha256, ` executable` when it is), or the git URL it is fetched from. */
  context: Record<string, string> | { git: string };
  /** The parent image's input digest, when the image is built on one of the family. */
  parent?: { name: string; digest: string };
}

export interface InputsOf {
  name: string;
  digest: string;
  inputs: ImageInputs;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** JSON with every object's keys sorted: the same inputs are the same text. */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(',')}}`;
}

export function inputDigest(inputs: ImageInputs): string {
  return `sha256:${sha256(canonical({ format: FORMAT, ...inputs }))}`;
}

export interface InputSources {
  /** The rendered Dockerfile of a step (without the labels a build adds). */
  dockerfileOf(step: BuildStep): string;
  /** The context files of a step, or its git URL. */
  contextOf(step: BuildStep): ImageInputs['context'];
  /**
   * The input digest of the image a child is actually built on, when that is not the parent as its inputs are now
   * (`--no-deps`: the parent the engine has, as it is).
   */
  builtOn?(parent: string): string | undefined;
}

/** The inputs and digest of every step, parents first (a parent's digest is an input of its children). */
export function planInputs(steps: readonly BuildStep[], sources: InputSources): Map<string, InputsOf> {
  const computed = new Map<string, InputsOf>();
  for (const step of steps) {
    const parent = step.parent === undefined ? undefined : computed.get(step.parent);
    const inputs: ImageInputs = {
      dockerfile: sha256(sources.dockerfileOf(step)),
      buildArgs: { ...step.buildArgs },
      labels: Object.fromEntries(Object.entries(step.labels).filter(([name]) => !LABELS_NOT_INPUTS.has(name))),
      context: sources.contextOf(step),
      ...(parent ? { parent: { name: parent.name, digest: sources.builtOn?.(parent.name) ?? parent.digest } } : {}),
    };
    computed.set(step.name, { name: step.name, digest: inputDigest(inputs), inputs });
  }
  return computed;
}

/** Which of a build argument's names hold a base image reference. */
const isBaseArg = (name: string) => name === baseArgName() || name.endsWith(`_${baseArgName()}`);

/** What differs between two sets of an image's inputs, as a person reads it: `context file requirements.txt`. */
export function inputChanges(before: ImageInputs, after: ImageInputs): string[] {
  const changes: string[] = [];
  if (before.dockerfile !== after.dockerfile) changes.push('Dockerfile');
  if ((before.parent?.digest ?? '') !== (after.parent?.digest ?? '')) changes.push(`parent ${after.parent?.name ?? before.parent?.name}`);
  const changedKeys = (a: Record<string, string>, b: Record<string, string>) =>
    [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((key) => a[key] !== b[key]).sort();
  for (const name of changedKeys(before.buildArgs, after.buildArgs)) {
    // A parent's reference follows its name and tag; what it holds is the parent's digest, reported above.
    if (isBaseArg(name)) changes.push(`base ${after.buildArgs[name] ?? '(none)'} (was ${before.buildArgs[name] ?? 'none'})`);
    else changes.push(`build argument ${name}`);
  }
  for (const name of changedKeys(before.labels, after.labels)) changes.push(`label ${name}`);
  const gitOf = (context: ImageInputs['context']) => ('git' in context && typeof context.git === 'string' ? context.git : undefined);
  const [gitBefore, gitAfter] = [gitOf(before.context), gitOf(after.context)];
  if (gitBefore !== undefined || gitAfter !== undefined) {
    if (gitBefore !== gitAfter) changes.push(`context ${gitAfter ?? 'folder'} (was ${gitBefore ?? 'a folder'})`);
  } else {
    const [filesBefore, filesAfter] = [before.context as Record<string, string>, after.context as Record<string, string>];
    for (const path of changedKeys(filesBefore, filesAfter)) {
      const how = filesBefore[path] === undefined ? ' (added)' : filesAfter[path] === undefined ? ' (removed)' : '';
      changes.push(`context file ${path}${how}`);
    }
  }
  return changes;
}
