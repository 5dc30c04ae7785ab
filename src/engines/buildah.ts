import { type BuildRequest, type Command, type Engine, type EngineModule, refuseBuilder } from './engine.js';
import { ociBuildArgs, ociTransfers, tlsVerifyFlag } from './podman.js';
import { buildahRuntime } from './test-runtime.js';

export function buildahEngine(): Engine {
  return {
    name: 'buildah',
    label: 'buildah',
    capabilities: { localImageStore: true, pushesWhileBuilding: false, buildsGraphs: false, runsContainers: false, exportsCache: false },
    // --force-rm: a failing step's working container is removed too (buildah keeps it by default).
    buildCommand: (request: BuildRequest): Command => ({ command: 'buildah', args: ['build', '--layers', '--force-rm', ...ociBuildArgs(request)] }),
    imageIdCommand: (reference) => ({ command: 'buildah', args: ['inspect', '--type', 'image', '--format', '{{.FromImageID}}', reference] }),
    // buildah inspects one image a call: one shell runs them all, printing the lines docker and podman print.
    labelCommand: (references, label) => ({
      command: 'sh',
      args: [
        '-c',
        `for reference; do value=$(buildah inspect --type image --format '{{index .OCIv1.Config.Labels "${label}"}}' "$reference" 2>/dev/null) && printf '["%s"]\\t%s\\n' "$reference" "$value"; done`,
        'sh',
        ...references,
      ],
    }),
    ...ociTransfers('buildah'),
    testRuntime: (runner) => buildahRuntime(runner, tlsVerifyFlag),
    buildContainers: {
      list: { command: 'buildah', args: ['containers', '--quiet'] },
      remove: (ids) => ({ command: 'buildah', args: ['rm', ...ids] }),
    },
  };
}

export const buildah: EngineModule = {
  name: 'buildah',
  priority: 3,
  detectedByDefault: true,
  async detect(runner, options) {
    refuseBuilder('buildah', options);
    const probe = await runner.run({ command: 'buildah', args: ['version'] });
    return probe.exitCode === 0 ? buildahEngine() : undefined;
  },
  assumed: () => buildahEngine(),
};
