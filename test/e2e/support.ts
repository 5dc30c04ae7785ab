/** What the end-to-end tests share: the local registry, the engines that answer, and how to run the built command. */
import { execa, execaSync } from 'execa';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/cli/files.js';
import { ACCEPTED_MANIFEST_TYPES } from '../../src/registry/client.js';

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
  return baseImageProblem();
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

/** Asked as the product's registry client asks: every manifest type it accepts (docker's containerd store pushes OCI). */
const ACCEPT = ACCEPTED_MANIFEST_TYPES.join(', ');

export interface ManifestProbe {
  /** The HTTP status of a GET of the tag's manifest (0: the registry did not answer). */
  status: number;
  /** The Content-Type of the answer: the manifest's media type when the status is 200. */
  mediaType: string;
  /** What the registry said when it refused (its first error message), or curl's own error. */
  message: string;
}

/** A GET of a tag's manifest on the local registry, synchronous so that a test file can decide at load whether it runs. */
export function probeManifest(repository: string, tag: string, registry = REGISTRY): ManifestProbe {
  const get = execaSync(
    'curl',
    ['-sS', '--max-time', '10', '-w', '\n%{http_code} %{content_type}', '-H', `Accept: ${ACCEPT}`, `http://${registry}/v2/${repository}/manifests/${tag}`],
    { reject: false },
  );
  const lines = get.stdout.split('\n');
  const [status = '0', contentType = ''] = (lines.pop() ?? '').split(/ (.*)/);
  const mediaType = contentType.split(';')[0]?.trim() ?? '';
  let message = get.stderr.trim();
  try {
    message = (JSON.parse(lines.join('\n')) as { errors?: { message?: string }[] }).errors?.[0]?.message ?? message;
  } catch {}
  return { status: Number(status) || 0, mediaType, message };
}

/** Why the registry cannot give the tests their Debian base (undefined: it can), with what it answered. */
export function baseImageProblem(): string | undefined {
  const { status, mediaType, message } = probeManifest('debian', 'bookworm');
  if (status === 200 && ACCEPTED_MANIFEST_TYPES.includes(mediaType)) return undefined;
  if (status === 0) return `no registry answers on ${REGISTRY} (${message})`;
  const answer = status === 200 ? `a manifest of type ${mediaType || '(none)'}` : `${status}${message ? `: ${message}` : ''}`;
  return `the registry on ${REGISTRY} does not serve debian:bookworm as any of ${ACCEPT}; it answered ${answer}`;
}

/** The digest the registry serves for a tag (undefined: it has no such tag). */
export async function registryDigest(repository: string, tag: string): Promise<string | undefined> {
  const response = await fetch(`http://${REGISTRY}/v2/${repository}/manifests/${tag}`, { method: 'HEAD', headers: { Accept: ACCEPT } });
  return response.status === 200 ? (response.headers.get('docker-content-digest') ?? undefined) : undefined;
}

/** Whether the registry has this tag of this repository. */
export async function registryHasTag(repository: string, tag: string): Promise<boolean> {
  return (await registryDigest(repository, tag)) !== undefined;
}
