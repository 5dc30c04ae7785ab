import { buildArgFlags, type BuildRequest, type Command, type Engine, type EngineModule } from './engine.js';
import { containerCliRuntime } from './test-runtime.js';

/** docker: BuildKit when its buildx plugin answers, else the classic builder. */
export function dockerEngine({ buildkit }: { buildkit: boolean }): Engine {
  return {
    name: 'docker',
    label: `docker (${buildkit ? 'BuildKit' : 'classic builder'})`,
    capabilities: { localImageStore: true, pushesWhileBuilding: false, buildsGraphs: false, runsContainers: true },
    buildCommand(request: BuildRequest): Command {
      const args = ['build', '-f', request.dockerfile, '-t', request.reference, ...buildArgFlags(request)];
      if (buildkit) args.push('--build-arg', 'BUILDKIT_INLINE_CACHE=1', '--progress=plain');
      for (const reference of request.cacheFrom) args.push('--cache-from', reference);
      if (request.noCache) args.push('--no-cache');
      if (request.pull) args.push('--pull');
      if (!buildkit) args.push('--force-rm');
      args.push(request.context);
      return { command: 'docker', args, env: { DOCKER_BUILDKIT: buildkit ? '1' : '0' } };
    },
    pushCommand: (reference) => ({ command: 'docker', args: ['push', reference] }),
    pullCommand: (reference) => ({ command: 'docker', args: ['pull', reference] }),
    tagCommand: (reference, target) => ({ command: 'docker', args: ['tag', reference, target] }),
    imageIdCommand: (reference) => ({ command: 'docker', args: ['image', 'inspect', '--format', '{{.Id}}', reference] }),
    /** docker push prints `TAG: digest: sha256:… size: N`. */
    pushedDigest: (output) => /digest: (sha256:[0-9a-f]{64})/.exec(output)?.[1],
    testRuntime: (runner) => containerCliRuntime('docker', runner),
  };
}

export const docker: EngineModule = {
  name: 'docker',
  priority: 1,
  async detect(runner) {
    const probe = await runner.run({ command: 'docker', args: ['info', '--format', '{{.ID}}'] });
    if (probe.exitCode !== 0) return undefined;
    const buildx = await runner.run({ command: 'docker', args: ['buildx', 'version'] });
    return dockerEngine({ buildkit: buildx.exitCode === 0 });
  },
  assumed: () => dockerEngine({ buildkit: false }),
};
