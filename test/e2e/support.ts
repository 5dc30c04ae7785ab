/** What the end-to-end tests share: the local registry, the engines that answer, and how to run the built command. */
import { execa, execaSync } from 'execa';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/cli/files.js';

export const REGISTRY = '127.0.0.1:5000';
export const BIN = join(PACKAGE_ROOT, 'bin', 'mlrun-images.js');

export type E2eEngine = 'docker' | 'docker-classic' | 'bake' | 'podman' | 'buildah';

/** Why an engine cannot be used here (undefined: it can), with the registry and its Debian base. */
export function engineProblem(engine: E2eEngine): string | undefined {
  const command = engine === 'podman' || engine === 'buildah' ? engine : 'docker';
  const probe = engine === 'buildah' ? ['version'] : engine === 'podman' ? ['info', '--format', '{{.Host.OS}}'] : ['info'];
  if (execaSync(command, probe, { reject: false }).exitCode !== 0) return `${command} does not answer`;
  if ((engine === 'docker' || engine === 'bake') && execaSync('docker', ['buildx', 'version'], { reject: false }).exitCode !== 0) {
    return "docker's buildx plugin does not answer";
  }
  const base = execaSync(
    'curl',
    ['-fsS', '-o', '/dev/null', '-H', 'Accept: application/vnd.docker.distribution.manifest.v2+json', `http://${REGISTRY}/v2/debian/manifests/bookworm`],
    { reject: false },
  );
  if (base.exitCode !== 0) return `the registry on ${REGISTRY} does not serve debian:bookworm`;
  return undefined;
}

/** In CI a missing engine is a failure; elsewhere the tests are skipped with one line saying why. */
export function requireEngine(engine: E2eEngine, what: string): string | undefined {
  const problem = engineProblem(engine);
  if (problem && process.env.CI) throw new Error(`${what}: ${problem}; CI must run scripts/dev-engine.sh first`);
  if (problem) console.log(`skipping ${what}: ${problem} (run scripts/dev-engine.sh as root to set it up)`);
  return problem;
}

/** The release variables and the mirror that make a fixture build against the local registry. */
export function releaseArgs(version: string, repo: string): string[] {
  return [
    '--set',
    `MLRUN_VERSION=${version}`,
    '--set',
    `MLRUN_DOCKER_REPO=${repo}`,
    '--set',
    `MLRUN_DOCKER_REGISTRY=${REGISTRY}/`,
    '--base-registry',
    REGISTRY,
  ];
}

export function mlrunImages(cwd: string, args: string[], env: Record<string, string> = {}) {
  return execa('node', [BIN, ...args], { cwd, reject: false, all: true, env: { MLRUN_BUILD_ENGINE: '', ...env } });
}

/** Every manifest type a registry may hold for a tag: an image, or an index (docker's containerd store pushes one). */
export const MANIFEST_TYPES =
  'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json';

/** The digest the registry serves for a tag (undefined: it has no such tag). */
export async function registryDigest(repository: string, tag: string): Promise<string | undefined> {
  const response = await fetch(`http://${REGISTRY}/v2/${repository}/manifests/${tag}`, { method: 'HEAD', headers: { Accept: MANIFEST_TYPES } });
  return response.status === 200 ? (response.headers.get('docker-content-digest') ?? undefined) : undefined;
}

/** Whether the registry has this tag of this repository. */
export async function registryHasTag(repository: string, tag: string): Promise<boolean> {
  return (await registryDigest(repository, tag)) !== undefined;
}
