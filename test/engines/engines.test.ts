import { describe, expect, test } from 'vitest';
import { withLabels } from '../../src/dockerfile/instructions.js';
import { buildah, buildahEngine } from '../../src/engines/buildah.js';
import { bake, bakeEngine, docker, dockerBuildkitEngine, dockerClassic, dockerClassicEngine } from '../../src/engines/docker.js';
import { type Command, formatCommand, stepFromOutput } from '../../src/engines/engine.js';
import { assumedEngine, detectEngine, ENGINE_MODULES } from '../../src/engines/index.js';
import { podman, podmanEngine } from '../../src/engines/podman.js';
import type { ProcessRunner } from '../../src/engines/process.js';
import type { BuildStep } from '../../src/scheduler/plan.js';

const DOCKER_CLASSIC = dockerClassicEngine();
const DOCKER_BUILDKIT = dockerBuildkitEngine();
const PODMAN = podmanEngine();
const BUILDAH = buildahEngine();

function step(overrides: Partial<BuildStep> = {}): BuildStep {
  return {
    name: 'app',
    image: 'app',
    reference: 'quay.io/mlrun/app:1.7.0',
    parent: 'core',
    dockerfile: '/work/.build/dockerfiles/app/Dockerfile',
    context: '/work',
    buildArgs: { MLRUN_VERSION: '1.7.0', MLRUN_DOCKER_REPO: 'mlrun', MLRUN_DOCKER_REGISTRY: 'quay.io/', BASE_IMAGE: 'quay.io/mlrun/core:1.7.0' },
    labels: { 'org.opencontainers.image.title': 'app', 'org.opencontainers.image.version': '1.7.0' },
    cacheFrom: [],
    cacheTo: [],
    noCache: false,
    pull: false,
    phases: ['build'],
    tests: [],
    ...overrides,
  };
}

const COMMON = [
  '-f',
  '/work/.build/dockerfiles/app/Dockerfile',
  '-t',
  'quay.io/mlrun/app:1.7.0',
  '--build-arg',
  'MLRUN_VERSION=1.7.0',
  '--build-arg',
  'MLRUN_DOCKER_REPO=mlrun',
  '--build-arg',
  'MLRUN_DOCKER_REGISTRY=quay.io/',
  '--build-arg',
  'BASE_IMAGE=quay.io/mlrun/core:1.7.0',
];
const LABELS: string[] = [];

describe('buildCommand', () => {
  test('docker, classic builder: DOCKER_BUILDKIT=0 and --force-rm', () => {
    expect(DOCKER_CLASSIC.buildCommand(step())).toEqual({
      command: 'docker',
      args: ['build', ...COMMON, ...LABELS, '--force-rm', '/work'],
      env: { DOCKER_BUILDKIT: '0' },
    });
  });

  test('docker with BuildKit: `buildx build`, plain progress, loaded into the image store, inline cache, no --force-rm', () => {
    expect(DOCKER_BUILDKIT.buildCommand(step())).toEqual({
      command: 'docker',
      args: ['buildx', 'build', '--progress=plain', '--load', ...COMMON, '--build-arg', 'BUILDKIT_INLINE_CACHE=1', ...LABELS, '/work'],
    });
  });

  test('BuildKit: --builder names the buildx builder; a registry cache replaces the inline cache', () => {
    const engine = dockerBuildkitEngine({ builder: 'farm' });
    expect(engine.label).toBe('docker (BuildKit, builder farm)');
    const { args } = engine.buildCommand(step({ cacheFrom: ['type=registry,ref=r.io/cache:app'], cacheTo: ['type=registry,ref=r.io/cache:app,mode=max'] }));
    expect(args.slice(0, 4)).toEqual(['buildx', 'build', '--builder', 'farm']);
    expect(args).not.toContain('BUILDKIT_INLINE_CACHE=1');
    expect(args.slice(-5)).toEqual(['--cache-from', 'type=registry,ref=r.io/cache:app', '--cache-to', 'type=registry,ref=r.io/cache:app,mode=max', '/work']);
  });

  test('bake: one call for the graph, reading the bake file, writing the metadata file', () => {
    const engine = bakeEngine({ builder: 'farm' });
    expect(engine.capabilities.buildsGraphs).toBe(true);
    expect(engine.graph!.command('/w/.build/bake.json', '/w/.build/bake-metadata.json')).toEqual({
      command: 'docker',
      args: [
        'buildx',
        'bake',
        '--builder',
        'farm',
        '-f',
        '/w/.build/bake.json',
        '--progress=plain',
        '--load',
        '--metadata-file',
        '/w/.build/bake-metadata.json',
      ],
    });
    const file = JSON.parse(
      engine.graph!.file([
        { ...step(), name: 'app', parent: 'core' },
        { ...step(), name: 'core', parent: undefined, reference: 'quay.io/mlrun/core:1.7.0' },
      ]),
    ) as {
      target: Record<string, { dockerfile: string; contexts?: Record<string, string> }>;
    };
    // Absolute paths: bake resolves relative ones against where it runs.
    expect(file.target.app!.dockerfile).toBe('/work/.build/dockerfiles/app/Dockerfile');
    expect(file.target.app!.contexts).toEqual({ 'quay.io/mlrun/core:1.7.0': 'target:core' });
  });

  test('podman: no environment, no BuildKit or docker-only flags', () => {
    const command = PODMAN.buildCommand(step());
    expect(command).toEqual({ command: 'podman', args: ['build', ...COMMON, ...LABELS, '/work'] });
    expect('env' in command).toBe(false);
  });

  test('buildah: `build --layers --force-rm` (a failing step leaves no working container)', () => {
    const command = BUILDAH.buildCommand(step());
    expect(command).toEqual({ command: 'buildah', args: ['build', '--layers', '--force-rm', ...COMMON, ...LABELS, '/work'] });
    expect('env' in command).toBe(false);
  });

  test('cache images, --no-cache and --pull, in that order, before the context', () => {
    const options = { cacheFrom: ['cache:a', 'quay.io/mlrun/app:cache'], noCache: true, pull: true };
    expect(DOCKER_CLASSIC.buildCommand(step(options)).args.slice(COMMON.length + LABELS.length + 1)).toEqual([
      '--cache-from',
      'cache:a',
      '--cache-from',
      'quay.io/mlrun/app:cache',
      '--no-cache',
      '--pull',
      '--force-rm',
      '/work',
    ]);
    // podman and buildah take a repository for --cache-from and refuse a tag.
    expect(PODMAN.buildCommand(step(options)).args.slice(-7)).toEqual([
      '--cache-from',
      'cache',
      '--cache-from',
      'quay.io/mlrun/app',
      '--no-cache',
      '--pull',
      '/work',
    ]);
  });

  test('no --no-cache, --pull or --cache-from when not asked', () => {
    for (const engine of [DOCKER_CLASSIC, DOCKER_BUILDKIT, PODMAN, BUILDAH]) {
      const { args } = engine.buildCommand(step());
      expect(args).not.toContain('--no-cache');
      expect(args).not.toContain('--pull');
      expect(args).not.toContain('--cache-from');
      expect(args.at(-1)).toBe('/work');
    }
  });

  test('build argument values are single argv words, however they look; labels go into the Dockerfile, quoted', () => {
    const { args } = DOCKER_CLASSIC.buildCommand(
      step({ buildArgs: { BASE_IMAGE: 'python:3.9', EMPTY: '' }, labels: { 'org.opencontainers.image.description': "it's a = b" } }),
    );
    expect(args).toContain('EMPTY=');
    expect(args).not.toContain('--label');
    expect(withLabels('FROM x\n', { 'org.opencontainers.image.title': 'app', 'org.opencontainers.image.description': 'say "hi" \\ $HOME' })).toBe(
      'FROM x\n\n# Added by mlrun-images build.\nLABEL org.opencontainers.image.title=app \\\n      org.opencontainers.image.description="say \\"hi\\" \\\\ \\$HOME"\n',
    );
    expect(withLabels('FROM x\n', {})).toBe('FROM x\n');
  });

  test.each([
    ['127.0.0.1:5000/debian:bookworm'],
    ['127.0.0.1/debian:bookworm'],
    ['localhost:5000/mlrun/core:1.7.0'],
    ['localhost/debian'],
    ['[::1]:5000/debian:bookworm'],
  ])('podman and buildah: --tls-verify=false when BASE_IMAGE is on a loopback registry (%s)', (base) => {
    for (const engine of [PODMAN, BUILDAH]) {
      const { args } = engine.buildCommand(step({ buildArgs: { BASE_IMAGE: base } }));
      expect(args.filter((arg) => arg === '--tls-verify=false')).toHaveLength(1);
      expect(args.at(-1)).toBe('/work');
    }
  });

  test.each([
    ['quay.io/mlrun/core:1.7.0'],
    ['debian:bookworm'],
    ['registry.example.com:5000/debian'],
    ['localhost.example.com/debian'],
    ['128.0.0.1:5000/debian'],
  ])('no --tls-verify=false when BASE_IMAGE is not on a loopback registry (%s)', (base) => {
    for (const engine of [PODMAN, BUILDAH]) expect(engine.buildCommand(step({ buildArgs: { BASE_IMAGE: base } })).args).not.toContain('--tls-verify=false');
  });

  test('docker never gets --tls-verify', () => {
    for (const engine of [DOCKER_CLASSIC, DOCKER_BUILDKIT]) {
      expect(engine.buildCommand(step({ buildArgs: { BASE_IMAGE: '127.0.0.1:5000/debian:bookworm' } })).args.join(' ')).not.toContain('tls-verify');
    }
  });

  test('the target reference does not decide the TLS flag, the base does', () => {
    const { args } = PODMAN.buildCommand(step({ reference: '127.0.0.1:5000/mlrun/app:1.7.0', buildArgs: { BASE_IMAGE: 'debian:bookworm' } }));
    expect(args).not.toContain('--tls-verify=false');
  });
});

describe('pushCommand', () => {
  test('docker: plain `docker push`, the digest comes from its output', () => {
    expect(DOCKER_CLASSIC.pushCommand('quay.io/mlrun/app:1.7.0', '/work/.build/digests/app')).toEqual({
      command: 'docker',
      args: ['push', 'quay.io/mlrun/app:1.7.0'],
    });
    expect(DOCKER_BUILDKIT.pushCommand('127.0.0.1:5000/mlrun/app:1.7.0', '/d')).toEqual({
      command: 'docker',
      args: ['push', '127.0.0.1:5000/mlrun/app:1.7.0'],
    });
  });

  test('podman and buildah: --digestfile', () => {
    expect(PODMAN.pushCommand('quay.io/mlrun/app:1.7.0', '/work/.build/digests/app')).toEqual({
      command: 'podman',
      args: ['push', '--digestfile', '/work/.build/digests/app', 'quay.io/mlrun/app:1.7.0'],
    });
    expect(BUILDAH.pushCommand('quay.io/mlrun/app:1.7.0', '/work/.build/digests/app')).toEqual({
      command: 'buildah',
      args: ['push', '--digestfile', '/work/.build/digests/app', 'quay.io/mlrun/app:1.7.0'],
    });
  });

  test('podman and buildah: --tls-verify=false for a 127.0.0.1 or localhost registry', () => {
    expect(BUILDAH.pushCommand('127.0.0.1:5000/e2e/app:1', '/d')).toEqual({
      command: 'buildah',
      args: ['push', '--tls-verify=false', '--digestfile', '/d', '127.0.0.1:5000/e2e/app:1'],
    });
    expect(PODMAN.pushCommand('localhost:5000/e2e/app:1', '/d').args).toContain('--tls-verify=false');
    expect(PODMAN.pushCommand('quay.io/e2e/app:1', '/d').args).not.toContain('--tls-verify=false');
  });
});

describe('other commands', () => {
  test('tagCommand gives a built image a second reference, on every engine', () => {
    expect(DOCKER_CLASSIC.tagCommand('mlrun/app:1.7.0', 'ghcr.io/mlrun/app:cache')).toEqual({
      command: 'docker',
      args: ['tag', 'mlrun/app:1.7.0', 'ghcr.io/mlrun/app:cache'],
    });
    expect(PODMAN.tagCommand('mlrun/app:1.7.0', 'mlrun/app:cache')).toEqual({ command: 'podman', args: ['tag', 'mlrun/app:1.7.0', 'mlrun/app:cache'] });
    expect(BUILDAH.tagCommand('mlrun/app:1.7.0', 'mlrun/app:cache')).toEqual({ command: 'buildah', args: ['tag', 'mlrun/app:1.7.0', 'mlrun/app:cache'] });
  });

  test('pullCommand, with the TLS flag for a loopback registry on podman/buildah', () => {
    expect(DOCKER_CLASSIC.pullCommand('127.0.0.1:5000/mlrun/app:cache')).toEqual({ command: 'docker', args: ['pull', '127.0.0.1:5000/mlrun/app:cache'] });
    expect(PODMAN.pullCommand('127.0.0.1:5000/mlrun/app:cache')).toEqual({
      command: 'podman',
      args: ['pull', '--tls-verify=false', '127.0.0.1:5000/mlrun/app:cache'],
    });
    expect(BUILDAH.pullCommand('mlrun/app:cache')).toEqual({ command: 'buildah', args: ['pull', 'mlrun/app:cache'] });
  });

  test('imageIdCommand', () => {
    expect(DOCKER_CLASSIC.imageIdCommand('mlrun/app:1')).toEqual({ command: 'docker', args: ['image', 'inspect', '--format', '{{.Id}}', 'mlrun/app:1'] });
    expect(PODMAN.imageIdCommand('mlrun/app:1')).toEqual({ command: 'podman', args: ['image', 'inspect', '--format', '{{.Id}}', 'mlrun/app:1'] });
    expect(BUILDAH.imageIdCommand('mlrun/app:1')).toEqual({
      command: 'buildah',
      args: ['inspect', '--type', 'image', '--format', '{{.FromImageID}}', 'mlrun/app:1'],
    });
  });

  test('each engine is probed through the runner: docker by one `info` (its id and its CLI plugins), podman by `info`, buildah by `version`', async () => {
    const asked: Command[] = [];
    /** Answers `command args[0]` with an exit code, or with [exit code, output]. */
    const answering = (answers: Record<string, number | [number, string]>): ProcessRunner => ({
      run: async (command) => {
        asked.push(command);
        const answer = answers[`${command.command} ${command.args[0]}`] ?? 1;
        return typeof answer === 'number' ? { exitCode: answer, output: '' } : { exitCode: answer[0], output: answer[1] };
      },
    });
    expect((await docker.detect(answering({ 'docker info': [0, 'ad3de290 compose buildx\n'] }), {}))?.label).toBe('docker (BuildKit)');
    expect((await docker.detect(answering({ 'docker info': [0, 'ad3de290 compose\n'] }), {}))?.label).toBe('docker (classic builder)');
    // A plugin whose name merely contains buildx is not buildx.
    expect((await docker.detect(answering({ 'docker info': [0, 'ad3de290 buildx-old\n'] }), {}))?.label).toBe('docker (classic builder)');
    expect(await docker.detect(answering({ 'docker info': [1, ' buildx\n'] }), {})).toBeUndefined();
    expect((await podman.detect(answering({ 'podman info': 0 }), {}))?.name).toBe('podman');
    expect((await buildah.detect(answering({ 'buildah version': 0 }), {}))?.name).toBe('buildah');
    expect(asked[0]).toEqual({ command: 'docker', args: ['info', '--format', '{{.ID}}{{range .ClientInfo.Plugins}} {{.Name}}{{end}}'] });
    expect(asked.filter((command) => command.command === 'docker')).toHaveLength(4);
    expect(asked.find((command) => command.command === 'buildah')).toEqual({ command: 'buildah', args: ['version'] });
    // podman's info has no `.ID` (docker's has): asking for it made podman exit 125, so it never answered.
    expect(asked.find((command) => command.command === 'podman')).toEqual({ command: 'podman', args: ['info', '--format', '{{.Host.OS}}'] });
  });

  test('without --engine the first engine that answers is taken, by priority; --engine asks only that one', async () => {
    expect(ENGINE_MODULES.map((module) => module.name)).toEqual(['docker', 'podman', 'buildah', 'docker-classic', 'bake']);
    expect(ENGINE_MODULES.filter((module) => module.detectedByDefault).map((module) => module.name)).toEqual(['docker', 'podman', 'buildah']);
    const onlyBuildah: ProcessRunner = { run: async (command) => ({ exitCode: command.command === 'buildah' ? 0 : 1, output: '' }) };
    expect((await detectEngine(undefined, onlyBuildah)).name).toBe('buildah');
    await expect(detectEngine('podman', onlyBuildah)).rejects.toThrow('the engine `podman` does not answer');
    await expect(detectEngine('dockr', onlyBuildah)).rejects.toThrow('unknown engine `dockr`: expected one of docker, docker-classic, bake, podman, buildah');
    await expect(detectEngine(undefined, { run: async () => ({ exitCode: 1, output: '' }) })).rejects.toThrow(
      'no container engine answers (tried docker, podman, buildah)',
    );
  });

  test('without --engine, docker with buildx builds the family as one bake graph, unless bake cannot name a target', async () => {
    const dockerWith = (plugins: string): ProcessRunner => ({
      run: async (command) => ({ exitCode: command.command === 'docker' ? 0 : 1, output: `id ${plugins}\n` }),
    });
    expect((await detectEngine(undefined, dockerWith('buildx'), { targets: ['mlrun', 'mlrun-py39'] })).name).toBe('bake');
    expect((await detectEngine(undefined, dockerWith('buildx'), { builder: 'farm', targets: ['mlrun'] })).label).toBe('docker buildx bake (builder farm)');
    // What builds nothing (test, status) runs on docker.
    expect((await detectEngine(undefined, dockerWith('buildx'))).name).toBe('docker');
    // Image by image where bake cannot name a target; on the classic builder without buildx.
    expect((await detectEngine(undefined, dockerWith('buildx'), { targets: ['mlrun', 'tools-3.9'] })).name).toBe('docker');
    expect((await detectEngine(undefined, dockerWith('buildx'), { targets: ['default'] })).name).toBe('docker');
    expect((await detectEngine(undefined, dockerWith('compose'), { targets: ['mlrun'] })).name).toBe('docker-classic');
    // Named, docker builds image by image.
    expect((await detectEngine('docker', dockerWith('buildx'))).name).toBe('docker');
    // A dry run assumes the same, without asking.
    expect(assumedEngine(undefined, { targets: ['mlrun'] }).name).toBe('bake');
    expect(assumedEngine(undefined).name).toBe('docker');
    expect(assumedEngine(undefined, { targets: ['a.b'] }).name).toBe('docker');
    expect(assumedEngine('docker').name).toBe('docker');
    expect(assumedEngine('podman').name).toBe('podman');
  });

  test('docker-classic and bake are asked for by name; each checks what it needs', async () => {
    const runner = (answers: Record<string, number>, plugins = 'buildx'): ProcessRunner => ({
      run: async (command) => ({ exitCode: answers[`${command.command} ${command.args.slice(0, 2).join(' ')}`] ?? 1, output: `id ${plugins}\n` }),
    });
    const withBuildx = runner({ 'docker info --format': 0, 'docker buildx inspect': 0 });
    expect((await detectEngine('docker-classic', withBuildx)).label).toBe('docker (classic builder)');
    expect((await detectEngine('bake', withBuildx)).label).toBe('docker buildx bake');
    expect((await detectEngine('bake', withBuildx, { builder: 'farm' })).label).toBe('docker buildx bake (builder farm)');
    await expect(detectEngine('bake', runner({ 'docker info --format': 0 }, 'compose'))).rejects.toThrow(
      '--engine bake: docker has no buildx plugin (`docker info` lists none); install it (Debian: docker-buildx)',
    );
    await expect(dockerClassic.detect(withBuildx, { builder: 'farm' })).rejects.toThrow('--builder farm: the classic builder has no buildx builders');
    await expect(podman.detect(withBuildx, { builder: 'farm' })).rejects.toThrow('--builder farm: podman has no buildx builders; use --engine docker or bake');
    await expect(buildah.detect(withBuildx, { builder: 'farm' })).rejects.toThrow('--builder farm: buildah has no buildx builders');
  });

  test('--builder: a builder that does not exist is reported before anything is built', async () => {
    const asked: string[] = [];
    const noBuilder: ProcessRunner = {
      run: async (command) => {
        asked.push(command.args.join(' '));
        return { exitCode: command.args[1] === 'inspect' ? 1 : 0, output: 'id buildx\n' };
      },
    };
    await expect(docker.detect(noBuilder, { builder: 'farm' })).rejects.toThrow(
      '--builder farm: no such buildx builder (`docker buildx ls` lists them; `docker buildx create` makes one)',
    );
    await expect(bake.detect(noBuilder, { builder: 'farm' })).rejects.toThrow('no such buildx builder');
    expect(asked).toContain('buildx inspect farm');
    await expect(
      docker.detect({ run: async (command) => ({ exitCode: command.args[0] === 'info' ? 0 : 1, output: 'id\n' }) }, { builder: 'farm' }),
    ).rejects.toThrow('--builder farm: docker has no buildx plugin');
  });
});

describe('working containers an interrupted build leaves', () => {
  test('podman lists only build (storage) containers, never one it runs; buildah its working containers', () => {
    expect(PODMAN.buildContainers!.list).toEqual({ command: 'podman', args: ['ps', '--all', '--quiet', '--external', '--filter', 'status=unknown'] });
    expect(PODMAN.buildContainers!.remove(['a', 'b'])).toEqual({ command: 'podman', args: ['rm', '--force', 'a', 'b'] });
    expect(BUILDAH.buildContainers!.list).toEqual({ command: 'buildah', args: ['containers', '--quiet'] });
    expect(BUILDAH.buildContainers!.remove(['a'])).toEqual({ command: 'buildah', args: ['rm', 'a'] });
    // docker removes its own build containers.
    expect(DOCKER_BUILDKIT.buildContainers).toBeUndefined();
    expect(DOCKER_CLASSIC.buildContainers).toBeUndefined();
  });
});

describe('stepFromOutput', () => {
  test('BuildKit lines', () => {
    expect(stepFromOutput('#7 [2/4] RUN apt-get update')).toBe('2/4 RUN apt-get update');
    expect(stepFromOutput('#12 [build 3/5] RUN npm ci')).toBe('3/5 RUN npm ci');
    expect(stepFromOutput('#5 [stage-1 1/2] FROM docker.io/library/nginx:1.27@sha256:abc')).toBe('1/2 FROM docker.io/library/nginx:1.27@sha256:abc');
  });

  test('classic builder lines', () => {
    expect(stepFromOutput('Step 2/4 : RUN echo hi')).toBe('2/4 RUN echo hi');
    expect(stepFromOutput('Step 10/12 : ENV A=b')).toBe('10/12 ENV A=b');
  });

  test('buildah (and podman) lines', () => {
    expect(stepFromOutput('STEP 1/3: FROM debian:bookworm')).toBe('1/3 FROM debian:bookworm');
    expect(stepFromOutput('STEP 3/3: COMMIT mlrun/app:1.7.0')).toBe('3/3 COMMIT mlrun/app:1.7.0');
  });

  test.each([
    '#7 DONE 0.3s',
    '#5 [internal] load build definition from Dockerfile',
    '#8 0.512 Reading package lists...',
    ' ---> Running in 4b1c2d3e',
    'Successfully built 0123456789ab',
    'Sending build context to Docker daemon  2.048kB',
    '  Step 2/4 : RUN echo indented',
    'step 2/4 : RUN lower case',
    'Getting image source signatures',
    '',
  ])('not a step: %j', (line) => {
    expect(stepFromOutput(line)).toBeUndefined();
  });
});

describe('the digest a push reports', () => {
  const digest = `sha256:${'0123456789abcdef'.repeat(4)}`;

  test('the digest of docker push output', () => {
    const output = ['The push refers to repository [127.0.0.1:5000/e2e/app]', '5f70bf18a086: Pushed', `1.7.0: digest: ${digest} size: 1570`].join('\n');
    expect(DOCKER_CLASSIC.pushedDigest(output, () => undefined)).toBe(digest);
    expect(PODMAN.pushedDigest('', () => `${digest}\n`)).toBe(digest);
  });

  test('no digest in the output', () => {
    expect(DOCKER_CLASSIC.pushedDigest('The push refers to repository [quay.io/mlrun/app]\nunauthorized: access denied', () => undefined)).toBeUndefined();
    expect(DOCKER_CLASSIC.pushedDigest('', () => undefined)).toBeUndefined();
    expect(DOCKER_CLASSIC.pushedDigest('latest: digest: sha256:abc123 size: 1', () => undefined)).toBeUndefined();
  });
});

describe('formatCommand', () => {
  test('plain words stay as they are', () => {
    expect(formatCommand({ command: 'docker', args: ['push', 'quay.io/mlrun/app:1.7.0'] })).toBe('docker push quay.io/mlrun/app:1.7.0');
    expect(
      formatCommand({ command: 'docker', args: ['build', '--build-arg', 'MLRUN_DOCKER_REGISTRY=', '-f', '/a/b_c/Dockerfile', '--progress=plain', '.'] }),
    ).toBe('docker build --build-arg MLRUN_DOCKER_REGISTRY= -f /a/b_c/Dockerfile --progress=plain .');
  });

  test("words with spaces, braces or quotes are single-quoted, a quote inside as '\\''", () => {
    expect(formatCommand({ command: 'docker', args: ['image', 'inspect', '--format', '{{.Id}}', 'x'] })).toBe("docker image inspect --format '{{.Id}}' x");
    expect(formatCommand({ command: 'docker', args: ['--label', 'org.opencontainers.image.description=The core image'] })).toBe(
      "docker --label 'org.opencontainers.image.description=The core image'",
    );
    expect(formatCommand({ command: 'echo', args: ["it's"] })).toBe("echo 'it'\\''s'");
    expect(formatCommand({ command: 'echo', args: ['$HOME', 'a;b', ''] })).toBe("echo '$HOME' 'a;b' ''");
  });

  test('the environment comes first, as NAME=value', () => {
    expect(formatCommand(DOCKER_CLASSIC.buildCommand(step({ buildArgs: {}, labels: {} })))).toBe(
      'DOCKER_BUILDKIT=0 docker build -f /work/.build/dockerfiles/app/Dockerfile -t quay.io/mlrun/app:1.7.0 --force-rm /work',
    );
    expect(formatCommand({ command: 'x', args: [], env: { A: 'has space', B: '1' } })).toBe("A='has space' B=1 x");
  });
});
