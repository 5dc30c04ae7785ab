import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { contextFileDigests } from '../../src/cli/context-files.js';
import { labelsFromOutput } from '../../src/engines/engine.js';
import { type ImageInputs, inputChanges, inputDigest, planInputs } from '../../src/scheduler/inputs.js';
import type { BuildStep } from '../../src/scheduler/plan.js';

const INPUTS: ImageInputs = {
  dockerfile: 'a'.repeat(64),
  buildArgs: { BASE_IMAGE: 'debian:12', MLRUN_PIP_VERSION: '24.0' },
  labels: { 'org.opencontainers.image.title': 'app' },
  context: { 'requirements.txt': 'sha256:1' },
  parent: { name: 'base', digest: 'sha256:p' },
};

describe('the input digest', () => {
  test('the same inputs, written in any key order, are the same digest', () => {
    const reordered: ImageInputs = {
      parent: INPUTS.parent!,
      context: INPUTS.context,
      labels: INPUTS.labels,
      buildArgs: { MLRUN_PIP_VERSION: '24.0', BASE_IMAGE: 'debian:12' },
      dockerfile: INPUTS.dockerfile,
    };
    expect(inputDigest(reordered)).toBe(inputDigest(INPUTS));
    expect(inputDigest(INPUTS)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  test.each<[string, Partial<ImageInputs>, string[]]>([
    ['the Dockerfile', { dockerfile: 'b'.repeat(64) }, ['Dockerfile']],
    ['a build argument', { buildArgs: { ...INPUTS.buildArgs, MLRUN_PIP_VERSION: '24.1' } }, ['build argument MLRUN_PIP_VERSION']],
    ['the base', { buildArgs: { ...INPUTS.buildArgs, BASE_IMAGE: 'debian:13' } }, ['base debian:13 (was debian:12)']],
    ['a stage base', { buildArgs: { ...INPUTS.buildArgs, BUILDER_BASE_IMAGE: 'node:20' } }, ['base node:20 (was none)']],
    ['a label', { labels: { 'org.opencontainers.image.title': 'app2' } }, ['label org.opencontainers.image.title']],
    ['a context file', { context: { 'requirements.txt': 'sha256:2' } }, ['context file requirements.txt']],
    ['an added file', { context: { ...INPUTS.context, 'new.txt': 'sha256:3' } }, ['context file new.txt (added)']],
    ['a removed file', { context: {} }, ['context file requirements.txt (removed)']],
    ['the parent', { parent: { name: 'base', digest: 'sha256:q' } }, ['parent base']],
    ['a git context', { context: { git: 'https://example.com/ui.git#v2' } }, ['context https://example.com/ui.git#v2 (was a folder)']],
  ])('%s changes the digest, and says so', (_kind, change, why) => {
    const changed = { ...INPUTS, ...change };
    expect(inputDigest(changed)).not.toBe(inputDigest(INPUTS));
    expect(inputChanges(INPUTS, changed)).toEqual(why);
  });

  test('each step gets its parent digest; revision and source labels are not inputs', () => {
    const step = (name: string, parent: string | undefined, labels: Record<string, string>): BuildStep =>
      ({ name, image: name, ...(parent ? { parent } : {}), buildArgs: { BASE_IMAGE: 'debian:12' }, labels, context: '/c' }) as unknown as BuildStep;
    const compute = (revision: string, rootFile: string) =>
      planInputs(
        [step('root', undefined, { 'org.opencontainers.image.revision': revision, 'org.opencontainers.image.source': revision }), step('child', 'root', {})],
        {
          dockerfileOf: (each) => `FROM x\n# ${each.name}`,
          contextOf: (each): Record<string, string> => (each.name === 'root' ? { 'a.txt': rootFile } : {}),
        },
      );
    const first = compute('abc', 'sha256:1');
    expect(first.get('child')!.inputs.parent).toEqual({ name: 'root', digest: first.get('root')!.digest });
    expect(compute('def', 'sha256:1').get('child')!.digest).toBe(first.get('child')!.digest);
    const changed = compute('abc', 'sha256:2');
    expect(changed.get('root')!.digest).not.toBe(first.get('root')!.digest);
    expect(changed.get('child')!.digest).not.toBe(first.get('child')!.digest);
  });
});

describe('labels from one engine call', () => {
  test('docker: lines for the images it has, in order; the missing ones are not there', () => {
    const output = '["mlrun/a:1"]\tsha256:a\n["127.0.0.1:5000/b:2","other:tag"]\t\n';
    expect(labelsFromOutput(['mlrun/a:1', 'mlrun/missing:1', '127.0.0.1:5000/b:2', 'c:3'], output)).toEqual(
      new Map([
        ['mlrun/a:1', 'sha256:a'],
        ['mlrun/missing:1', undefined],
        ['127.0.0.1:5000/b:2', ''],
        ['c:3', undefined],
      ]),
    );
  });

  test('podman: names in full (docker.io/, localhost/), and `<no value>` for no label', () => {
    const output = '["docker.io/mlrun/a:1"]\tsha256:a\n["localhost/b:latest"]\t<no value>\n["docker.io/library/python:3.11"]\tx\n';
    expect(labelsFromOutput(['mlrun/a:1', 'b', 'python:3.11'], output)).toEqual(
      new Map([
        ['mlrun/a:1', 'sha256:a'],
        ['b', ''],
        ['python:3.11', 'x'],
      ]),
    );
  });

  test('no output (the engine has none of them, or printed only errors)', () => {
    expect(labelsFromOutput(['a:1'], 'Error: No such image: a:1\n')).toEqual(new Map([['a:1', undefined]]));
  });
});

describe('the files of a context', () => {
  let context: string;
  const write = (path: string, text = path) => {
    mkdirSync(dirname(join(context, path)), { recursive: true });
    writeFileSync(join(context, path), text);
  };
  beforeEach(() => {
    context = mkdtempSync(join(tmpdir(), 'mlrun-images-context-'));
    for (const path of ['requirements.txt', 'app/main.py', 'app/data/x.csv', 'docs/index.md', '.git/index', '.build/logs/a.log', 'node_modules/m/i.js'])
      write(path);
  });
  afterEach(() => rmSync(context, { recursive: true, force: true }));

  test('the generated ignore file keeps what the image copies, and only that', () => {
    const files = contextFileDigests(context, '# Generated\n*\n!app\n!requirements.txt\n');
    expect(Object.keys(files)).toEqual(['app/data/x.csv', 'app/main.py', 'requirements.txt']);
    expect(files['requirements.txt']).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  test("without one, the context's own .dockerignore decides (exceptions included); .git and .build never count", () => {
    write('.dockerignore', 'node_modules\ndocs\n!docs/index.md\n');
    expect(Object.keys(contextFileDigests(context, undefined))).toEqual([
      '.dockerignore',
      'app/data/x.csv',
      'app/main.py',
      'docs/index.md',
      'requirements.txt',
    ]);
  });

  test('an executable bit and a symbolic link are inputs too', () => {
    const before = contextFileDigests(context, undefined);
    chmodSync(join(context, 'app/main.py'), 0o755);
    symlinkSync('main.py', join(context, 'app/link.py'));
    const after = contextFileDigests(context, undefined);
    expect(after['app/main.py']).toBe(`${before['app/main.py']} executable`);
    expect(after['app/link.py']).toBe('link main.py');
  });
});
