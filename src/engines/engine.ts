/**
 * A container engine: one module each (docker.ts, podman.ts, buildah.ts), one interface, capabilities as data.
 * Engine command lines are built by pure functions; one small runner (process.ts) spawns them.
 */
import { UsageError } from '../errors.js';
import { formatReference, parseReference } from '../reference.js';
import { shellWord } from '../dockerfile/quote.js';
import type { Command, ProcessRunner } from './process.js';
import type { TestRuntime } from './test-runtime.js';

export type { Command } from './process.js';

export const ENGINE_NAMES = ['docker', 'docker-classic', 'bake', 'podman', 'buildah'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

/** What an engine can do; the scheduler asks these instead of the engine's name. */
export interface EngineCapabilities {
  /** Built images stay in a local image store, where they can be inspected, run and pushed from. */
  localImageStore: boolean;
  /** Pushes as part of the build, in one step. */
  pushesWhileBuilding: boolean;
  /** Builds a whole graph of images in one call. */
  buildsGraphs: boolean;
  /** Runs containers from the images it built (image tests). */
  runsContainers: boolean;
  /** Exports build cache to a registry (`--cache-to`, BuildKit's `type=registry,mode=max`). */
  exportsCache: boolean;
}

/** One image build, as an engine needs it. */
export interface BuildRequest {
  reference: string;
  dockerfile: string;
  context: string;
  buildArgs: Readonly<Record<string, string>>;
  cacheFrom: readonly string[];
  /** Registry caches to export to (BuildKit engines): `type=registry,ref=…,mode=max`. */
  cacheTo: readonly string[];
  noCache: boolean;
  pull: boolean;
}

/** One image of a graph build (bake): the build, its name, the target it is built on and its labels. */
export interface GraphTarget extends BuildRequest {
  name: string;
  parent?: string;
  labels: Readonly<Record<string, string>>;
}

/** How an engine that builds graphs runs the whole selection in one call. */
export interface GraphBuilder {
  /** What the file the call reads (a bake file) holds. */
  file(targets: readonly GraphTarget[]): string;
  /** The call, reading `file`; it writes what it built to `metadataFile`. */
  command(file: string, metadataFile: string): Command;
  /** One call for the ids of all the images built: one line each, in order. */
  imageIdsCommand(references: readonly string[]): Command;
}

export interface Engine {
  name: EngineName;
  /** How messages name it: `docker (BuildKit)`. */
  label: string;
  capabilities: EngineCapabilities;
  buildCommand(request: BuildRequest): Command;
  pushCommand(reference: string, digestFile: string): Command;
  pullCommand(reference: string): Command;
  /** Give a built image another reference (MLRun's cache image). */
  tagCommand(reference: string, target: string): Command;
  imageIdCommand(reference: string): Command;
  /**
   * One call for one label of many local images: a line `<the image's names as JSON>\t<the label's value>` for each
   * image there, in the order asked, none for an image that is not (see labelsFromOutput).
   */
  labelCommand(references: readonly string[], label: string): Command;
  /** The digest a successful push reports: in its output, or in the digest file it wrote. */
  pushedDigest(output: string, readDigestFile: () => string | undefined): string | undefined;
  /** How it runs image tests, through the runner. */
  testRuntime(runner: ProcessRunner): TestRuntime;
  /** Present when it builds a whole graph in one call (capabilities.buildsGraphs). */
  graph?: GraphBuilder;
  /**
   * Present when an interrupted build leaves its working containers behind (podman and buildah do, whatever the
   * signal): how to list them (one id a line) and remove them. The run removes those that appeared while it ran.
   */
  buildContainers?: { list: Command; remove(ids: readonly string[]): Command };
}

/** What a run asks of every engine it detects. */
export interface EngineOptions {
  /** The buildx builder (BuildKit engines): `docker-container`, `remote` or `kubernetes` driver, or another context. */
  builder?: string;
  /**
   * The targets a build builds (bake's names for them): the default engine builds them as one graph when it can name
   * each. Absent: nothing is built (`test`, `status`), and docker stays docker.
   */
  targets?: readonly string[];
}

export interface EngineModule {
  name: EngineName;
  /** Without `--engine`, engines are tried in this order (lowest first). */
  priority: number;
  /** The engine, when it answers on this machine; asked through the runner. */
  detect(runner: ProcessRunner, options: EngineOptions): Promise<Engine | undefined>;
  /** The engine as it is most likely set up, without asking it (`--dry-run`). */
  assumed(options: EngineOptions): Engine;
  /** Whether it is tried when no engine is named (bake and docker-classic are asked for by name). */
  detectedByDefault: boolean;
  /**
   * What it builds with when no engine is named, given the engine it found: docker with buildx builds the family as one
   * graph (bake). Absent: the engine found.
   */
  asDefault?(found: Engine, options: EngineOptions): Engine;
}

/** `--builder` names a buildx builder: an engine without BuildKit refuses it. */
export function refuseBuilder(engine: string, { builder }: EngineOptions): void {
  if (builder) throw new UsageError(`--builder ${builder}: ${engine} has no buildx builders; use --engine docker or bake`);
}

/** A loopback registry serves plain HTTP; podman and buildah refuse that unless told. */
export function isLoopbackRegistry(reference: string): boolean {
  const parsed = parseReference(reference);
  const host = parsed.ok ? (parsed.reference.registry ?? '') : '';
  return /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/.test(host);
}

/** The reference without tag or digest (podman and buildah take a repository for --cache-from). */
export function withoutTag(reference: string): string {
  const parsed = parseReference(reference);
  return parsed.ok ? formatReference({ ...parsed.reference, tag: undefined, digest: undefined }) : reference;
}

/** The build arguments of a request, as `--build-arg NAME=VALUE` pairs. */
export function buildArgFlags(request: BuildRequest): string[] {
  return Object.entries(request.buildArgs).flatMap(([name, value]) => ['--build-arg', `${name}=${value}`]);
}

/** `--cache-from` and `--cache-to` flags in BuildKit's form (a bare reference means a registry image or cache). */
export function buildkitCacheFlags(request: BuildRequest): string[] {
  return [...request.cacheFrom.flatMap((entry) => ['--cache-from', entry]), ...request.cacheTo.flatMap((entry) => ['--cache-to', entry])];
}

/** The step a build is at, from BuildKit's (`#7 [2/4] RUN …`), the classic builder's (`Step 2/4 : RUN …`) or buildah's output. */
export function stepFromOutput(line: string): string | undefined {
  const buildkit = /^#\d+ \[(?:[\w.-]+ )?(\d+\/\d+)\] (.*)$/.exec(line);
  if (buildkit) return `${buildkit[1]} ${buildkit[2]}`;
  const classic = /^Step (\d+\/\d+) : (.*)$/.exec(line);
  if (classic) return `${classic[1]} ${classic[2]}`;
  const buildah = /^STEP (\d+\/\d+): (.*)$/.exec(line);
  if (buildah) return `${buildah[1]} ${buildah[2]}`;
  return undefined;
}

/** The step of a build that failed, as the engine's own output says: its instruction and its exit code. */
export interface FailedStep {
  instruction?: string;
  exitCode?: number;
}

/**
 * Reads a build's output, line by line, for the step that failed: BuildKit's `#8 [3/3] RUN exit 7` … `#8 ERROR: process
 * "/bin/sh -c exit 7" did not complete successfully: exit code: 7`; the classic builder's `Step 3/3 : RUN exit 7` …
 * `returned a non-zero code: 7`; buildah's and podman's `building at STEP "RUN exit 7": … exit status 7`.
 */
export function failedStepReader(): { read(line: string): void; failed(): FailedStep | undefined } {
  const vertices = new Map<string, string>();
  let current: string | undefined;
  let failed: FailedStep | undefined;
  return {
    read(line) {
      const vertex = /^#(\d+) \[(?:[\w.-]+ )?\d+\/\d+\] (.*)$/.exec(line);
      if (vertex) vertices.set(vertex[1]!, vertex[2]!);
      const step = stepFromOutput(line);
      if (step) current = step.replace(/^\d+\/\d+ /, '');
      const buildkit = /^(?:#(\d+) )?ERROR:? .*did not complete successfully: exit code: (\d+)/.exec(line);
      if (buildkit && !failed) {
        failed = {
          exitCode: Number(buildkit[2]),
          ...(buildkit[1] && vertices.has(buildkit[1]) ? { instruction: vertices.get(buildkit[1])! } : current ? { instruction: current } : {}),
        };
      }
      const classic = /returned a non-zero code: (\d+)/.exec(line);
      if (classic && !failed) failed = { exitCode: Number(classic[1]), ...(current ? { instruction: current } : {}) };
      const buildah = /building at STEP "(.*)": .*exit status (\d+)/.exec(line);
      if (buildah && !failed) failed = { instruction: buildah[1]!, exitCode: Number(buildah[2]) };
    },
    failed: () => failed,
  };
}

/** Why a build command failed, in words: the failing step's own exit code and instruction, or the signal that killed it. */
export function buildFailureReason(command: Command, result: { exitCode: number; signal?: string }, step: FailedStep | undefined): string {
  const name = commandName(command);
  if (result.signal) return `${name} was killed (${result.signal})`;
  if (step?.exitCode === undefined) return `${name} exited with ${result.exitCode}`;
  const instruction = step.instruction ? `\`${step.instruction.length > 120 ? `${step.instruction.slice(0, 120)}…` : step.instruction}\`` : 'a step';
  return `${instruction} exited with ${step.exitCode} (${name} exited with ${result.exitCode})`;
}

/** What a message calls a command: `docker build`, `docker buildx bake`, `buildah push`. */
export function commandName({ command, args }: Command): string {
  const words = args[0] === 'buildx' ? args.slice(0, 2) : args.slice(0, 1);
  return [command, ...words].join(' ');
}

/** A command line as a person would paste it into a shell. */
export function formatCommand({ command, args, env }: Command): string {
  const prefix = Object.entries(env ?? {})
    .map(([name, value]) => `${name}=${shellWord(value)} `)
    .join('');
  return `${prefix}${[command, ...args].map(shellWord).join(' ')}`;
}

/** docker's and podman's inspect format for labelCommand: the image's names, a tab, the label. */
export const labelFormat = (label: string) => `{{json .RepoTags}}\t{{index .Config.Labels "${label}"}}`;

/** A reference as the engines list it, written out in full: `docker.io/library/python:latest`. */
function fullName(reference: string): string | undefined {
  const parsed = parseReference(reference);
  if (!parsed.ok) return undefined;
  const { registry = 'docker.io', path, tag = 'latest' } = parsed.reference;
  const fullPath = registry === 'docker.io' && !path.includes('/') ? `library/${path}` : path;
  return `${registry}/${fullPath}:${tag}`;
}

/**
 * The label of each reference from a labelCommand's standard output: its value ('' when the image has none), or
 * undefined when the engine has no image by that name. Lines come in the order asked, one per image found; podman
 * lists an image tagged without a registry under `localhost/`.
 */
export function labelsFromOutput(references: readonly string[], output: string): Map<string, string | undefined> {
  const lines = output
    .split('\n')
    .filter((line) => line.startsWith('['))
    .map((line) => {
      const tab = line.indexOf('\t');
      let names: unknown;
      try {
        names = JSON.parse(tab === -1 ? line : line.slice(0, tab));
      } catch {
        names = [];
      }
      const full = new Set((Array.isArray(names) ? names : []).filter((name): name is string => typeof name === 'string').map((name) => fullName(name)));
      return { full, value: tab === -1 ? '' : line.slice(tab + 1).trim() };
    });
  const found = new Map<string, string | undefined>();
  let next = 0;
  for (const reference of references) {
    const line = lines[next];
    const parsed = parseReference(reference);
    const local = parsed.ok && parsed.reference.registry === undefined ? fullName(`localhost/${reference}`) : undefined;
    const names = line?.full;
    if (names && (names.has(fullName(reference)) || (local !== undefined && names.has(local)))) {
      found.set(reference, line!.value === '<no value>' ? '' : line!.value);
      next++;
    } else {
      found.set(reference, undefined);
    }
  }
  return found;
}
