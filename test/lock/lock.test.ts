import { execa, execaSync } from 'execa';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { main } from '../../src/cli.js';
import { externalBases, lockCoverage } from '../../src/lock/bases.js';
import { formatLock, parseLock, pinned, type LockEntry } from '../../src/lock/lockfile.js';
import { baseImageProblem } from '../e2e/support.js';
import { load, render, yaml } from '../helpers.js';

const DIGEST_A = `sha256:${'a'.repeat(64)}`;
const DIGEST_B = `sha256:${'b'.repeat(64)}`;
const DIGEST_C = `sha256:${'c'.repeat(64)}`;

describe('images.lock.yaml', () => {
  const lock = new Map<string, LockEntry>([
    ['python:3.9-slim', { digest: DIGEST_B, platforms: { 'linux/arm64/v8': DIGEST_C, 'linux/amd64': DIGEST_A } }],
    ['debian:bookworm', { digest: DIGEST_A }],
  ]);

  test('is sorted, says what it is at its top, and reads back as it was written', () => {
    const text = formatLock(lock);
    expect(text).toBe(
      [
        '# images.lock.yaml: the digest of every external base image of images.yaml, written by `mlrun-images lock`.',
        '# `generate` and `build` build on these digests (FROM <image>@sha256:…); `--locked` fails for a base missing here.',
        '# Do not edit by hand: `mlrun-images lock` adds new bases, `mlrun-images lock --update` refreshes them.',
        'version: 1',
        'bases:',
        '  "debian:bookworm":',
        `    digest: ${DIGEST_A}`,
        '  "python:3.9-slim":',
        `    digest: ${DIGEST_B}`,
        '    platforms:',
        `      "linux/amd64": ${DIGEST_A}`,
        `      "linux/arm64/v8": ${DIGEST_C}`,
        '',
      ].join('\n'),
    );
    expect(parseLock(text)).toEqual({ bases: lock });
    expect(formatLock(parseLock(text).bases)).toBe(text);
    const throughMirror = formatLock(lock, '127.0.0.1:5000');
    expect(throughMirror).toContain('version: 1\nmirror: "127.0.0.1:5000"\nbases:\n');
    expect(parseLock(throughMirror)).toEqual({ bases: lock, mirror: '127.0.0.1:5000' });
  });

  test.each([
    ['not YAML', 'bases: [', 'images.lock.yaml: invalid YAML'],
    ['no version', 'bases: {}\n', 'expected `version: 1`'],
    ['a bad digest', 'version: 1\nbases:\n  "a:1":\n    digest: md5:abc\n', '`a:1` has no valid digest'],
    [
      'a bad platform digest',
      `version: 1\nbases:\n  "a:1":\n    digest: ${DIGEST_A}\n    platforms:\n      "linux/amd64": sha512:abc\n`,
      '`a:1` has platforms without valid digests',
    ],
  ])('a lock file with %s is refused with a way out', (_what, text, message) => {
    expect(() => parseLock(text)).toThrow(message);
  });

  test('coverage: what is missing and what is no longer used', () => {
    expect(lockCoverage(lock, ['debian:bookworm', 'node:20'])).toEqual({ missing: ['node:20'], unused: ['python:3.9-slim'] });
    expect(pinned('debian:bookworm', lock)).toBe(`debian:bookworm@${DIGEST_A}`);
    expect(pinned('node:20', lock)).toBe('node:20');
  });

  test('the bases of a family: images and stages, after variables, not those already pinned by digest', () => {
    const family = load(
      yaml(
        'version: 1',
        'variables: {PY: "3.11"}',
        'images:',
        '  a:',
        '    base: python:${PY}-slim',
        '    stages: [{name: build, base: node:20}]',
        '  b:',
        `    base: debian@${DIGEST_A}`,
        '  c:',
        '    from: a',
      ),
    );
    expect(externalBases(family)).toEqual(['node:20', 'python:3.11-slim']);
  });

  test('generated Dockerfiles build on the locked digests', () => {
    const files = render(yaml('version: 1', 'images:', '  a:', '    base: python:3.9-slim', '    stages: [{name: build, base: node:20}]'), {});
    const locked = render(yaml('version: 1', 'images:', '  a:', '    base: python:3.9-slim', '    stages: [{name: build, base: node:20}]'), { lock });
    expect(files.get('a/Dockerfile')).toContain('ARG BASE_IMAGE=python:3.9-slim\n');
    expect(locked.get('a/Dockerfile')).toContain(`ARG BASE_IMAGE=python:3.9-slim@${DIGEST_B}\n`);
    expect(locked.get('a/Dockerfile')).toContain('ARG BUILD_BASE_IMAGE=node:20\n');
  });
});

describe('mlrun-images lock', () => {
  let project: string;
  beforeEach(() => {
    project = mkdtempSync(join(tmpdir(), 'mlrun-images-lock-'));
  });
  afterEach(() => rmSync(project, { recursive: true, force: true }));

  async function run(args: string[], env: Record<string, string> = {}) {
    let stdout = '';
    let stderr = '';
    const code = await main(args, { env, cwd: project, stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
    return { code, stdout, stderr };
  }
  const manifest = (...bases: string[]) =>
    writeFileSync(join(project, 'images.yaml'), yaml('version: 1', 'images:', ...bases.flatMap((base, index) => [`  image-${index}:`, `    base: ${base}`])));
  const lockText = () => readFileSync(join(project, 'images.lock.yaml'), 'utf8');

  describe('against registries that fail', () => {
    let closedPort: number;
    let refusing: Server;
    let refusingPort: number;
    beforeAll(async () => {
      refusing = createServer((request, response) => {
        if (request.url === '/v2/') return void response.writeHead(200).end('{}');
        response.writeHead(request.url?.includes('/missing/') ? 404 : 401, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"DENIED"}]}');
      });
      await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
      refusingPort = (refusing.address() as { port: number }).port;
      // A port that was free a moment ago, taken after the refusing server so the two cannot be the same.
      const probe = createServer();
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
      closedPort = (probe.address() as { port: number }).port;
      await new Promise((resolve) => probe.close(resolve));
    });
    afterAll(() => new Promise((resolve) => refusing.close(resolve)));

    test('every failing base is reported, in a stable order', async () => {
      manifest(`127.0.0.1:${refusingPort}/private/b:1`, `127.0.0.1:${refusingPort}/missing/a:1`);
      const result = await run(['lock']);
      expect(result.code).toBe(1);
      const lines = result.stderr.trim().split('\n');
      expect(lines[0]).toMatch(/missing\/a:1: no such image or tag/);
      expect(lines[1]).toMatch(/private\/b:1.*refused access/);
      expect(lines[2]).toBe('images.lock.yaml was left as it was');
    });

    test.each([
      ['unreachable', () => `127.0.0.1:${closedPort}/base:1`, /cannot reach registry 127\.0\.0\.1:\d+/],
      ['404', () => `127.0.0.1:${refusingPort}/missing/base:1`, /no such image or tag/],
      ['401', () => `127.0.0.1:${refusingPort}/private/base:1`, /refused access/],
    ])('%s: a clear error, and no partial lock file (the old one is kept)', async (_what, reference, message) => {
      writeFileSync(join(project, 'images.lock.yaml'), formatLock(new Map()));
      const before = lockText();
      manifest(reference());
      const result = await run(['lock']);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(message);
      expect(lockText()).toBe(before);
    });
  });

  test('--check needs no network: exit 1 naming what is missing and what is no longer used, 0 when it matches', async () => {
    manifest('debian:bookworm', 'node:20');
    writeFileSync(
      join(project, 'images.lock.yaml'),
      formatLock(
        new Map([
          ['debian:bookworm', { digest: DIGEST_A }],
          ['python:3.9', { digest: DIGEST_B }],
        ]),
      ),
    );
    const stale = await run(['lock', '--check']);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('  missing: node:20\n  no longer used: python:3.9');
    writeFileSync(
      join(project, 'images.lock.yaml'),
      formatLock(
        new Map([
          ['debian:bookworm', { digest: DIGEST_A }],
          ['node:20', { digest: DIGEST_B }],
        ]),
      ),
    );
    expect(await run(['lock', '--check'])).toMatchObject({ code: 0, stdout: 'images.lock.yaml covers all 2 base image(s)\n' });
  });

  test('a base that reads a release variable at build time cannot be locked', async () => {
    manifest('${MLRUN_DOCKER_REGISTRY}debian:bookworm');
    const result = await run(['lock', '--check']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('the base `${MLRUN_DOCKER_REGISTRY}debian:bookworm` reads MLRUN_DOCKER_REGISTRY at build time, so it cannot be locked');
  });

  test('a broken lock file: generate says how to mend it, lock --update writes it anew, list does not read it', async () => {
    manifest(`debian@${DIGEST_A}`);
    writeFileSync(join(project, 'images.lock.yaml'), 'version: [\n');
    const generate = await run(['generate']);
    expect(generate.code).toBe(2);
    expect(generate.stderr).toContain('run `mlrun-images lock --update` to write it anew');
    expect((await run(['list'])).code).toBe(0);
    expect(await run(['lock', '--update'])).toMatchObject({ code: 0 });
    expect(parseLock(lockText())).toEqual({ bases: new Map() });
  });

  test('--locked fails for a base missing from the lock, in generate and build', async () => {
    manifest('debian:bookworm');
    for (const command of [['generate'], ['build', '--dry-run']]) {
      const result = await run([...command, '--locked']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('--locked: 1 base image(s) are not in images.lock.yaml: debian:bookworm; run `mlrun-images lock`');
    }
    expect(existsSync(join(project, 'generated'))).toBe(false);
  });

  const registryProblem = execaSync('docker', ['info'], { reject: false }).exitCode !== 0 ? 'docker does not answer' : baseImageProblem();
  if (registryProblem && process.env.CI) throw new Error(`lock tests against the local registry: ${registryProblem}; CI must run scripts/dev-engine.sh first`);

  test.skipIf(registryProblem !== undefined)(
    'against the real registry: the locked digest is what docker reports in RepoDigests; --update and the mirror',
    async () => {
      manifest('127.0.0.1:5000/debian:bookworm');
      const locked = await run(['lock']);
      expect(locked.code, locked.stderr).toBe(0);
      const repoDigests = JSON.parse(
        (await execa('docker', ['image', 'inspect', '--format', '{{json .RepoDigests}}', '127.0.0.1:5000/debian:bookworm'])).stdout,
      ) as string[];
      const digest = parseLock(lockText()).bases.get('127.0.0.1:5000/debian:bookworm')!.digest;
      expect(repoDigests).toContain(`127.0.0.1:5000/debian@${digest}`);

      writeFileSync(join(project, 'images.lock.yaml'), formatLock(new Map([['127.0.0.1:5000/debian:bookworm', { digest: DIGEST_A }]])));
      expect((await run(['lock'])).code).toBe(0);
      expect(parseLock(lockText()).bases.get('127.0.0.1:5000/debian:bookworm')!.digest).toBe(DIGEST_A);
      expect((await run(['lock', '--update'])).code).toBe(0);
      expect(parseLock(lockText()).bases.get('127.0.0.1:5000/debian:bookworm')!.digest).toBe(digest);

      await execa('docker', ['tag', '127.0.0.1:5000/debian:bookworm', '127.0.0.1:5000/debian:lock-test']);
      await execa('docker', ['push', '127.0.0.1:5000/debian:lock-test']);
      manifest('127.0.0.1:5000/debian:bookworm', '127.0.0.1:5000/debian:lock-test');
      const updated = await run(['lock', '--update', 'image-0']);
      expect(updated.code, updated.stderr).toBe(0);
      expect([...parseLock(lockText()).bases.keys()]).toEqual(['127.0.0.1:5000/debian:bookworm', '127.0.0.1:5000/debian:lock-test']);

      manifest('debian:bookworm');
      expect((await run(['lock', '--base-registry', '127.0.0.1:5000'])).code).toBe(0);
      expect(parseLock(lockText())).toEqual({ bases: new Map([['debian:bookworm', { digest }]]), mirror: '127.0.0.1:5000' });
    },
  );
});
