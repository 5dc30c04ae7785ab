/** The registry of engines: detected by priority through the injected runner. */
import { UsageError } from '../errors.js';
import { buildah } from './buildah.js';
import { bake, docker, dockerClassic } from './docker.js';
import { ENGINE_NAMES, type Engine, type EngineModule, type EngineOptions } from './engine.js';
import { podman } from './podman.js';
import type { ProcessRunner } from './process.js';

export type { Engine, EngineName, EngineOptions } from './engine.js';

export const ENGINE_MODULES: readonly EngineModule[] = [docker, podman, buildah, dockerClassic, bake].sort((a, b) => a.priority - b.priority);

/** The engine `--engine NAME` (or MLRUN_BUILD_ENGINE) asks for; an unknown name is a usage error. */
export function engineModule(name: string): EngineModule {
  const found = ENGINE_MODULES.find((module) => module.name === name);
  if (!found) throw new UsageError(`unknown engine \`${name}\`: expected one of ${ENGINE_NAMES.join(', ')}`);
  return found;
}

/** The requested engine, or the first that answers by priority; none answering is a usage error. */
export async function detectEngine(requested: string | undefined, runner: ProcessRunner, options: EngineOptions = {}): Promise<Engine> {
  const candidates = requested !== undefined ? [engineModule(requested)] : ENGINE_MODULES.filter((module) => module.detectedByDefault);
  for (const candidate of candidates) {
    const engine = await candidate.detect(runner, options);
    if (engine) return asRequested(candidate, engine, requested, options);
  }
  throw new UsageError(
    `${requested ? `the engine \`${requested}\` does not answer` : `no container engine answers (tried ${candidates.map((module) => module.name).join(', ')})`}: ` +
      'start one (for docker: `dockerd &` as root, or `systemctl start docker`), or install podman or buildah; ' +
      'on a Debian machine, scripts/dev-engine.sh installs and starts docker and a local registry',
  );
}

/** The engine a dry run prints commands for, without asking anything: without a name, docker with buildx as it defaults. */
export function assumedEngine(requested: string | undefined, options: EngineOptions = {}): Engine {
  const module = engineModule(requested ?? 'docker');
  return asRequested(module, module.assumed(options), requested, options);
}

/** A named engine as it is; without a name, what its module builds with by default. */
function asRequested(module: EngineModule, engine: Engine, requested: string | undefined, options: EngineOptions): Engine {
  return requested === undefined ? (module.asDefault?.(engine, options) ?? engine) : engine;
}
