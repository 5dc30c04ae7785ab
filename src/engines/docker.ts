import { UsageError } from '../errors.js';
import { bakeFile, bakeTargetProblem } from './bake-file.js';
import {
  buildArgFlags,
  type BuildRequest,
  buildkitCacheFlags,
  type Command,
  type Engine,
  type EngineModule,
  type EngineOptions,
  labelFormat,
  refuseBuilder,
} from './engine.js';
import type { ProcessRunner } from './process.js';
import { containerCliRuntime } from './test-runtime.js';

const builderFlag = ({ builder }: EngineOptions) => (builder ? ['--builder', builder] : []);

/** What every docker engine shares: push, pull, tag, inspect and running tests, through the docker CLI. */
function dockerCli(): Pick<Engine, 'pushCommand' | 'pullCommand' | 'tagCommand' | 'imageIdCommand' | 'labelCommand' | 'pushedDigest' | 'testRuntime'> {
  return {
    pushCommand: (reference) => ({ command: 'docker', args: ['push', reference] }),
    pullCommand: (reference) => ({ command: 'docker', args: ['pull', reference] }),
    tagCommand: (reference, target) => ({ command: 'docker', args: ['tag', reference, target] }),
    imageIdCommand: (reference) => ({ command: 'docker', args: ['image', 'inspect', '--format', '{{.Id}}', reference] }),
    labelCommand: (references, label) => ({ command: 'docker', args: ['image', 'inspect', '--format', labelFormat(label), ...references] }),
    /** docker push prints `TAG: digest: sha256:… size: N`. */
    pushedDigest: (output) => /digest: (sha256:[0-9a-f]{64})/.exec(output)?.[1],
    testRuntime: (runner) => containerCliRuntime('docker', runner),
  };
}

/** docker's classic builder (`DOCKER_BUILDKIT=0`): what hosts without the buildx plugin have. */
export function dockerClassicEngine(): Engine {
  return {
    name: 'docker-classic',
    label: 'docker (classic builder)',
    capabilities: { localImageStore: true, pushesWhileBuilding: false, buildsGraphs: false, runsContainers: true, exportsCache: false },
    buildCommand(request: BuildRequest): Command {
      const args = ['build', '-f', request.dockerfile, '-t', request.reference, ...buildArgFlags(request)];
      for (const reference of request.cacheFrom) args.push('--cache-from', reference);
      if (request.noCache) args.push('--no-cache');
      if (request.pull) args.push('--pull');
      args.push('--force-rm', request.context);
      return { command: 'docker', args, env: { DOCKER_BUILDKIT: '0' } };
    },
    ...dockerCli(),
  };
}

/**
 * docker with BuildKit (`docker buildx build`), on the current buildx builder or `--builder`. `--load` puts the image
 * into the local image store whatever the builder's driver, so it can be tested and pushed from there.
 */
export function dockerBuildkitEngine(options: EngineOptions = {}): Engine {
  return {
    name: 'docker',
    label: `docker (BuildKit${options.builder ? `, builder ${options.builder}` : ''})`,
    capabilities: { localImageStore: true, pushesWhileBuilding: false, buildsGraphs: false, runsContainers: true, exportsCache: true },
    buildCommand(request: BuildRequest): Command {
      const args = ['buildx', 'build', ...builderFlag(options), '--progress=plain', '--load', '-f', request.dockerfile, '-t', request.reference];
      args.push(...buildArgFlags(request));
      // The image carries its cache metadata, so it can be the cache of a later build (MLRun's convention), unless the
      // cache goes to a registry: BuildKit exports one cache per build.
      if (request.cacheTo.length === 0) args.push('--build-arg', 'BUILDKIT_INLINE_CACHE=1');
      args.push(...buildkitCacheFlags(request));
      if (request.noCache) args.push('--no-cache');
      if (request.pull) args.push('--pull');
      args.push(request.context);
      return { command: 'docker', args };
    },
    ...dockerCli(),
  };
}

/** `docker buildx bake`: the whole selection in one call, BuildKit scheduling it as one graph. */
export function bakeEngine(options: EngineOptions = {}): Engine {
  return {
    ...dockerBuildkitEngine(options),
    name: 'bake',
    label: `docker buildx bake${options.builder ? ` (builder ${options.builder})` : ''}`,
    capabilities: { localImageStore: true, pushesWhileBuilding: false, buildsGraphs: true, runsContainers: true, exportsCache: true },
    graph: {
      // Absolute paths: the call runs wherever the command does.
      file: (targets) => `${JSON.stringify(bakeFile(targets, {}), null, 2)}\n`,
      command: (file, metadataFile) => ({
        command: 'docker',
        args: ['buildx', 'bake', ...builderFlag(options), '-f', file, '--progress=plain', '--load', '--metadata-file', metadataFile],
      }),
      imageIdsCommand: (references) => ({ command: 'docker', args: ['image', 'inspect', '--format', '{{.Id}}', ...references] }),
    },
  };
}

export const DOCKER_PROBE = '{{.ID}}{{range .ClientInfo.Plugins}} {{.Name}}{{end}}';

/** Whether docker answers, and whether its buildx plugin (BuildKit) does. */
async function probeDocker(runner: ProcessRunner): Promise<{ answers: boolean; buildx: boolean }> {
  // One call answers both: the daemon's id, and the CLI plugins docker found (each docker call costs a CLI start).
  const probe = await runner.run({ command: 'docker', args: ['info', '--format', DOCKER_PROBE] });
  if (probe.exitCode !== 0) return { answers: false, buildx: false };
  return { answers: true, buildx: (probe.output.trim().split('\n').pop() ?? '').split(' ').includes('buildx') };
}

/** A named builder must exist: asked once, so a typo is reported before anything is built. */
async function checkBuilder(runner: ProcessRunner, { builder }: EngineOptions): Promise<void> {
  if (!builder) return;
  const inspected = await runner.run({ command: 'docker', args: ['buildx', 'inspect', builder] });
  if (inspected.exitCode !== 0) {
    throw new UsageError(`--builder ${builder}: no such buildx builder (\`docker buildx ls\` lists them; \`docker buildx create\` makes one)`);
  }
}

const NEEDS_BUILDX = 'docker has no buildx plugin (`docker info` lists none); install it (Debian: docker-buildx)';

export const docker: EngineModule = {
  name: 'docker',
  priority: 1,
  detectedByDefault: true,
  async detect(runner, options) {
    const { answers, buildx } = await probeDocker(runner);
    if (!answers) return undefined;
    if (!buildx) {
      if (options.builder) throw new UsageError(`--builder ${options.builder}: ${NEEDS_BUILDX}`);
      return dockerClassicEngine();
    }
    await checkBuilder(runner, options);
    return dockerBuildkitEngine(options);
  },
  assumed: (options) => dockerBuildkitEngine(options),
  // A build with BuildKit builds the family as one graph: no image waits for its parent to be exported and loaded.
  // Targets bake cannot name are built image by image; what builds nothing (test, status) keeps docker.
  asDefault: (found, { targets, ...options }) =>
    found.name === 'docker' && targets !== undefined && targets.every((name) => bakeTargetProblem(name) === undefined) ? bakeEngine(options) : found,
};

export const dockerClassic: EngineModule = {
  name: 'docker-classic',
  priority: 4,
  detectedByDefault: false,
  async detect(runner, options) {
    refuseBuilder('the classic builder', options);
    return (await probeDocker(runner)).answers ? dockerClassicEngine() : undefined;
  },
  assumed: dockerClassicEngine,
};

export const bake: EngineModule = {
  name: 'bake',
  priority: 5,
  detectedByDefault: false,
  async detect(runner, options) {
    const { answers, buildx } = await probeDocker(runner);
    if (!answers) return undefined;
    if (!buildx) throw new UsageError(`--engine bake: ${NEEDS_BUILDX}`);
    await checkBuilder(runner, options);
    return bakeEngine(options);
  },
  assumed: (options) => bakeEngine(options),
};
