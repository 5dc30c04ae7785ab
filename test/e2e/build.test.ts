import { execa, execaSync } from 'execa';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PACKAGE_ROOT } from '../../src/cli/files.js';
import { BIN, mlrunImages as run, REGISTRY, releaseArgs as releaseArgsOf, requireEngine } from './support.js';

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
const mlrunImages = (args: string[], options: { env?: Record<string, string> } = {}) => run(FIXTURE, args, options.env);

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
    expect(run.all).toContain('broken: docker build exited with 3');
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
      const head = await fetch(`http://${REGISTRY}/v2/${REPO}/${name}/manifests/${VERSION}`, {
        method: 'HEAD',
        headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' },
      });
      expect(head.headers.get('docker-content-digest')).toBe(image(name).digest);
    }
    expect(catalog.repositories).not.toContain(`${REPO}/broken`);
  });

  test('Ctrl-C stops the engine processes it started and exits 130', async () => {
    const containersBefore = (await execa('docker', ['ps', '-aq'])).stdout.split('\n').filter(Boolean).length;
    const child = execa('node', [BIN, 'build', 'solo', '--no-cache', ...releaseArgs], { cwd: FIXTURE, reject: false, all: true });
    let output = '';
    await new Promise<void>((resolve) => {
      child.all!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (/step \d+\/\d+ RUN sleep/.test(output)) resolve();
      });
    });
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode, result.all).toBe(130);
    expect(result.all).toContain('cancelled');
    let leftovers: string[] = [];
    for (let attempt = 0; attempt < 20; attempt++) {
      const processes = (await execa('pgrep', ['-f', 'docker build .*solo'], { reject: false })).stdout.split('\n').filter(Boolean);
      const containers = (await execa('docker', ['ps', '-aq'])).stdout.split('\n').filter(Boolean);
      leftovers = [...processes, ...containers.slice(containersBefore)];
      if (leftovers.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(leftovers).toEqual([]);
  }, 120_000);

  test('--dry-run prints the engine commands in order and runs nothing', async () => {
    const fakeBin = join(scratch, 'fake-bin');
    const calls = join(scratch, 'engine-calls');
    execaSync('mkdir', ['-p', fakeBin]);
    writeFileSync(join(fakeBin, 'docker'), `#!/bin/sh\necho "$@" >> ${calls}\n`);
    chmodSync(join(fakeBin, 'docker'), 0o755);
    const result = await mlrunImages(['build', 'chain-app', '--dry-run', '--push', ...releaseArgs], { env: { PATH: `${fakeBin}:${process.env.PATH}` } });
    expect(result.exitCode, result.all).toBe(0);
    const builds = result.stdout.split('\n').filter((line) => line.includes(' docker build '));
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
    const built = await execa('node', [BIN, 'build', 'chain-base', '--locked', '--production', ...releaseArgs], { cwd: project, reject: false, all: true });
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
    const planned = await execa('node', [BIN, 'build', '--locked', '--production', '--dry-run', '--base-registry', REGISTRY], {
      cwd: project,
      reject: false,
      all: true,
    });
    expect(planned.exitCode, planned.all).toBe(0);
    const digest = /"mlrun\/mlrun:1\.7\.0":\s+digest: (sha256:[0-9a-f]{64})/.exec(lockText)![1];
    expect(planned.stdout).toContain(`BASE_IMAGE=${REGISTRY}/mlrun/mlrun:1.7.0@${digest}`);
  }, 300_000);

  const hasBuildah = execaSync('buildah', ['version'], { reject: false }).exitCode === 0;
  test.skipIf(!hasBuildah)(
    'the same chain builds with buildah',
    async () => {
      const result = await mlrunImages(['build', 'chain-app', '--engine', 'buildah', ...releaseArgs]);
      expect(result.exitCode, result.all).toBe(0);
      const inspected = JSON.parse((await execa('buildah', ['inspect', '--type', 'image', reference('chain-app')])).stdout) as {
        OCIv1: { config: { Labels: Record<string, string> } };
      };
      expect(inspected.OCIv1.config.Labels['org.opencontainers.image.title']).toBe('chain-app');
      const mpi = await execa('buildah', ['inspect', '--type', 'image', reference('chain-mpi')], { reject: false });
      expect(mpi.exitCode).toBe(0);
    },
    600_000,
  );
});
