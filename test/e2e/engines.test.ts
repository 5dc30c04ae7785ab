/**
 * End-to-end on every engine: build, push with the digest recorded, labels, a failing image, Ctrl-C and --cache-from,
 * against the registry on 127.0.0.1:5000 that scripts/dev-engine.sh sets up (build.test.ts has what only the default
 * docker engine is asked: order, overlap, lock, dry run, builders, the registry cache). In CI a missing engine fails
 * these tests; elsewhere they are skipped.
 */
import { execa } from 'execa';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PACKAGE_ROOT } from '../../src/cli/files.js';
import { BIN, type E2eEngine, mlrunImages, REGISTRY, registryDigest, releaseArgs, requireEngine } from './support.js';

const FIXTURE = join(PACKAGE_ROOT, 'test', 'e2e', 'fixture');

interface Summary {
  images: { name: string; status: string; digest?: string; imageId?: string; reason?: string }[];
}

interface EngineCase {
  engine: E2eEngine;
  /** The CLI that holds its images. */
  cli: 'docker' | 'podman' | 'buildah';
  /** How the summary says the broken image failed. */
  failure: string;
  /** A build process of `solo` that must not outlive Ctrl-C (pgrep -f). */
  buildProcess: string;
  /** The command listing what could be left behind (containers), one id a line. */
  leftovers: string[];
  labels(inspected: unknown): Record<string, string>;
}

const dockerLabels = (inspected: unknown) => (inspected as { Config: { Labels: Record<string, string> } }[])[0]!.Config.Labels;

const CASES: EngineCase[] = [
  {
    engine: 'docker',
    cli: 'docker',
    failure: 'docker buildx build exited with 1',
    buildProcess: 'docker buildx build .*solo',
    leftovers: ['docker', 'ps', '-aq'],
    labels: dockerLabels,
  },
  {
    engine: 'docker-classic',
    cli: 'docker',
    failure: 'docker build exited with 3',
    buildProcess: 'docker build .*solo',
    leftovers: ['docker', 'ps', '-aq'],
    labels: dockerLabels,
  },
  {
    engine: 'podman',
    cli: 'podman',
    failure: 'podman build exited with',
    buildProcess: 'podman build .*solo',
    leftovers: ['podman', 'ps', '-aq', '--external'],
    labels: dockerLabels,
  },
  {
    engine: 'buildah',
    cli: 'buildah',
    failure: 'buildah build exited with',
    buildProcess: 'buildah build .*solo',
    leftovers: ['buildah', 'containers', '-q'],
    labels: (inspected) => (inspected as { OCIv1: { config: { Labels: Record<string, string> } } }).OCIv1.config.Labels,
  },
  {
    engine: 'bake',
    cli: 'docker',
    failure: 'docker buildx bake failed: process "/bin/sh -c echo about to fail  && exit 3" did not complete successfully: exit code: 3',
    buildProcess: 'docker buildx bake',
    leftovers: ['docker', 'ps', '-aq'],
    labels: dockerLabels,
  },
];

const inspectCommand = (cli: EngineCase['cli'], reference: string) =>
  cli === 'buildah' ? ['inspect', '--type', 'image', reference] : ['image', 'inspect', reference];

async function lines(command: string[]): Promise<string[]> {
  const result = await execa(command[0]!, command.slice(1), { reject: false });
  return result.stdout.split('\n').filter(Boolean);
}

for (const engineCase of CASES) {
  const { engine, cli } = engineCase;
  const problem = requireEngine(engine, `the end-to-end build tests on ${engine}`);

  describe.skipIf(problem !== undefined)(`mlrun-images build --engine ${engine}`, () => {
    const version = `${engine}-${Date.now()}`;
    const repo = `e2e-${engine}`;
    const reference = (name: string) => `${REGISTRY}/${repo}/${name}:${version}`;
    const project = mkdtempSync(join(tmpdir(), `mlrun-images-e2e-${engine}-`));
    const build = (args: string[]) => mlrunImages(project, ['build', '--engine', engine, ...args, ...releaseArgs(version, repo)]);
    const summaryOf = (file: string) => JSON.parse(readFileSync(join(project, file), 'utf8')) as Summary;
    let pushed: Awaited<ReturnType<typeof mlrunImages>>;
    let summary: Summary;

    beforeAll(async () => {
      cpSync(join(FIXTURE, 'images.yaml'), join(project, 'images.yaml'));
      pushed = await build(['chain-app', 'solo', '--push', '--json', 'pushed.json']);
      summary = summaryOf('pushed.json');
    }, 600_000);
    afterAll(() => rmSync(project, { recursive: true, force: true }));

    test('builds and pushes the chain and solo; the digests recorded are the ones the registry serves', async () => {
      expect(pushed.exitCode, pushed.all).toBe(0);
      expect(summary.images.map(({ name, status }) => [name, status])).toEqual([
        ['chain-base', 'pushed'],
        ['chain-mpi', 'pushed'],
        ['chain-app', 'pushed'],
        ['solo', 'pushed'],
      ]);
      for (const { name, digest } of summary.images) {
        expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
        expect(await registryDigest(`${repo}/${name}`, version)).toBe(digest);
      }
    });

    test('the images carry the OCI labels and run', async () => {
      const inspected = JSON.parse((await execa(cli, inspectCommand(cli, reference('chain-app')))).stdout) as unknown;
      expect(engineCase.labels(inspected)).toMatchObject({
        'org.opencontainers.image.title': 'chain-app',
        'org.opencontainers.image.description': 'One more layer on top of OpenMPI',
        'org.opencontainers.image.version': version,
      });
      if (cli !== 'buildah') {
        const ran = await execa(cli, ['run', '--rm', reference('chain-app'), 'cat', '/chain-base.txt', '/chain-app.txt'], { reject: false });
        expect(ran.stdout, ran.stderr).toBe('base\napp');
      }
    });

    test('a failing image fails with the engine’s message and its log; its child is skipped; exit 1', async () => {
      const failed = await build(['broken-child', '--json', 'failed.json']);
      expect(failed.exitCode, failed.all).toBe(1);
      const images = summaryOf('failed.json').images;
      expect(images.map(({ name, status }) => [name, status])).toEqual([
        ['broken', 'failed'],
        ['broken-child', 'skipped'],
      ]);
      expect(images[0]!.reason).toContain(engineCase.failure);
      expect(images[1]!.reason).toBe('`broken` failed');
      expect(failed.all).toContain('about to fail');
      expect(readFileSync(join(project, '.build', 'logs', 'broken.log'), 'utf8')).toContain('about to fail');
    }, 300_000);

    test('--cache-from a pushed image: the build takes it and succeeds', async () => {
      // --force: solo is there with the same inputs; this is about the build taking the cache.
      const result = await build(['solo', '--force', '--cache-from', reference('solo'), '--json', 'cached.json']);
      expect(result.exitCode, result.all).toBe(0);
      const log = readFileSync(join(project, '.build', 'logs', engine === 'bake' ? '_bake.log' : 'solo.log'), 'utf8');
      if (engine === 'bake') expect(readFileSync(join(project, '.build', 'bake.json'), 'utf8')).toContain(reference('solo'));
      else expect(log).toMatch(/--cache-from \S*e2e-/);
      expect(summaryOf('cached.json').images[0]!.status).toBe('built');
    }, 300_000);

    test('Ctrl-C stops the engine processes it started, leaves nothing behind, and exits 130', async () => {
      const before = await lines(engineCase.leftovers);
      const child = execa('node', [BIN, 'build', 'solo', '--no-cache', '--engine', engine, ...releaseArgs(version, repo)], {
        cwd: project,
        reject: false,
        all: true,
        env: { MLRUN_BUILD_ENGINE: '' },
      });
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
      let left: string[] = [];
      for (let attempt = 0; attempt < 30; attempt++) {
        const processes = await lines(['pgrep', '-f', engineCase.buildProcess]);
        const containers = (await lines(engineCase.leftovers)).filter((id) => !before.includes(id));
        left = [...processes, ...containers];
        if (left.length === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expect(left).toEqual([]);
    }, 120_000);
  });
}
