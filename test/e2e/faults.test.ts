/**
 * Faults injected into real runs: SIGTERM and SIGINT during a `RUN` step on every engine, a build process killed, a
 * failing step, the registry going away in the middle of a push, a full disk under generate, and registries that
 * misbehave under `lock` (an error, garbage, an endless or trickling answer, silence, authentication). What is
 * checked each time: the message says what happened, nothing is lost, and nothing is left running.
 */
import { execa, execaSync } from 'execa';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { BIN, type E2eEngine, mlrunImages, REGISTRY, registryHasTag, releaseArgs, requireEngine } from './support.js';

const scratch = mkdtempSync(join(tmpdir(), 'mlrun-images-faults-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function lines(command: string[]): Promise<string[]> {
  const result = await execa(command[0]!, command.slice(1), { reject: false });
  return result.stdout.split('\n').filter(Boolean);
}

/** Until `check` holds (or about 15 s have passed); what it saw last. */
async function eventually<T>(look: () => Promise<T>, holds: (seen: T) => boolean): Promise<T> {
  let seen = await look();
  for (let attempt = 0; attempt < 30 && !holds(seen); attempt++) {
    await new Promise((resume) => setTimeout(resume, 500));
    seen = await look();
  }
  return seen;
}

/** A family of one image whose `RUN` step sleeps a time no other process on the machine sleeps. */
function sleeperProject(engine: string, seconds: number): string {
  const project = mkdtempSync(join(scratch, `${engine}-`));
  writeFileSync(
    join(project, 'images.yaml'),
    [
      'version: 1',
      'images:',
      '  sleeper:',
      '    base: debian:bookworm',
      '    layers:',
      '      - run:',
      `          commands: [echo started, sleep ${seconds}]`,
      '',
    ].join('\n'),
  );
  return project;
}

const LEFTOVERS: Record<E2eEngine, string[]> = {
  docker: ['docker', 'ps', '-aq'],
  'docker-classic': ['docker', 'ps', '-aq'],
  bake: ['docker', 'ps', '-aq'],
  podman: ['podman', 'ps', '-aq', '--external'],
  buildah: ['buildah', 'containers', '-q'],
};

const BUILD_COMMANDS: Record<E2eEngine, string> = {
  docker: 'docker buildx build',
  'docker-classic': 'docker build',
  bake: 'docker buildx bake',
  podman: 'podman build',
  buildah: 'buildah build',
};

const ENGINES: E2eEngine[] = ['docker', 'docker-classic', 'bake', 'podman', 'buildah'];

describe.each(ENGINES)('signals and kills on %s', (engine) => {
  const problem = requireEngine(engine, `the fault tests on ${engine}`);

  test.skipIf(problem !== undefined).each(['SIGTERM', 'SIGINT'] as const)(
    '%s during a RUN step: exit 130, the step’s processes and containers gone',
    async (signal) => {
      const seconds = 3000 + Math.floor(Math.random() * 900);
      const project = sleeperProject(engine, seconds);
      const before = await lines(LEFTOVERS[engine]);
      const child = execa('node', [BIN, 'build', '--no-cache', '--engine', engine, ...releaseArgs(`f${seconds}`, 'e2e-faults')], {
        cwd: project,
        reject: false,
        all: true,
        env: { MLRUN_BUILD_ENGINE: '' },
      });
      // The step is running when its sleep is.
      const running = await eventually(
        () => lines(['pgrep', '-f', `^sleep ${seconds}$`]),
        (found) => found.length > 0,
      );
      expect(running.length, 'the RUN step never started').toBeGreaterThan(0);
      child.kill(signal);
      const result = await child;
      expect(result.exitCode, result.all).toBe(130);
      expect(result.all).toContain('cancelled');
      const left = await eventually(
        async () => [...(await lines(['pgrep', '-f', `sleep ${seconds}`])), ...(await lines(LEFTOVERS[engine])).filter((id) => !before.includes(id))],
        (found) => found.length === 0,
      );
      expect(left).toEqual([]);
    },
    180_000,
  );

  test.skipIf(problem !== undefined)(
    'the build process killed from outside (kill -9): the image is reported killed, not merely failed',
    async () => {
      const seconds = 4000 + Math.floor(Math.random() * 900);
      const project = sleeperProject(engine, seconds);
      const command = BUILD_COMMANDS[engine];
      const child = execa('node', [BIN, 'build', '--no-cache', '--engine', engine, '--json', 'summary.json', ...releaseArgs(`k${seconds}`, 'e2e-faults')], {
        cwd: project,
        reject: false,
        all: true,
        env: { MLRUN_BUILD_ENGINE: '' },
      });
      await eventually(
        () => lines(['pgrep', '-f', `^sleep ${seconds}$`]),
        (found) => found.length > 0,
      );
      // bake names its targets in a file: its command line holds the project's path, not the tag.
      const builds = await lines(['pgrep', '-f', `^${command} .*${engine === 'bake' ? project : `k${seconds}`}`]);
      expect(builds.length, `no \`${command}\` process`).toBeGreaterThan(0);
      for (const pid of builds) process.kill(Number(pid), 'SIGKILL');
      const result = await child;
      expect(result.exitCode, result.all).toBe(1);
      const { images } = JSON.parse(readFileSync(join(project, 'summary.json'), 'utf8')) as { images: { status: string; reason: string }[] };
      expect(images[0]!.status).toBe('failed');
      // bake adds where its whole output went (one log for every target).
      expect(images[0]!.reason).toMatch(
        new RegExp(`^${command} was killed \\(SIGKILL\\)${engine === 'bake' ? ' \\(its whole output: .*_bake\\.log\\)' : ''}$`),
      );
      // What the killed engine left running is stopped by the test: this is about the message.
      await execa('pkill', ['-9', '-f', `sleep ${seconds}`], { reject: false });
    },
    180_000,
  );

  test.skipIf(problem !== undefined)(
    'a failing RUN step: the summary names the instruction and its own exit code',
    async () => {
      const project = mkdtempSync(join(scratch, `${engine}-fail-`));
      writeFileSync(
        join(project, 'images.yaml'),
        ['version: 1', 'images:', '  failing:', '    base: debian:bookworm', '    layers:', '      - run:', '          commands: [exit 7]', ''].join('\n'),
      );
      const result = await mlrunImages(project, ['build', '--engine', engine, '--json', 'summary.json', ...releaseArgs('fail', 'e2e-faults')]);
      expect(result.exitCode, result.all).toBe(1);
      const { images } = JSON.parse(readFileSync(join(project, 'summary.json'), 'utf8')) as { images: { reason: string }[] };
      // bake reads BuildKit's own line for the target; the others read the engine's output.
      expect(images[0]!.reason).toMatch(engine === 'bake' ? /exit 7.*exit code: 7/ : /^`RUN exit 7` exited with 7 \(/);
    },
    180_000,
  );
});

describe('the registry goes away in the middle of a push', () => {
  const problem = requireEngine('docker', 'the push fault test');
  let proxy: TcpServer | undefined;
  afterAll(() => proxy?.close());

  test.skipIf(problem !== undefined)(
    'the push fails naming the registry; no tag is left half-made; once it is back, a rerun pushes',
    async () => {
      // A port that forwards to the registry, and stops forwarding (closing every connection) on demand.
      let cut = false;
      const sockets = new Set<Socket>();
      proxy = createTcpServer((client) => {
        if (cut) return client.destroy();
        const upstream = connect(5000, '127.0.0.1');
        sockets.add(client).add(upstream);
        let uploaded = 0;
        client.on('data', (chunk: Buffer) => {
          uploaded += chunk.length;
          // The first large upload (a layer) is where the registry goes away.
          if (uploaded > 64 * 1024) {
            cut = true;
            for (const socket of sockets) socket.destroy();
            return;
          }
          upstream.write(chunk);
        });
        upstream.on('data', (chunk: Buffer) => client.write(chunk));
        for (const socket of [client, upstream]) socket.on('error', () => {});
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      await new Promise<void>((done) => proxy!.listen(0, '127.0.0.1', done));
      const port = (proxy.address() as { port: number }).port;
      const project = mkdtempSync(join(scratch, 'push-'));
      const version = `push-${Date.now()}`;
      // A layer no earlier run can have built or pushed, so the push must upload it through the port.
      writeFileSync(
        join(project, 'images.yaml'),
        [
          'version: 1',
          'images:',
          '  payload:',
          '    base: debian:bookworm',
          '    layers:',
          '      - run:',
          `          commands: [head -c 2000000 /dev/urandom > /payload, echo ${version} > /version]`,
          '',
        ].join('\n'),
      );
      const args = [
        'build',
        '--push',
        '--engine',
        'docker',
        '--json',
        'summary.json',
        '--set',
        `MLRUN_VERSION=${version}`,
        '--set',
        'MLRUN_DOCKER_REPO=e2e-faults',
        '--base-registry',
        REGISTRY,
      ];
      const failed = await mlrunImages(project, [...args, '--set', `MLRUN_DOCKER_REGISTRY=127.0.0.1:${port}/`]);
      expect(failed.exitCode, failed.all).toBe(1);
      const { images } = JSON.parse(readFileSync(join(project, 'summary.json'), 'utf8')) as { images: { status: string; reason: string }[] };
      expect(images[0]!.status).toBe('failed');
      expect(images[0]!.reason).toMatch(/push/);
      // Nothing was tagged: the manifest is the last thing a push writes.
      expect(await registryHasTag('e2e-faults/payload', version)).toBe(false);
      // The image is still here; pushed once the registry is back, without a rebuild.
      const again = await mlrunImages(project, [...args, '--set', `MLRUN_DOCKER_REGISTRY=${REGISTRY}/`]);
      expect(again.exitCode, again.all).toBe(0);
      expect(await registryHasTag('e2e-faults/payload', version)).toBe(true);
    },
    300_000,
  );
});

describe('a full disk under generate', () => {
  const canMount = process.getuid?.() === 0 && execaSync('mount', ['--version'], { reject: false }).exitCode === 0;
  if (!canMount && process.env.CI) throw new Error('CI runs as root: the full-disk test mounts a small tmpfs');

  test.skipIf(!canMount)(
    'every file is whole (old or new), the message names the file, no temporary file stays, and a rerun finishes',
    async () => {
      const disk = mkdtempSync(join(scratch, 'disk-'));
      await execa('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', disk]);
      try {
        const project = mkdtempSync(join(scratch, 'full-'));
        const image = (name: string, marker: string) => [
          `  ${name}:`,
          '    base: debian:bookworm',
          '    layers:',
          '      - run:',
          `          commands: [echo ${marker}]`,
        ];
        const manifest = (marker: string) =>
          ['version: 1', 'images:', ...['a', 'b', 'c', 'd', 'e', 'f'].flatMap((name) => image(name, `${marker}-${'x'.repeat(2000)}`)), ''].join('\n');
        writeFileSync(join(project, 'images.yaml'), manifest('old'));
        const out = join(disk, 'generated');
        expect((await mlrunImages(project, ['generate', '-o', out])).exitCode).toBe(0);
        // Fill the disk, then change every image.
        await execa('sh', ['-c', `head -c 10000000 /dev/zero > ${join(disk, 'filler')} || true`]);
        writeFileSync(join(project, 'images.yaml'), manifest('new'));
        const failed = await mlrunImages(project, ['generate', '-o', out]);
        expect(failed.exitCode, failed.all).toBe(2);
        expect(failed.all).toMatch(/cannot write \S+\/Dockerfile: no space left on device \(ENOSPC\); \d+ of the 6 changed file\(s\)/);
        for (const name of readdirSync(out)) {
          expect(readdirSync(join(out, name))).toEqual(['Dockerfile']);
          const text = readFileSync(join(out, name, 'Dockerfile'), 'utf8');
          expect(text.endsWith('\n') && /echo (old|new)-x{2000}/.test(text), `${name} is whole`).toBe(true);
        }
        rmSync(join(disk, 'filler'));
        expect((await mlrunImages(project, ['generate', '-o', out])).exitCode).toBe(0);
        for (const name of readdirSync(out)) expect(readFileSync(join(out, name, 'Dockerfile'), 'utf8')).toContain('echo new-');
      } finally {
        await execa('umount', [disk], { reject: false });
      }
    },
    60_000,
  );
});

describe('registries that misbehave under lock', () => {
  const servers: Server[] = [];
  afterAll(() => {
    for (const server of servers) server.close();
  });

  async function registry(handle: (request: IncomingMessage, response: ServerResponse) => void): Promise<string> {
    const server = createServer(handle);
    servers.push(server);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    return `127.0.0.1:${(server.address() as { port: number }).port}`;
  }

  const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
  const CASES: [string, (request: IncomingMessage, response: ServerResponse) => void, RegExp, Record<string, string>?][] = [
    ['a 500', (_request, response) => response.writeHead(500).end('the registry broke'), /answered 500: the registry broke/],
    [
      'garbage for a manifest',
      (_request, response) => response.writeHead(200, { 'Content-Type': MANIFEST }).end('\u0000not json{'),
      /manifest that is not JSON|not JSON/,
    ],
    [
      'an endless answer',
      (_request, response) => {
        response.writeHead(200, { 'Content-Type': MANIFEST });
        const chunk = Buffer.alloc(65536, 'x');
        const more = () => {
          while (response.write(chunk)) {}
          response.once('drain', more);
        };
        more();
        response.on('close', () => response.removeAllListeners('drain'));
      },
      /answered with more than 4 MiB/,
    ],
    [
      'a trickle',
      (_request, response) => {
        response.writeHead(200, { 'Content-Type': MANIFEST });
        const timer = setInterval(() => response.write('{'), 200);
        response.on('close', () => clearInterval(timer));
      },
      /no answer within 2 s/,
    ],
    ['silence', () => {}, /no answer within 2 s/],
    [
      'authentication required',
      (_request, response) => response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="r"' }).end(),
      /refused access; log in with `docker login 127\.0\.0\.1:\d+`/,
    ],
    [
      'wrong credentials',
      (_request, response) => response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="r"' }).end(),
      /the credentials for 127\.0\.0\.1:\d+ in ~\/\.docker\/config\.json were refused/,
      { auth: 'wrong' },
    ],
  ];

  test.each(CASES)(
    '%s: a clear error naming the registry, within the timeout; no lock written',
    async (_name, handle, message, options = {}) => {
      const host = await registry(handle);
      const project = mkdtempSync(join(scratch, 'lock-'));
      writeFileSync(join(project, 'images.yaml'), ['version: 1', 'images:', '  a:', `    base: ${host}/team/base:1`, ''].join('\n'));
      const env: Record<string, string> = {};
      if (options.auth) {
        const config = join(project, 'docker');
        mkdirSync(config);
        writeFileSync(join(config, 'config.json'), JSON.stringify({ auths: { [host]: { auth: Buffer.from('user:wrong').toString('base64') } } }));
        env.DOCKER_CONFIG = config;
      }
      const result = await mlrunImages(project, ['lock', '--registry-timeout', '2'], env);
      expect(result.exitCode, result.all).not.toBe(0);
      expect(result.all).toContain(host);
      expect(result.all).toMatch(message);
      expect(result.all).not.toMatch(/\n\s+at /);
      expect(existsSync(join(project, 'images.lock.yaml'))).toBe(false);
    },
    60_000,
  );
});

void cpSync;
