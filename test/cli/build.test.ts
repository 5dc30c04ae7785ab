import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { Command } from '../../src/engines/engine.js';
import type { ProcessResult, ProcessRunner, RunProcessOptions } from '../../src/engines/process.js';
import { main } from '../../src/cli.js';
import { PACKAGE_ROOT } from '../../src/cli/files.js';

const IMAGES = ['chain-base', 'chain-mpi', 'chain-app', 'solo', 'broken', 'broken-child'];
const reference = (name: string) => `mlrun/${name}:unstable`;
const digestOf = (name: string) => `sha256:${(name.replace(/[^a-f0-9]/g, '') + '0'.repeat(64)).slice(0, 64)}`;

let project: string;
beforeEach(() => {
  project = mkdtempSync(join(tmpdir(), 'mlrun-images-build-cli-'));
  cpSync(join(PACKAGE_ROOT, 'test', 'e2e', 'fixture', 'images.yaml'), join(project, 'images.yaml'));
});
afterEach(() => rmSync(project, { recursive: true, force: true }));

interface FakeOptions {
  /** Which engines answer their probe (`docker info`, `podman info`, `buildah version`). */
  answering?: readonly string[];
  /** Whether docker's info lists the buildx plugin. */
  buildx?: boolean;
  /** Images whose build fails with exit code 3. */
  failing?: readonly string[];
  /** What git answers about the checkout (default: it is not a git checkout). */
  git?: { revision: string; remote: string };
}

const withoutBuildx = ({ args }: Command) => (args[0] === 'buildx' && args[1] === 'build' ? args.slice(1) : args);

/** A ProcessRunner that records every command and answers like a healthy engine (or not), running nothing. */
function fakeRunner({ answering = ['docker', 'podman', 'buildah'], buildx = false, failing = [], git }: FakeOptions = {}) {
  /** Engine commands; git's are kept apart. */
  const calls: Command[] = [];
  const gitCalls: Command[] = [];
  const runner: ProcessRunner = {
    async run(command: Command, { onLine }: RunProcessOptions = {}): Promise<ProcessResult> {
      if (command.command === 'git') {
        gitCalls.push(command);
        if (!git) return { exitCode: 128, output: 'fatal: not a git repository' };
        return { exitCode: 0, output: `${command.args[0] === 'rev-parse' ? git.revision : git.remote}\n` };
      }
      calls.push(command);
      // `docker buildx build …` is a build as `docker build …` is; other buildx commands are probes.
      const args = withoutBuildx(command);
      const [verb] = args;
      const target = args.at(-1)!;
      const name = (verb === 'build' ? args[args.indexOf('-t') + 1]! : target).replace(/^.*\/([^/:]+)(:[^/]*)?$/, '$1');
      if (verb === 'info' || verb === 'version') return { exitCode: answering.includes(command.command) ? 0 : 1, output: buildx ? 'id buildx\n' : 'id\n' };
      if (verb === 'buildx') return { exitCode: buildx ? 0 : 1, output: '' };
      if (verb === 'build') {
        await new Promise((resolve) => setTimeout(resolve, 20));
        const lines = ['Step 1/2 : ARG BASE_IMAGE', 'Step 2/2 : RUN something', ...(failing.includes(name) ? ['about to fail'] : [])];
        for (const line of lines) onLine?.(line);
        return { exitCode: failing.includes(name) ? 3 : 0, output: lines.join('\n') };
      }
      if (verb === 'image' || verb === 'inspect') return { exitCode: 0, output: `sha256:id-${name}\n` };
      if (verb === 'pull') return { exitCode: 1, output: 'manifest unknown' };
      if (verb === 'tag') return { exitCode: 0, output: '' };
      if (verb === 'push') {
        const digestFile = command.args.indexOf('--digestfile');
        if (digestFile !== -1) {
          const path = command.args[digestFile + 1]!;
          mkdirSync(dirname(path), { recursive: true });
          writeFileSync(path, `${digestOf(name)}\n`);
          return { exitCode: 0, output: 'Writing manifest to image destination' };
        }
        return { exitCode: 0, output: `The push refers to repository [docker.io/${target}]\nunstable: digest: ${digestOf(name)} size: 1570` };
      }
      return { exitCode: 1, output: `the fake runner does not know \`${command.command} ${command.args.join(' ')}\`` };
    },
  };
  const of = (verb: string) => calls.filter((call) => withoutBuildx(call)[0] === verb);
  return { runner, calls, gitCalls, of };
}

async function build(args: string[], { env = {}, runner, signal }: { env?: Record<string, string>; runner?: ProcessRunner; signal?: AbortSignal } = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main(['build', ...args], {
    env,
    cwd: project,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    ...(runner ? { runner } : {}),
    ...(signal ? { signal } : {}),
  });
  return { code, stdout, stderr };
}

interface Summary {
  images: {
    name: string;
    reference: string;
    status: string;
    durationSeconds: number;
    imageId?: string;
    digest?: string;
    reason?: string;
    log: string;
    startedAt?: string;
    finishedAt?: string;
  }[];
}
const summaryOf = (path: string) => JSON.parse(readFileSync(join(project, path), 'utf8')) as Summary;
const imageOfBuild = (command: Command) => command.args[command.args.indexOf('-t') + 1]!.replace(/^mlrun\/([^:]+):unstable$/, '$1');

describe('usage errors', () => {
  test('an unknown image name exits 2 and suggests the closest one', async () => {
    const fake = fakeRunner();
    const result = await build(['chain-bse'], { runner: fake.runner });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no image `chain-bse` in the manifest');
    expect(result.stderr).toContain('did you mean `chain-base`?');
    expect(fake.calls).toEqual([]);
  });

  test('with --force the engine is asked while the family renders: none answering is the same usage error', async () => {
    const fake = fakeRunner({ answering: [] });
    const result = await build(['--force', 'solo'], { runner: fake.runner });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no container engine answers (tried docker, podman, buildah)');
    expect(fake.calls.map((call) => `${call.command} ${call.args[0]}`).sort()).toEqual(['buildah version', 'docker info', 'podman info']);
    expect(fake.gitCalls.map((call) => call.args[0])).toEqual(['rev-parse', 'remote']);
  });

  test('no engine answering exits 2 and says how to start one', async () => {
    const fake = fakeRunner({ answering: [] });
    const result = await build([], { runner: fake.runner });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no container engine answers (tried docker, podman, buildah)');
    expect(result.stderr).toMatch(/start one \(for docker: `dockerd &` as root, or `systemctl start docker`\)/);
    // The probes, and the labels asked of docker (the likeliest engine) while they run.
    expect(fake.calls.map((call) => `${call.command} ${call.args[0]}`).sort()).toEqual(['buildah version', 'docker image', 'docker info', 'podman info']);
    expect(fake.of('build')).toEqual([]);
    expect(existsSync(join(project, '.build', 'logs'))).toBe(false);
  });

  test('the engine asked for not answering exits 2 and names it', async () => {
    const fake = fakeRunner({ answering: ['docker'] });
    const result = await build(['--engine', 'podman'], { runner: fake.runner });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('the engine `podman` does not answer');
    expect(fake.calls.filter((call) => call.args[0] === 'info')).toEqual([{ command: 'podman', args: ['info', '--format', '{{.Host.OS}}'] }]);
    // The labels asked of podman while it is probed: one call for every image.
    expect(fake.calls.filter((call) => call.args[0] !== 'info').map((call) => call.args.slice(0, 2))).toEqual([['image', 'inspect']]);
  });

  test('--engine nope exits 2 before probing anything', async () => {
    const fake = fakeRunner();
    const result = await build(['--engine', 'nope'], { runner: fake.runner });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown engine `nope`: expected one of docker, docker-classic, bake, podman, buildah');
    expect(fake.calls).toEqual([]);
    expect(fake.gitCalls).toEqual([]);
  });

  test('MLRUN_BUILD_ENGINE=nope exits 2 too, with or without --dry-run', async () => {
    for (const args of [[], ['--dry-run']]) {
      const fake = fakeRunner();
      const result = await build(args, { runner: fake.runner, env: { MLRUN_BUILD_ENGINE: 'nope' } });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('unknown engine `nope`');
      expect(fake.calls).toEqual([]);
      expect(fake.gitCalls).toEqual([]);
    }
  });

  test.each(['0', '-1', '1.5', 'two', ''])('--concurrency %j exits 2', async (value) => {
    const fake = fakeRunner();
    const result = await build([`--concurrency=${value}`], { runner: fake.runner });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--concurrency expects a whole number of at least 1');
    expect(fake.calls).toEqual([]);
    expect(fake.gitCalls).toEqual([]);
  });
});

describe('--dry-run', () => {
  test('without --engine: the family as one bake graph, as docker with buildx builds it by default', async () => {
    const fake = fakeRunner();
    const result = await build(['--dry-run', 'chain-app'], { runner: fake.runner });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(fake.calls).toEqual([]);
    const bakeFile = join(project, '.build', 'bake.json');
    expect(result.stdout.split('\n').slice(0, 2)).toEqual([
      `# ${bakeFile}: the bake file of 3 target(s)`,
      `docker buildx bake -f ${bakeFile} --progress=plain --load --metadata-file ${join(project, '.build', 'bake-metadata.json')}`,
    ]);
    expect(result.stdout).not.toContain('docker buildx build');
  });

  test('--engine docker prints every engine command in build order and runs nothing', async () => {
    const fake = fakeRunner();
    const result = await build(['--dry-run', '--push', '--engine', 'docker'], { runner: fake.runner });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(fake.calls).toEqual([]);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(IMAGES.length * 3);
    const builds = lines.filter((line) => line.startsWith('docker buildx build --progress=plain --load '));
    expect(builds.map((line) => /-t (\S+)/.exec(line)![1])).toEqual(IMAGES.map(reference));
    expect(builds[0]).toContain(`-f ${join(project, '.build', 'dockerfiles', 'chain-base', 'Dockerfile')}`);
    expect(builds[0]).toContain('--build-arg BASE_IMAGE=debian:bookworm');
    expect(builds[1]).toContain('--build-arg BASE_IMAGE=mlrun/chain-base:unstable');
    expect(lines.filter((line) => line.startsWith('docker push '))).toEqual(IMAGES.map((name) => `docker push ${reference(name)}`));
    expect(lines.slice(0, 3)).toEqual([
      builds[0],
      `docker image inspect --format '{{.Id}}' ${reference('chain-base')}`,
      `docker push ${reference('chain-base')}`,
    ]);
    expect(existsSync(join(project, '.build', 'logs'))).toBe(false);
  });

  test('only the named images and their parents, with the engine from MLRUN_BUILD_ENGINE', async () => {
    const fake = fakeRunner();
    const result = await build(['--dry-run', 'chain-app'], { runner: fake.runner, env: { MLRUN_BUILD_ENGINE: 'buildah' } });
    expect(result.code).toBe(0);
    const builds = result.stdout.split('\n').filter((line) => line.startsWith('buildah build --layers '));
    expect(builds.map((line) => /-t (\S+)/.exec(line)![1])).toEqual(['chain-base', 'chain-mpi', 'chain-app'].map(reference));
    expect(result.stdout.split('\n').filter((line) => /^(DOCKER_BUILDKIT=\S+ )?docker /.test(line))).toEqual([]);
    expect(
      result.stdout
        .trimEnd()
        .split('\n')
        .every((line) => line.startsWith('buildah ')),
    ).toBe(true);
    expect(fake.calls).toEqual([]);
  });

  test('--engine bake: the bake file is written, then one bake call, one inspect for all, and the pushes', async () => {
    const result = await build(['--dry-run', '--push', '--engine', 'bake', 'chain-app']);
    expect(result.code, result.stderr).toBe(0);
    const bakeFile = join(project, '.build', 'bake.json');
    expect(result.stdout.trimEnd().split('\n')).toEqual([
      `# ${bakeFile}: the bake file of 3 target(s)`,
      `docker buildx bake -f ${bakeFile} --progress=plain --load --metadata-file ${join(project, '.build', 'bake-metadata.json')}`,
      `docker image inspect --format '{{.Id}}' ${['chain-base', 'chain-mpi', 'chain-app'].map(reference).join(' ')}`,
      ...['chain-base', 'chain-mpi', 'chain-app'].map((name) => `docker push ${reference(name)}`),
    ]);
    const file = JSON.parse(readFileSync(bakeFile, 'utf8')) as { target: Record<string, { contexts?: Record<string, string> }> };
    expect(file.target['chain-app']!.contexts).toEqual({ [reference('chain-mpi')]: 'target:chain-mpi' });
  });

  test('MLRUN_BASE_REGISTRY rewrites every external base; --base-registry beats it', async () => {
    const fromEnv = await build(['--dry-run', 'chain-base', '--engine', 'docker'], { env: { MLRUN_BASE_REGISTRY: 'mirror.local:5000' } });
    expect(fromEnv.stdout).toContain('BASE_IMAGE=mirror.local:5000/debian:bookworm ');
    const fromFlag = await build(['--dry-run', 'chain-base', '--engine', 'docker', '--base-registry', 'other.local/'], {
      env: { MLRUN_BASE_REGISTRY: 'mirror.local:5000' },
    });
    expect(fromFlag.stdout).toContain('BASE_IMAGE=other.local/debian:bookworm ');
  });
});

describe("MLRun's cache variables", () => {
  test('MLRUN_DOCKER_CACHE_FROM_REGISTRY and MLRUN_PUSH_DOCKER_CACHE_IMAGE: pull from, then tag and push to, the cache registry', async () => {
    const env = { MLRUN_DOCKER_CACHE_FROM_TAG: 'cache', MLRUN_DOCKER_CACHE_FROM_REGISTRY: 'ghcr.io/', MLRUN_PUSH_DOCKER_CACHE_IMAGE: 'true' };
    const result = await build(['--dry-run', '--push', 'solo', '--engine', 'docker-classic'], { env });
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('docker pull ghcr.io/mlrun/solo:cache || true');
    expect(lines[1]).toContain(' --cache-from ghcr.io/mlrun/solo:cache ');
    expect(lines.slice(3)).toEqual([
      'docker push mlrun/solo:unstable',
      'docker tag mlrun/solo:unstable ghcr.io/mlrun/solo:cache',
      'docker push ghcr.io/mlrun/solo:cache',
    ]);

    const fake = fakeRunner({ answering: ['docker'] });
    expect((await build(['--push', 'solo'], { runner: fake.runner, env })).code).toBe(0);
    expect(fake.calls.filter((call) => call.args[0] === 'tag' || call.args[0] === 'push').map((call) => call.args.join(' '))).toEqual([
      'push mlrun/solo:unstable',
      'tag mlrun/solo:unstable ghcr.io/mlrun/solo:cache',
      'push ghcr.io/mlrun/solo:cache',
    ]);
  });

  test('on BuildKit the cache image is a registry cache: imported with --cache-from, exported with --cache-to when pushing', async () => {
    const env = { MLRUN_DOCKER_CACHE_FROM_TAG: 'cache', MLRUN_DOCKER_CACHE_FROM_REGISTRY: 'ghcr.io/', MLRUN_PUSH_DOCKER_CACHE_IMAGE: 'true' };
    const lines = (await build(['--dry-run', '--push', 'solo', '--engine', 'docker'], { env })).stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /^docker buildx build .* --cache-from type=registry,ref=ghcr\.io\/mlrun\/solo:cache --cache-to type=registry,ref=ghcr\.io\/mlrun\/solo:cache,mode=max \S+$/,
    );
    expect(lines[0]).not.toContain('BUILDKIT_INLINE_CACHE');
    expect(lines.slice(1)).toEqual([`docker image inspect --format '{{.Id}}' mlrun/solo:unstable`, 'docker push mlrun/solo:unstable']);
    // Without --push nothing is exported: the cache is only read.
    const reading = (await build(['--dry-run', 'solo', '--engine', 'docker'], { env })).stdout;
    expect(reading).toContain('--cache-from type=registry,ref=ghcr.io/mlrun/solo:cache');
    expect(reading).not.toContain('--cache-to');
  });

  test('--cache-to REPO: one shared registry cache per image, read and written; refused where BuildKit is not', async () => {
    const result = await build(['--dry-run', 'chain-mpi', '--engine', 'docker', '--cache-to', '127.0.0.1:5000/cache'], {});
    expect(result.code, result.stderr).toBe(0);
    const builds = result.stdout.split('\n').filter((line) => line.startsWith('docker buildx build'));
    expect(builds[1]).toContain(
      '--cache-from type=registry,ref=127.0.0.1:5000/cache:chain-mpi --cache-to type=registry,ref=127.0.0.1:5000/cache:chain-mpi,mode=max',
    );
    for (const [args, message] of [
      [['--cache-to', '127.0.0.1:5000/cache:tag'], '--cache-to 127.0.0.1:5000/cache:tag: expected a repository without a tag'],
      [['--cache-to', 'r.io/Cache'], '--cache-to r.io/Cache: expected a repository without a tag'],
      [
        ['--cache-to', 'r.io/cache', '--engine', 'docker-classic'],
        '--cache-to needs BuildKit (--engine docker with its buildx plugin, or bake); docker (classic builder) cannot export a build cache',
      ],
      [['--cache-to', 'r.io/cache', '--engine', 'podman'], '--cache-to needs BuildKit'],
    ] as const) {
      const refused = await build(['--dry-run', ...args]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(message);
    }
  });

  test('MLRUN_PUSH_DOCKER_CACHE_IMAGE without --push pushes nothing', async () => {
    const result = await build(['--dry-run', 'solo'], { env: { MLRUN_DOCKER_CACHE_FROM_TAG: 'cache', MLRUN_PUSH_DOCKER_CACHE_IMAGE: '1' } });
    expect(result.stdout).not.toMatch(/^docker (tag|push) /m);
  });
});

describe('labels from git', () => {
  test("git is asked through the runner, in the manifest's folder; the remote loses its credentials", async () => {
    const fake = fakeRunner({ git: { revision: 'f'.repeat(40), remote: 'https://user:token@example.com/org/images.git' } });
    const result = await build(['--dry-run', 'solo'], { runner: fake.runner });
    expect(result.code).toBe(0);
    expect(fake.gitCalls).toEqual([
      { command: 'git', args: ['rev-parse', 'HEAD'], cwd: project },
      { command: 'git', args: ['remote', 'get-url', 'origin'], cwd: project },
    ]);
    const dockerfile = readFileSync(join(project, '.build', 'dockerfiles', 'solo', 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain(`org.opencontainers.image.revision=${'f'.repeat(40)}`);
    expect(dockerfile).toContain('org.opencontainers.image.source=https://example.com/org/images.git');
    expect(dockerfile).not.toContain('token');
  });

  test('outside a git checkout there are no revision and source labels', async () => {
    const fake = fakeRunner();
    expect((await build(['--dry-run', 'solo'], { runner: fake.runner })).code).toBe(0);
    const dockerfile = readFileSync(join(project, '.build', 'dockerfiles', 'solo', 'Dockerfile'), 'utf8');
    expect(dockerfile).not.toContain('org.opencontainers.image.revision');
    expect(dockerfile).not.toContain('org.opencontainers.image.source');
  });
});

describe('a build', () => {
  test('a successful run with --json writes per-image reference, status, duration, image id and digest', async () => {
    const fake = fakeRunner({ answering: ['docker'], buildx: true });
    const result = await build(['--push', '--json', 'out/summary.json', '--concurrency', '2', '--engine', 'docker'], { runner: fake.runner });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('building 6 image(s) with docker (BuildKit), 2 at a time');

    const { images } = summaryOf('out/summary.json');
    expect(images.map((image) => image.name)).toEqual(IMAGES);
    for (const image of images) {
      expect(image).toMatchObject({
        reference: reference(image.name),
        status: 'pushed',
        imageId: `sha256:id-${image.name}`,
        digest: digestOf(image.name),
      });
      // The log may be shown relative to the working folder or absolute; either way it is this file.
      expect(resolve(project, image.log)).toBe(join(project, '.build', 'logs', `${image.name}.log`));
      expect(typeof image.durationSeconds).toBe('number');
      expect(image.durationSeconds).toBeGreaterThanOrEqual(0.01);
      expect(image.durationSeconds).toBeLessThan(10);
      expect(image.reason).toBeUndefined();
      expect(Date.parse(image.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(image.startedAt!));
    }
    expect(fake.of('build')).toHaveLength(6);
    expect(fake.of('push')).toHaveLength(6);
    for (const command of fake.of('build')) {
      expect(command.env).toBeUndefined();
      expect(command.args.slice(0, 4)).toEqual(['buildx', 'build', '--progress=plain', '--load']);
      const dockerfile = command.args[command.args.indexOf('-f') + 1]!;
      expect(dockerfile).toBe(join(project, '.build', 'dockerfiles', imageOfBuild(command), 'Dockerfile'));
      expect(existsSync(dockerfile)).toBe(true);
    }
    expect(readFileSync(join(project, '.build', 'logs', 'solo.log'), 'utf8')).toContain('Step 2/2 : RUN something');
  });

  test('an image failing exits 1: its child is skipped, the others are built, the summary shows the log', async () => {
    const fake = fakeRunner({ answering: ['docker'], failing: ['broken'] });
    const result = await build(['--json', 'summary.json'], { runner: fake.runner });
    expect(result.code).toBe(1);
    const { images } = summaryOf('summary.json');
    expect(Object.fromEntries(images.map(({ name, status }) => [name, status]))).toEqual({
      'chain-base': 'built',
      'chain-mpi': 'built',
      'chain-app': 'built',
      solo: 'built',
      broken: 'failed',
      'broken-child': 'skipped',
    });
    expect(images.find((image) => image.name === 'broken')!.reason).toBe('docker build exited with 3');
    expect(images.find((image) => image.name === 'broken-child')!.reason).toBe('`broken` failed');
    expect(fake.of('build').map(imageOfBuild)).not.toContain('broken-child');
    expect(result.stdout).toContain('broken: docker build exited with 3');
    expect(result.stdout).toMatch(/\n {2}log: (\S*\/)?\.build\/logs\/broken\.log\n/);
    expect(result.stdout).toContain('| about to fail');
  });

  test('docker without buildx builds with the classic builder', async () => {
    const fake = fakeRunner({ answering: ['docker'], buildx: false });
    const result = await build(['solo'], { runner: fake.runner });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('with docker (classic builder)');
    expect(fake.of('build')[0]!.env).toEqual({ DOCKER_BUILDKIT: '0' });
    expect(fake.of('build')[0]!.args).toContain('--force-rm');
  });

  test('the first engine that answers is used', async () => {
    const fake = fakeRunner({ answering: ['buildah'] });
    const result = await build(['solo'], { runner: fake.runner });
    expect(result.code).toBe(0);
    expect(fake.of('build').map((command) => command.command)).toEqual(['buildah']);
  });

  test('MLRUN_BUILD_ENGINE picks the engine without probing the others; the digest comes from the digest file', async () => {
    const fake = fakeRunner();
    const result = await build(['--push', '--json', 'summary.json', 'chain-mpi'], { runner: fake.runner, env: { MLRUN_BUILD_ENGINE: 'podman' } });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('with podman');
    expect(fake.calls.filter((call) => call.command !== 'podman')).toEqual([]);
    expect(fake.of('info')).toEqual([{ command: 'podman', args: ['info', '--format', '{{.Host.OS}}'] }]);
    expect(fake.of('build').map(imageOfBuild)).toEqual(['chain-base', 'chain-mpi']);
    const { images } = summaryOf('summary.json');
    expect(images.map(({ name, status, digest }) => ({ name, status, digest }))).toEqual([
      { name: 'chain-base', status: 'pushed', digest: digestOf('chain-base') },
      { name: 'chain-mpi', status: 'pushed', digest: digestOf('chain-mpi') },
    ]);
  });

  test('--engine wins over MLRUN_BUILD_ENGINE', async () => {
    const fake = fakeRunner();
    const result = await build(['--engine', 'buildah', 'solo'], { runner: fake.runner, env: { MLRUN_BUILD_ENGINE: 'podman' } });
    expect(result.code).toBe(0);
    expect(fake.calls.map((call) => call.command)).not.toContain('podman');
    expect(fake.of('build').map((command) => command.command)).toEqual(['buildah']);
  });

  test('an empty MLRUN_BUILD_ENGINE means: the first that answers', async () => {
    const fake = fakeRunner({ answering: ['podman'] });
    const result = await build(['solo'], { runner: fake.runner, env: { MLRUN_BUILD_ENGINE: '' } });
    expect(result.code).toBe(0);
    expect(fake.of('build').map((command) => command.command)).toEqual(['podman']);
  });

  test('MLRUN_NO_CACHE non-empty adds --no-cache to every build; empty does not', async () => {
    const withCache = fakeRunner({ answering: ['docker'] });
    expect((await build([], { runner: withCache.runner, env: { MLRUN_NO_CACHE: '' } })).code).toBe(0);
    for (const command of withCache.of('build')) expect(command.args).not.toContain('--no-cache');

    const noCache = fakeRunner({ answering: ['docker'] });
    expect((await build([], { runner: noCache.runner, env: { MLRUN_NO_CACHE: 'true' } })).code).toBe(0);
    expect(noCache.of('build')).toHaveLength(6);
    for (const command of noCache.of('build')) expect(command.args).toContain('--no-cache');
  });

  test('MLRUN_DOCKER_CACHE_FROM_TAG pulls <prefix>/<image>:<tag> before each build and uses it as cache', async () => {
    const fake = fakeRunner({ answering: ['docker'] });
    const result = await build(['chain-mpi'], { runner: fake.runner, env: { MLRUN_DOCKER_CACHE_FROM_TAG: 'cache' } });
    expect(result.code).toBe(0);
    const sequence = fake.calls
      .filter((call) => call.args[0] === 'pull' || call.args[0] === 'build')
      .map((call) => `${call.args[0]} ${call.args[0] === 'pull' ? call.args[1] : imageOfBuild(call)}`);
    expect(sequence).toEqual(['pull mlrun/chain-base:cache', 'build chain-base', 'pull mlrun/chain-mpi:cache', 'build chain-mpi']);
    for (const command of fake.of('build')) {
      const image = imageOfBuild(command);
      expect(command.args.join(' ')).toContain(`--cache-from mlrun/${image}:cache`);
    }
  });

  test('without MLRUN_DOCKER_CACHE_FROM_TAG nothing is pulled for cache', async () => {
    const fake = fakeRunner({ answering: ['docker'] });
    expect((await build(['solo'], { runner: fake.runner })).code).toBe(0);
    expect(fake.of('pull')).toEqual([]);
    expect(fake.of('build')[0]!.args).not.toContain('--cache-from');
  });

  test('an interrupted run exits 130 and builds nothing more', async () => {
    const fake = fakeRunner({ answering: ['docker'] });
    const controller = new AbortController();
    controller.abort();
    const result = await build(['--json', 'summary.json'], { runner: fake.runner, signal: controller.signal });
    expect(result.code).toBe(130);
    expect(fake.of('build')).toEqual([]);
    expect(summaryOf('summary.json').images.every((image) => image.status === 'cancelled')).toBe(true);
  });
});
