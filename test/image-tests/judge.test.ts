import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { judgeCommand } from '../../src/image-tests/command.js';
import { judgeFile } from '../../src/image-tests/file.js';
import { judgeHttp } from '../../src/image-tests/http.js';
import { imageConfigOf, judgeMetadata } from '../../src/image-tests/metadata.js';
import { firstTarEntry } from '../../src/image-tests/tar.js';
import { namesFrom } from '../../src/engines/test-runtime.js';

const ok = { exitCode: 0, stdout: '', stderr: '', timedOut: false };

describe('command', () => {
  test.each([
    [{ command: ['x'] }, ok, []],
    [{ command: ['x'] }, { ...ok, exitCode: 2, stdout: 'oops' }, ['exited with 2, expected 0', 'output:\noops']],
    [{ command: ['x'], exit_code: 2 }, { ...ok, exitCode: 2 }, []],
    [{ command: ['x'], exit_code: 2 }, ok, ['exited with 0, expected 2', 'output:\n(empty)']],
    [{ command: ['x'], stdout: '^1\\.7\\.0$' }, { ...ok, stdout: 'a\n1.7.0\n' }, []],
    [{ command: ['x'], stdout: '^1\\.7\\.0$' }, { ...ok, stdout: '1.7.1\n' }, ['stdout does not match /^1\\.7\\.0$/; it was:\n1.7.1']],
    [{ command: ['x'], stderr: 'warn' }, { ...ok, stderr: 'a warning' }, []],
    [{ command: ['x'], stderr: 'warn' }, ok, ['stderr does not match /warn/; it was:\n(empty)']],
    [{ command: ['x'], not_stdout: 'error' }, { ...ok, stdout: 'an error' }, ['stdout matches /error/, which it must not; it was:\nan error']],
    [{ command: ['x'], not_stderr: 'Traceback' }, { ...ok, stderr: 'fine' }, []],
    [{ command: ['x'], timeout: 5 }, { ...ok, timedOut: true }, ['did not finish within 5 s']],
  ])('%j with %j', (params, outcome, problems) => {
    expect(judgeCommand(params, outcome)).toEqual(problems);
  });

  test('long outputs are cut to their first lines', () => {
    const stdout = Array.from({ length: 12 }, (_, index) => `line ${index}`).join('\n');
    expect(judgeCommand({ command: ['x'], stdout: 'nope' }, { ...ok, stdout })[0]).toBe(
      'stdout does not match /nope/; it was:\nline 0\nline 1\nline 2\nline 3\nline 4\n… (7 more line(s))',
    );
  });
});

describe('file', () => {
  const present = { exists: true, type: 'file' as const, mode: 0o644, uid: 1000, gid: 100, user: 'jovyan', group: 'users', content: 'MLRUN_DBPATH=x\n' };
  test.each([
    [{ path: '/a' }, present, []],
    [{ path: '/a' }, { exists: false }, ['/a does not exist']],
    [{ path: '/a', exists: false }, { exists: false }, []],
    [{ path: '/a', exists: false }, present, ['/a exists, and must not']],
    [{ path: '/a', type: 'dir' }, present, ['/a is a file, expected a dir']],
    [{ path: '/a', mode: '0644' }, present, []],
    [{ path: '/a', mode: '755' }, present, ['/a has mode 0644, expected 0755']],
    [{ path: '/a', owner: 'jovyan' }, present, []],
    [{ path: '/a', owner: '1000:100' }, present, []],
    [{ path: '/a', owner: 'jovyan:users' }, present, []],
    [{ path: '/a', owner: 'root' }, present, ['/a is owned by jovyan:users (uid 1000, gid 100), expected root']],
    [{ path: '/a', owner: '1000:0' }, present, ['/a is owned by jovyan:users (uid 1000, gid 100), expected 1000:0']],
    [{ path: '/a', contains: '^MLRUN_DBPATH=' }, present, []],
    [{ path: '/a', contains: 'nope' }, present, ['/a does not contain /nope/; it begins:\nMLRUN_DBPATH=x']],
    [{ path: '/a', contains: 'x' }, { ...present, type: 'dir' as const }, ['/a is not a file, so it cannot contain /x/']],
  ])('%j with %j', (params, outcome, problems) => {
    expect(judgeFile(params, outcome)).toEqual(problems);
  });
});

describe('metadata', () => {
  const config = imageConfigOf({
    Env: ['PATH=/opt/conda/bin:/usr/bin', 'PIP_NO_CACHE_DIR=1', 'EMPTY'],
    Labels: { 'org.opencontainers.image.title': 'mlrun' },
    User: 'mlrun',
    WorkingDir: '/mlrun',
    Entrypoint: ['tini', '--'],
    Cmd: null,
    ExposedPorts: { '8080/tcp': {} },
    Volumes: { '/mlrun/db': {} },
  });

  test('the engines’ configuration, read into one shape', () => {
    expect(config).toEqual({
      env: { PATH: '/opt/conda/bin:/usr/bin', PIP_NO_CACHE_DIR: '1', EMPTY: '' },
      labels: { 'org.opencontainers.image.title': 'mlrun' },
      user: 'mlrun',
      workdir: '/mlrun',
      entrypoint: ['tini', '--'],
      cmd: [],
      expose: ['8080/tcp'],
      volumes: ['/mlrun/db'],
    });
    expect(imageConfigOf(undefined)).toMatchObject({ env: {}, entrypoint: [], expose: [] });
  });

  test.each([
    [{ env: { PIP_NO_CACHE_DIR: '1' }, workdir: '/mlrun', user: 'mlrun' }, []],
    [{ env: { PIP_NO_CACHE_DIR: 1 } }, []],
    [{ env: { PIP_NO_CACHE_DIR: '0', MISSING: 'x' } }, ['env PIP_NO_CACHE_DIR is "1", expected "0"', 'env has no MISSING']],
    [{ labels: { 'org.opencontainers.image.title': 'x' } }, ['labels org.opencontainers.image.title is "mlrun", expected "x"']],
    [{ workdir: '/' }, ['workdir is "/mlrun", expected "/"']],
    [{ entrypoint: ['tini', '--'], cmd: [] }, []],
    [{ entrypoint: ['tini'] }, ['entrypoint is ["tini","--"], expected ["tini"]']],
    [{ cmd: ['run'] }, ['cmd is (none), expected ["run"]']],
    [{ expose: [8080, '8080/tcp'] }, []],
    [{ expose: ['53/udp'] }, ['port 53/udp is not exposed (exposed: ["8080/tcp"])']],
    [{ volumes: ['/mlrun/db'] }, []],
    [{ volumes: ['/data'] }, ['/data is not a volume (volumes: ["/mlrun/db"])']],
  ])('%j', (params, problems) => {
    expect(judgeMetadata(params, config)).toEqual(problems);
  });
});

describe('http', () => {
  test.each([
    [{ port: 8080 }, { status: 200, body: '' }, []],
    [{ port: 8080, path: '/api/v1/healthz' }, { status: 503, body: 'waiting' }, ['port 8080/api/v1/healthz answered 503, expected 200']],
    [{ port: 8080, status: 404 }, { status: 404, body: '' }, []],
    [{ port: 8080, body: '"status": ?"ok"' }, { status: 200, body: '{"status": "ok"}' }, []],
    [{ port: 8080, body: 'ok' }, { status: 200, body: 'nope' }, ['the body does not match /ok/; it was:\nnope']],
    [{ port: 8080, timeout: 2 }, { error: 'connect ECONNREFUSED' }, ['port 8080/ did not answer within 2 s: connect ECONNREFUSED']],
  ])('%j with %j', (params, outcome, problems) => {
    expect(judgeHttp(params, outcome)).toEqual(problems);
  });
});

describe('tar: the first entry as engines archive a path', () => {
  const folder = mkdtempSync(join(tmpdir(), 'mlrun-images-tar-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));
  writeFileSync(join(folder, 'file.txt'), 'hello\n');
  chmodSync(join(folder, 'file.txt'), 0o750);
  mkdirSync(join(folder, 'dir'));
  symlinkSync('file.txt', join(folder, 'link'));
  const long = 'x'.repeat(150);
  writeFileSync(join(folder, long), 'long name\n');
  const archive = (path: string, ...flags: string[]) =>
    execFileSync('tar', [...flags, '--numeric-owner', '--owner=1000', '--group=100', '-C', folder, '-cf', '-', path]);

  test.each([
    ['file.txt', { exists: true, type: 'file', mode: 0o750, uid: 1000, gid: 100, content: 'hello\n' }],
    ['dir', { exists: true, type: 'dir', uid: 1000, gid: 100 }],
    ['link', { exists: true, type: 'link', uid: 1000, gid: 100 }],
  ])('%s', (path, expected) => {
    expect(firstTarEntry(archive(path))).toMatchObject(expected);
  });

  test('a GNU long name before the entry is skipped; pax headers too', () => {
    expect(firstTarEntry(archive(long, '--format=gnu'))).toMatchObject({ type: 'file', content: 'long name\n' });
    expect(firstTarEntry(archive(long, '--format=pax'))).toMatchObject({ type: 'file', content: 'long name\n' });
  });

  test('names in the archive are kept; an empty archive is a path that does not exist', () => {
    const named = execFileSync('tar', ['--owner=someone:1000', '--group=team:100', '-C', folder, '-cf', '-', 'file.txt']);
    expect(firstTarEntry(named)).toMatchObject({ user: 'someone', group: 'team' });
    expect(firstTarEntry(Buffer.alloc(1024))).toEqual({ exists: false });
    expect(firstTarEntry(Buffer.alloc(0))).toEqual({ exists: false });
  });

  test('names come from the image’s /etc/passwd and /etc/group when the archive has none', () => {
    const names = namesFrom('root:x:0:0:root:/root:/bin/bash\njovyan:x:1000:100::/home/jovyan:/bin/bash\nbroken\n', 'root:x:0:\nusers:x:100:\n');
    expect(names.users.get(1000)).toBe('jovyan');
    expect(names.groups.get(100)).toBe('users');
    expect(names.users.size).toBe(2);
  });
});
