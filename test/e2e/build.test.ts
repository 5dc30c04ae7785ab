import { execa, execaSync } from 'execa';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PACKAGE_ROOT } from '../../src/cli/files.js';
import { BIN, mlrunImages as run, REGISTRY, registryDigest, releaseArgs as releaseArgsOf, requireEngine } from './support.js';

/**
 * End-to-end: real builds on the local engine and pushes to the registry on 127.0.0.1:5000 that
 * scripts/dev-engine.sh sets up. In CI a missing engine fails these tests; elsewhere they are skipped.
 */
const FIXTURE = join(PACKAGE_ROOT, 'test', 'e2e', 'fixture');
const VERSION = `e2e-${Date.now()}`;
const REPO = 'e2e';
const reference = (name: string) => `${REGISTRY}/${REPO}/${name}:${VERSION}`;
const problem = requireEngine('docker', 'the end-to-end build tests');
const releaseArgs = releaseArgsOf(VERSION, REPO);
// The docker engine, image by image (named: without --engine docker with buildx builds as bake does).
const mlrunImages = (args: string[], options: { env?: Record<string, string> } = {}) => run(FIXTURE, args, { MLRUN_BUILD_ENGINE: 'docker', ...options.env });

interface Summary {
  images: { name: string; reference: string; status: string; imageId?: string; digest?: string; startedAt?: string; finishedAt?: string; reason?: string }[];
}

async function registryJson(path: string): Promise<unknown> {
  return (await fetch(`http://${REGISTRY}${path}`)).json();
}

describe.skipIf(problem !== undefined)('mlrun-images build on the local engine', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'mlrun-images-e2e-'));
  const summaryFile = join(scratch, 'summary.json');
  let run: Awaited<ReturnType<typeof mlrunImages>>;
  let summary: Summary;
  const image = (name: string) => summary.images.find((entry) => entry.name === name)!;

  beforeAll(async () => {
    run = await mlrunImages(['build', '--push', '--concurrency', '3', '--json', summaryFile, ...releaseArgs]);
    summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as Summary;
  }, 600_000);
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  test('a failed image skips exactly its descendants; the others are built and pushed; exit code 1', () => {
    expect(run.exitCode, run.all).toBe(1);
    expect(Object.fromEntries(summary.images.map(({ name, status }) => [name, status]))).toEqual({
      'chain-base': 'pushed',
      'chain-mpi': 'pushed',
      'chain-app': 'pushed',
      solo: 'pushed',
      broken: 'failed',
      'broken-child': 'skipped',
    });
    expect(image('broken-child').reason).toBe('`broken` failed');
    expect(run.all).toContain('broken: `RUN echo about to fail  && exit 3` exited with 3 (docker buildx build exited with 1)');
    expect(run.all).toMatch(/log: .*\.build\/logs\/broken\.log/);
    expect(run.all).toContain('about to fail');
  });

  test('parents are built before children, and independent images overlap in time', () => {
    const time = (name: string, field: 'startedAt' | 'finishedAt') => Date.parse(image(name)[field]!);
    expect(time('chain-mpi', 'startedAt')).toBeGreaterThanOrEqual(time('chain-base', 'finishedAt'));
    expect(time('chain-app', 'startedAt')).toBeGreaterThanOrEqual(time('chain-mpi', 'finishedAt'));
    expect(time('solo', 'startedAt')).toBeLessThan(time('chain-base', 'finishedAt'));
    expect(time('chain-base', 'startedAt')).toBeLessThan(time('solo', 'finishedAt'));
  });

  test('the OpenMPI image runs mpirun', async () => {
    const result = await execa('docker', ['run', '--rm', reference('chain-app'), 'mpirun', '--version'], { reject: false });
    expect(result.stdout).toContain('Open MPI');
  });

  test('images are tagged with the reference list prints and carry the OCI labels', async () => {
    const listed = await mlrunImages(['list', ...releaseArgs.slice(0, 6)]);
    expect(listed.stdout.split('\n')).toContain(reference('chain-app'));
    const inspected = JSON.parse((await execa('docker', ['image', 'inspect', reference('chain-app')])).stdout) as {
      Id: string;
      Config: { Labels: Record<string, string> };
    }[];
    const revision = (await execa('git', ['rev-parse', 'HEAD'], { cwd: PACKAGE_ROOT })).stdout.trim();
    expect(inspected[0]!.Config.Labels).toMatchObject({
      'org.opencontainers.image.title': 'chain-app',
      'org.opencontainers.image.description': 'One more layer on top of OpenMPI',
      'org.opencontainers.image.version': VERSION,
      'org.opencontainers.image.revision': revision,
    });
    expect(Object.values(inspected[0]!.Config.Labels).join(' ')).not.toMatch(/\d{4}-\d\d-\d\dT/);
    expect(image('chain-app').imageId).toBe(inspected[0]!.Id);
  });

  test('--push landed every built image in the registry, with the digests of the summary', async () => {
    const catalog = (await registryJson('/v2/_catalog?n=1000')) as { repositories: string[] };
    for (const name of ['chain-base', 'chain-mpi', 'chain-app', 'solo']) {
      expect(catalog.repositories).toContain(`${REPO}/${name}`);
      const tags = (await registryJson(`/v2/${REPO}/${name}/tags/list`)) as { tags: string[] };
      expect(tags.tags).toContain(VERSION);
      expect(await registryDigest(`${REPO}/${name}`, VERSION)).toBe(image(name).digest);
    }
    expect(catalog.repositories).not.toContain(`${REPO}/broken`);
  });

  test('--dry-run prints the engine commands in order and runs nothing', async () => {
    const fakeBin = join(scratch, 'fake-bin');
    const calls = join(scratch, 'engine-calls');
    execaSync('mkdir', ['-p', fakeBin]);
    writeFileSync(join(fakeBin, 'docker'), `#!/bin/sh\necho "$@" >> ${calls}\n`);
    chmodSync(join(fakeBin, 'docker'), 0o755);
    const result = await mlrunImages(['build', 'chain-app', '--dry-run', '--push', ...releaseArgs], { env: { PATH: `${fakeBin}:${process.env.PATH}` } });
    expect(result.exitCode, result.all).toBe(0);
    const builds = result.stdout.split('\n').filter((line) => line.startsWith('docker buildx build '));
    expect(builds.map((line) => /-t (\S+)/.exec(line)?.[1])).toEqual([reference('chain-base'), reference('chain-mpi'), reference('chain-app')]);
    expect(result.stdout).toContain(`docker push ${reference('chain-app')}`);
    expect(existsSync(calls)).toBe(false);
  });

  test('lock, then a production build on the locked digest', async () => {
    const project = join(scratch, 'locked');
    execaSync('cp', ['-r', FIXTURE, project]);
    rmSync(join(project, '.build'), { recursive: true, force: true });
    const locked = await execa('node', [BIN, 'lock', '--base-registry', REGISTRY], { cwd: project, reject: false, all: true });
    expect(locked.exitCode, locked.all).toBe(0);
    const lockText = readFileSync(join(project, 'images.lock.yaml'), 'utf8');
    const digest = /digest: (sha256:[0-9a-f]{64})/.exec(lockText)![1];
    const built = await execa('node', [BIN, 'build', 'chain-base', '--locked', '--production', '--engine', 'docker', ...releaseArgs], {
      cwd: project,
      reject: false,
      all: true,
    });
    expect(built.exitCode, built.all).toBe(0);
    expect(readFileSync(join(project, '.build', 'logs', 'chain-base.log'), 'utf8')).toContain(`BASE_IMAGE=${REGISTRY}/debian:bookworm@${digest}`);
  }, 300_000);

  test('examples/production is locked against the registry (stand-ins for its bases), and builds on the digests', async () => {
    const project = join(scratch, 'example');
    execaSync('cp', ['-r', join(PACKAGE_ROOT, 'examples', 'production'), project]);
    // Stand-ins: the local Debian base pushed under the names of the example's bases on the mirror.
    for (const name of ['mlrun/mlrun:1.7.0', 'python:3.11.9-slim-bookworm']) {
      execaSync('docker', ['tag', `${REGISTRY}/debian:bookworm`, `${REGISTRY}/${name}`]);
      execaSync('docker', ['push', `${REGISTRY}/${name}`]);
    }
    const locked = await execa('node', [BIN, 'lock', '--base-registry', REGISTRY], { cwd: project, reject: false, all: true });
    expect(locked.exitCode, locked.all).toBe(0);
    const lockText = readFileSync(join(project, 'images.lock.yaml'), 'utf8');
    expect(lockText).toMatch(/"mlrun\/mlrun:1\.7\.0":\s+digest: sha256:[0-9a-f]{64}/);
    expect(lockText).toMatch(/"python:3\.11\.9-slim-bookworm":\s+digest: sha256:[0-9a-f]{64}/);
    const check = await execa('node', [BIN, 'lock', '--check', '--base-registry', REGISTRY], { cwd: project, reject: false, all: true });
    expect(check.exitCode, check.all).toBe(0);
    const planned = await execa('node', [BIN, 'build', '--locked', '--production', '--dry-run', '--engine', 'docker', '--base-registry', REGISTRY], {
      cwd: project,
      reject: false,
      all: true,
    });
    expect(planned.exitCode, planned.all).toBe(0);
    const digest = /"mlrun\/mlrun:1\.7\.0":\s+digest: (sha256:[0-9a-f]{64})/.exec(lockText)![1];
    expect(planned.stdout).toContain(`BASE_IMAGE=${REGISTRY}/mlrun/mlrun:1.7.0@${digest}`);
  }, 300_000);

  test('without --engine, docker with buildx builds the selection as one bake graph', async () => {
    // --force: built before with the same inputs; this is about which engine builds them.
    const result = await mlrunImages(['build', 'chain-mpi', '--force', ...releaseArgs], { env: { MLRUN_BUILD_ENGINE: '' } });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toContain('building 2 image(s) with docker buildx bake, as one graph');
    expect(existsSync(join(FIXTURE, '.build', 'logs', '_bake.log'))).toBe(true);
  }, 300_000);

  test('--builder runs the builds on a named buildx builder (the second context dev-engine.sh makes); a missing one exits 2', async () => {
    // A context's builder serves only while that context is the current one; no other driver runs offline (the
    // docker-container and kubernetes drivers pull moby/buildkit, remote needs a buildkitd).
    const inContext = { env: { DOCKER_CONTEXT: 'mlrun-images-e2e' } };
    // --force: solo was built before with the same inputs; this is about where the build runs.
    const result = await mlrunImages(['build', 'solo', '--force', '--builder', 'mlrun-images-e2e', ...releaseArgs], inContext);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toContain('with docker (BuildKit, builder mlrun-images-e2e)');
    expect(readFileSync(join(FIXTURE, '.build', 'logs', 'solo.log'), 'utf8')).toContain('docker buildx build --builder mlrun-images-e2e ');
    const missing = await mlrunImages(['build', 'solo', '--builder', 'no-such-builder', ...releaseArgs]);
    expect(missing.exitCode).toBe(2);
    expect(missing.all).toContain('--builder no-such-builder: no such buildx builder');
  }, 300_000);

  // bake too: a cache not in the registry yet (the first run) is no failure there either.
  test.each(['docker', 'bake'])(
    '--cache-to on %s: the cache pushed to the registry is what a machine with an empty build cache builds from',
    async (engine) => {
      const cache = `${REGISTRY}/e2e-cache-${engine}-${Date.now()}`;
      // --force: the images were built before with the same inputs; this is about the cache their builds export.
      const args = ['build', 'chain-mpi', '--force', '--engine', engine, '--cache-to', cache, ...releaseArgs];
      const first = await mlrunImages(args);
      expect(first.exitCode, first.all).toBe(0);
      const tags = (await registryJson(`/v2/${cache.slice(REGISTRY.length + 1)}/tags/list`)) as { tags: string[] };
      expect(tags.tags.sort()).toEqual(['chain-base', 'chain-mpi']);
      // Another machine: nothing built here before.
      execaSync('docker', ['image', 'rm', reference('chain-base'), reference('chain-mpi')], { reject: false });
      execaSync('docker', ['buildx', 'prune', '--all', '--force']);
      const second = await mlrunImages(args);
      expect(second.exitCode, second.all).toBe(0);
      const log = readFileSync(join(FIXTURE, '.build', 'logs', 'chain-mpi.log'), 'utf8');
      expect(log).toContain(`importing cache manifest from ${cache}:chain-mpi`);
      expect(log).toMatch(/#\d+ \[(chain-mpi )?[12]\/2\] RUN apt-get update[^\n]*\n#\d+ CACHED/);
    },
    600_000,
  );
});
