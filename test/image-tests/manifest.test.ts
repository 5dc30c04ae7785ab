import { describe, expect, test } from 'vitest';
import { load, problemsOf, yaml } from '../helpers.js';

/** A family: base ← middle ← leaf by `from`, and `copy` extending `base`. */
const FAMILY = yaml(
  'version: 1',
  'variables:',
  '  MLRUN_VERSION: 1.7.0',
  'images:',
  '  base:',
  '    base: debian:12',
  '    tests:',
  '      shell:',
  '        command: [sh, -c, "echo ok"]',
  '        stdout: "^ok$"',
  '      version:',
  '        command: echo ${MLRUN_VERSION}',
  '        stdout: "^${MLRUN_VERSION}$"',
  '      config:',
  '        metadata: {workdir: /}',
  '  middle:',
  '    from: base',
  '    tests:',
  '      version: null',
  '      served:',
  '        http: {port: 8080, path: /health}',
  '  leaf:',
  '    from: middle',
  '    tests:',
  '      shell:',
  '        command: [sh, -c, "echo leaf"]',
  '        stdout: leaf',
  '  copy:',
  '    extends: base',
  '    tests:',
  '      config: null',
);

describe('which tests an image runs', () => {
  const family = load(FAMILY);
  const names = (image: string) => family.graph.testsOf(image).map((test) => `${test.name} (${test.declaredBy})`);

  test("its own, after those of every image it is built `from`; `NAME: null` switches one off, a child's own replaces the parent's", () => {
    expect(names('base')).toEqual(['shell (base)', 'version (base)', 'config (base)']);
    expect(names('middle')).toEqual(['shell (base)', 'config (base)', 'served (middle)']);
    expect(names('leaf')).toEqual(['shell (leaf)', 'config (base)', 'served (middle)']);
  });

  test('through `extends` the definitions merge as env does, null switching a test off', () => {
    expect(names('copy')).toEqual(['shell (base)', 'version (base)']);
  });

  test('release variables in tests take their value for this run (tests run after the build); in a pattern, as literal text', () => {
    const version = family.graph.testsOf('base').find((test) => test.name === 'version')!;
    expect(version.params).toEqual({ command: 'echo 1.7.0', stdout: '^1\\.7\\.0$' });
    const other = load(FAMILY, { overrides: { MLRUN_VERSION: '1.8.0+abc' } }).graph.testsOf('base')[1]!;
    expect(other.params.stdout).toBe('^1\\.8\\.0\\+abc$');
    expect(new RegExp(String(other.params.stdout)).test('1.8.0+abc')).toBe(true);
    expect(new RegExp(String(other.params.stdout)).test('1.8.00abc')).toBe(false);
  });

  test('the parameters of each kind: command beside it, the others inside', () => {
    const [, , config] = family.graph.testsOf('base');
    expect(config).toEqual({ name: 'config', kind: 'metadata', params: { workdir: '/' }, declaredBy: 'base' });
    expect(family.graph.testsOf('middle')[2]).toEqual({ name: 'served', kind: 'http', params: { port: 8080, path: '/health' }, declaredBy: 'middle' });
  });
});

describe('invalid tests are located errors', () => {
  const image = (...lines: string[]) => yaml('version: 1', 'images:', '  app:', '    base: debian:12', '    tests:', ...lines.map((line) => `      ${line}`));
  test.each([
    [['t: {stdout: x}'], 'images.yaml:6:7: test `t` must have exactly one kind (command, file, metadata, http); it has none'],
    [['t: {command: [a], file: {path: /a}}'], 'images.yaml:6:7: test `t` must have exactly one kind (command, file, metadata, http); it has `command`, `file`'],
    [
      ['t: {comand: [a]}'],
      'images.yaml:6:11: unknown field `comand` in test `t` of image `app` (did you mean `command`?); expected one of: command, exit_code, stdout, stderr, not_stdout, not_stderr, user, env, timeout, file, metadata, http',
    ],
    [['t: {file: {path: /a}, stdout: x}'], 'images.yaml:6:29: `stdout` belongs inside `file:` (a file test writes its parameters there)'],
    [['t: {command: [a], stdout: "(unclosed"}'], 'images.yaml:6:33: test `t`: `stdout` is not a valid regular expression: Unterminated group'],
    [
      ['t: {file: {path: /a, contains: "[z-a]"}}'],
      'images.yaml:6:38: test `t`: `contains` is not a valid regular expression: Range out of order in character class',
    ],
    [['t: {file: {path: /a, exists: false, mode: "0755"}}'], 'images.yaml:6:49: test `t`: `mode` says something of a path that must not exist'],
    [['t: {file: {path: relative}}'], 'images.yaml:6:24: test `t` of image `app`: string `relative` does not match ^/'],
    [
      ['t: {http: {port: 70000}}'],
      'images.yaml:6:24: test `t` of image `app`: expected a port, a number from 1 to 65535 or `PORT/tcp` or `PORT/udp`, got number `70000`',
    ],
    [['t: {http: {path: /}}'], 'images.yaml:6:17: test `t` of image `app` is missing `port`'],
    [['t: {command: [a], exit_code: 256}'], 'images.yaml:6:36: test `t` of image `app`: number `256` must be <= 255'],
    [
      ['t: {metadata: {user: root, shell: bash}}'],
      'images.yaml:6:34: unknown field `shell` in test `t` of image `app`; expected one of: env, labels, user, workdir, entrypoint, cmd, expose, volumes',
    ],
  ])('%j', (lines, message) => {
    expect(problemsOf(image(...lines))).toEqual([message]);
  });
});
