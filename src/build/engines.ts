import { formatReference, parseReference } from '../reference.js';
import { dockerfileValue, shellWord } from '../render/templates.js';
import type { BuildStep } from './plan.js';

export const ENGINES = ['docker', 'podman', 'buildah'] as const;
export type EngineName = (typeof ENGINES)[number];

export interface Engine {
  name: EngineName;
  /** docker only: build with BuildKit (the buildx plugin answers) or the classic builder. */
  buildkit: boolean;
}

/** A command line, built by pure functions and run by one small function at the edge. */
export interface Command {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

/** podman and buildah refuse plain-HTTP registries unless told; a loopback registry is such a one. */
function tlsVerifyFlag(engine: Engine, reference: string): string[] {
  if (engine.name === 'docker') return [];
  const parsed = parseReference(reference);
  const host = parsed.ok ? (parsed.reference.registry ?? '') : '';
  return /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/.test(host) ? ['--tls-verify=false'] : [];
}

function withoutTag(reference: string): string {
  const parsed = parseReference(reference);
  return parsed.ok ? formatReference({ ...parsed.reference, tag: undefined, digest: undefined }) : reference;
}

export function buildCommand(engine: Engine, step: BuildStep): Command {
  const args = engine.name === 'buildah' ? ['build', '--layers'] : ['build'];
  args.push('-f', step.dockerfile, '-t', step.reference);
  for (const [name, value] of Object.entries(step.buildArgs)) args.push('--build-arg', `${name}=${value}`);
  if (engine.name === 'docker' && engine.buildkit) args.push('--build-arg', 'BUILDKIT_INLINE_CACHE=1', '--progress=plain');
  // podman and buildah take a repository for --cache-from, and refuse a tag.
  for (const reference of step.cacheFrom) args.push('--cache-from', engine.name === 'docker' ? reference : withoutTag(reference));
  if (step.noCache) args.push('--no-cache');
  if (step.pull) args.push('--pull');
  if (engine.name === 'docker' && !engine.buildkit) args.push('--force-rm');
  if (engine.name !== 'docker') {
    const bases = Object.entries(step.buildArgs).filter(([name]) => name.endsWith('BASE_IMAGE'));
    if (bases.some(([, reference]) => tlsVerifyFlag(engine, reference).length > 0)) args.push('--tls-verify=false');
  }
  args.push(step.context);
  return { command: engine.name, args, ...(engine.name === 'docker' ? { env: { DOCKER_BUILDKIT: engine.buildkit ? '1' : '0' } } : {}) };
}

/**
 * The build's Dockerfile: the generated one plus one LABEL instruction with the OCI labels. One instruction, not
 * one `--label` flag each: the classic builder commits a layer per flag (about 0.15 s each).
 */
export function withLabels(dockerfile: string, labels: Readonly<Record<string, string>>): string {
  // Label values are text: a `$` in a description is not a variable.
  const pairs = Object.entries(labels).map(([name, value]) => `${name}=${dockerfileValue(value).replace(/\$/g, '\\$')}`);
  return pairs.length === 0 ? dockerfile : `${dockerfile}\n# Added by mlrun-images build.\nLABEL ${pairs.join(' \\\n      ')}\n`;
}

export function pushCommand(engine: Engine, reference: string, digestFile: string): Command {
  if (engine.name === 'docker') return { command: 'docker', args: ['push', reference] };
  return { command: engine.name, args: ['push', ...tlsVerifyFlag(engine, reference), '--digestfile', digestFile, reference] };
}

export function pullCommand(engine: Engine, reference: string): Command {
  return { command: engine.name, args: ['pull', ...tlsVerifyFlag(engine, reference), reference] };
}

export function imageIdCommand(engine: Engine, reference: string): Command {
  if (engine.name === 'buildah') return { command: 'buildah', args: ['inspect', '--type', 'image', '--format', '{{.FromImageID}}', reference] };
  return { command: engine.name, args: ['image', 'inspect', '--format', '{{.Id}}', reference] };
}

/** The command that answers when an engine is there and running. */
export function probeCommand(name: EngineName): Command {
  return name === 'buildah' ? { command: 'buildah', args: ['version'] } : { command: name, args: ['info', '--format', '{{.ID}}'] };
}

/** docker push prints `TAG: digest: sha256:… size: N`. */
export function digestFromPushOutput(output: string): string | undefined {
  return /digest: (sha256:[0-9a-f]{64})/.exec(output)?.[1];
}

/** The step a build is at, from BuildKit's (`#7 [2/4] RUN …`) or the classic builder's (`Step 2/4 : RUN …`) output. */
export function stepFromOutput(line: string): string | undefined {
  const buildkit = /^#\d+ \[(?:[\w.-]+ )?(\d+\/\d+)\] (.*)$/.exec(line);
  if (buildkit) return `${buildkit[1]} ${buildkit[2]}`;
  const classic = /^Step (\d+\/\d+) : (.*)$/.exec(line);
  if (classic) return `${classic[1]} ${classic[2]}`;
  const buildah = /^STEP (\d+\/\d+): (.*)$/.exec(line);
  if (buildah) return `${buildah[1]} ${buildah[2]}`;
  return undefined;
}

/** A command line as a person would paste it into a shell. */
export function formatCommand({ command, args, env }: Command): string {
  const prefix = Object.entries(env ?? {})
    .map(([name, value]) => `${name}=${shellWord(value)} `)
    .join('');
  return `${prefix}${[command, ...args].map(shellWord).join(' ')}`;
}
