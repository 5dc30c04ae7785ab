import { containerCliRuntime } from './test-runtime.js';
import {
  buildArgFlags,
  type BuildRequest,
  type Command,
  type Engine,
  type EngineModule,
  isLoopbackRegistry,
  labelFormat,
  refuseBuilder,
  withoutTag,
} from './engine.js';

/** `--tls-verify=false` for a plain-HTTP loopback registry, which podman and buildah refuse otherwise. */
export function tlsVerifyFlag(reference: string): string[] {
  return isLoopbackRegistry(reference) ? ['--tls-verify=false'] : [];
}

/** The build flags podman and buildah share (they take a repository for --cache-from, and refuse a tag). */
export function ociBuildArgs(request: BuildRequest): string[] {
  const args = ['-f', request.dockerfile, '-t', request.reference, ...buildArgFlags(request)];
  for (const reference of request.cacheFrom) args.push('--cache-from', withoutTag(reference));
  if (request.noCache) args.push('--no-cache');
  if (request.pull) args.push('--pull');
  const bases = Object.entries(request.buildArgs).filter(([name]) => name.endsWith('BASE_IMAGE'));
  if (bases.some(([, reference]) => isLoopbackRegistry(reference))) args.push('--tls-verify=false');
  args.push(request.context);
  return args;
}

/** Push with the digest written to a file, and pull, as podman and buildah do both. */
export function ociTransfers(name: 'podman' | 'buildah'): Pick<Engine, 'pushCommand' | 'pullCommand' | 'tagCommand' | 'pushedDigest'> {
  return {
    tagCommand: (reference, target) => ({ command: name, args: ['tag', reference, target] }),
    pushCommand: (reference, digestFile) => ({ command: name, args: ['push', ...tlsVerifyFlag(reference), '--digestfile', digestFile, reference] }),
    pullCommand: (reference) => ({ command: name, args: ['pull', ...tlsVerifyFlag(reference), reference] }),
    pushedDigest: (_output, readDigestFile) => readDigestFile()?.trim() || undefined,
  };
}

export function podmanEngine(): Engine {
  return {
    name: 'podman',
    label: 'podman',
    capabilities: { localImageStore: true, pushesWhileBuilding: false, buildsGraphs: false, runsContainers: true, exportsCache: false },
    buildCommand: (request: BuildRequest): Command => ({ command: 'podman', args: ['build', ...ociBuildArgs(request)] }),
    imageIdCommand: (reference) => ({ command: 'podman', args: ['image', 'inspect', '--format', '{{.Id}}', reference] }),
    labelCommand: (references, label) => ({ command: 'podman', args: ['image', 'inspect', '--format', labelFormat(label), ...references] }),
    ...ociTransfers('podman'),
    testRuntime: (runner) => containerCliRuntime('podman', runner),
    // A build's working containers are buildah's: `--external` lists them, and only they have no state podman knows
    // (`unknown`): containers podman runs are never touched.
    buildContainers: {
      list: { command: 'podman', args: ['ps', '--all', '--quiet', '--external', '--filter', 'status=unknown'] },
      remove: (ids) => ({ command: 'podman', args: ['rm', '--force', ...ids] }),
    },
  };
}

export const podman: EngineModule = {
  name: 'podman',
  priority: 2,
  detectedByDefault: true,
  async detect(runner, options) {
    refuseBuilder('podman', options);
    // `{{.Host.OS}}` is a field podman's info has (docker's `{{.ID}}` is not: podman exits 125 on it).
    const probe = await runner.run({ command: 'podman', args: ['info', '--format', '{{.Host.OS}}'] });
    return probe.exitCode === 0 ? podmanEngine() : undefined;
  },
  assumed: () => podmanEngine(),
};
