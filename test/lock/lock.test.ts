import { execa, execaSync } from 'execa';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { main } from '../../src/cli.js';
import { externalBases, formatLock, lockCoverage, parseLock, pinned, type LockEntry } from '../../src/lock/lockfile.js';
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
    expect(parseLock(text)).toEqual(lock);
    expect(formatLock(parseLock(text))).toBe(text);
  });

  test.each([
    ['not YAML', 'bases: [', 'images.lock.yaml: invalid YAML'],
    ['no version', 'bases: {}\n', 'expected `version: 1`'],
    ['a bad digest', 'version: 1\nbases:\n  "a:1":\n    digest: md5:abc\n', '`a:1` has no valid digest'],
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
      const probe = createServer();
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
      closedPort = (probe.address() as { port: number }).port;
      await new Promise((resolve) => probe.close(resolve));
      refusing = createServer((request, response) => {
        if (request.url === '/v2/') return void response.writeHead(200).end('{}');
        response.writeHead(request.url?.includes('/missing/') ? 404 : 401, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"DENIED"}]}');
      });
      await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
      refusingPort = (refusing.address() as { port: number }).port;
    });
    afterAll(() => new Promise((resolve) => refusing.close(resolve)));

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
    writeFileSync(join(project, 'images.lock.yaml'), formatLock(new Map([['debian:bookworm', { digest: DIGEST_A }], ['python:3.9', { digest: DIGEST_B }]])));
    const stale = await run(['lock', '--check']);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('  missing: node:20\n  no longer used: python:3.9');
    writeFileSync(join(project, 'images.lock.yaml'), formatLock(new Map([['debian:bookworm', { digest: DIGEST_A }], ['node:20', { digest: DIGEST_B }]])));
    expect(await run(['lock', '--check'])).toMatchObject({ code: 0, stdout: 'images.lock.yaml covers all 2 base image(s)\n' });
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

  const registryProblem = (() => {
    if (execaSync('docker', ['info'], { reject: false }).exitCode !== 0) return 'docker does not answer';
    const head = execaSync('curl', ['-fsS', '-o', '/dev/null', 'http://127.0.0.1:5000/v2/debian/manifests/bookworm', '-H', 'Accept: application/vnd.docker.distribution.manifest.v2+json'], { reject: false });
    return head.exitCode === 0 ? undefined : 'no registry on 127.0.0.1:5000 serving debian:bookworm';
  })();
  if (registryProblem && process.env.CI) throw new Error(`lock tests against the local registry: ${registryProblem}; CI must run scripts/dev-engine.sh first`);

  test.skipIf(registryProblem !== undefined)('against the real registry: the locked digest is what docker reports in RepoDigests; --update and the mirror', async () => {
    manifest('127.0.0.1:5000/debian:bookworm');
    const locked = await run(['lock']);
    expect(locked.code, locked.stderr).toBe(0);
    const repoDigests = JSON.parse((await execa('docker', ['image', 'inspect', '--format', '{{json .RepoDigests}}', '127.0.0.1:5000/debian:bookworm'])).stdout) as string[];
    const digest = parseLock(lockText()).get('127.0.0.1:5000/debian:bookworm')!.digest;
    expect(repoDigests).toContain(`127.0.0.1:5000/debian@${digest}`);

    writeFileSync(join(project, 'images.lock.yaml'), formatLock(new Map([['127.0.0.1:5000/debian:bookworm', { digest: DIGEST_A }]])));
    expect((await run(['lock'])).code).toBe(0);
    expect(parseLock(lockText()).get('127.0.0.1:5000/debian:bookworm')!.digest).toBe(DIGEST_A);
    expect((await run(['lock', '--update'])).code).toBe(0);
    expect(parseLock(lockText()).get('127.0.0.1:5000/debian:bookworm')!.digest).toBe(digest);

    manifest('debian:bookworm');
    expect((await run(['lock', '--base-registry', '127.0.0.1:5000'])).code).toBe(0);
    expect([...parseLock(lockText())]).toEqual([['debian:bookworm', { digest }]]);
  });
});
