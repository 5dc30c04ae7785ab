import { execa } from 'execa';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { PACKAGE_ROOT } from '../../src/cli/files.js';
import { copyOfProject, runCli } from '../helpers.js';

let project: string;
beforeEach(() => {
  project = copyOfProject('mlrun-images-cli-');
});
afterEach(() => rmSync(project, { recursive: true, force: true }));

async function run(args: string[], env: Record<string, string> = {}) {
  return runCli(project, args, { env });
}

/** Every file under the project with its content and modification time. */
function snapshot(folder = project): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(folder, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(folder, path).split(sep).join('/'), `${statSync(path).mtimeMs} ${readFileSync(path, 'utf8')}`);
  }
  return files;
}

const read = (path: string) => readFileSync(join(project, path), 'utf8');
const edit = (path: string, change: (text: string) => string) => writeFileSync(join(project, path), change(read(path)));

describe('generate', () => {
  test('writes one Dockerfile per image, and nothing the second time', async () => {
    const first = await run(['generate']);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toBe('generated 7 images into generated/ (8 file(s) changed)\n');
    expect(readdirSync(join(project, 'generated')).sort()).toEqual(['jupyter', 'log-collector', 'ml-base', 'mlrun', 'mlrun-api', 'mlrun-gpu', 'mlrun-ui']);
    expect(read('generated/mlrun/Dockerfile')).toBe(readFileSync(join(PACKAGE_ROOT, 'generated/mlrun/Dockerfile'), 'utf8'));

    const before = snapshot();
    const second = await run(['generate']);
    expect(second.stdout).toBe('generated 7 images into generated/ (0 file(s) changed)\n');
    expect(snapshot()).toEqual(before);
  });

  test('touches nothing outside generated/ and leaves no temporary files', async () => {
    const outside = [...snapshot()];
    await run(['generate']);
    const after = snapshot();
    for (const [path, content] of outside) expect(after.get(path)).toBe(content);
    expect([...after.keys()].filter((path) => !outside.some(([p]) => p === path)).every((path) => path.startsWith('generated/'))).toBe(true);
    expect([...after.keys()].filter((path) => path.endsWith('.tmp'))).toEqual([]);
  });

  test('removes the files of an image no longer in the manifest, but keeps files it did not write', async () => {
    await run(['generate']);
    writeFileSync(join(project, 'generated', 'NOTES.md'), 'my notes\n');
    edit('images.yaml', (text) => text.replace(/\n {2}mlrun-ui:[\s\S]*$/, '\n'));
    const result = await run(['generate']);
    expect(result.code).toBe(0);
    expect(existsSync(join(project, 'generated', 'mlrun-ui'))).toBe(false);
    expect(read('generated/NOTES.md')).toBe('my notes\n');
  });

  test('an invalid manifest exits 2, reports every problem with its place, and leaves generated/ untouched', async () => {
    await run(['generate']);
    const before = snapshot(join(project, 'generated'));
    edit('images.yaml', (text) => text.replace('from: mlrun\n', 'from: mlrn\n').replace('extends: mlrun\n', 'extends: mlrum\n'));
    const result = await run(['generate']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^images\.yaml:\d+:\d+: image `mlrun-gpu` extends `mlrum`, which is not an image of this manifest \(did you mean `mlrun`\?\)\n/,
    );
    expect(result.stderr).toMatch(
      /\nimages\.yaml:\d+:\d+: image `ml-base` is built from `mlrn`, which is not an image of this manifest \(did you mean `mlrun`\?\); for an external image use `base`\n/,
    );
    expect(result.stderr).toMatch(/2 problem\(s\) found; nothing was written\.\n$/);
    expect(snapshot(join(project, 'generated'))).toEqual(before);
  });
});

describe('generate --check', () => {
  test('exits 0 when generated/ is current, 1 with a unified diff after an edit, 0 again once regenerated', async () => {
    await run(['generate']);
    expect(await run(['generate', '--check'])).toEqual({ code: 0, stdout: 'generated/ is up to date (7 images)\n', stderr: '' });

    edit('images.yaml', (text) =>
      text.replace('packages: [tini, gcc, git, procps, sqlite3, vim, mariadb-client]', 'packages: [tini, gcc, git, procps, sqlite3, vim]'),
    );
    const before = snapshot();
    const stale = await run(['generate', '--check']);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toContain('--- a/generated/mlrun-api/Dockerfile\n+++ b/generated/mlrun-api/Dockerfile\n');
    expect(stale.stdout).toContain('\n-      mariadb-client \\\n');
    expect(stale.stderr).toBe('mlrun-images: generated/ is stale: 1 file(s) differ from images.yaml; run `npm run generate`\n');
    expect(snapshot()).toEqual(before);

    await run(['generate']);
    expect((await run(['generate', '--check'])).code).toBe(0);
  });

  test('reports generated files that would be removed and files that would be added', async () => {
    await run(['generate']);
    mkdirSync(join(project, 'generated', 'old'));
    writeFileSync(join(project, 'generated', 'old', 'Dockerfile'), '# Generated by mlrun-images from images.yaml: do not edit by hand.\n');
    rmSync(join(project, 'generated', 'mlrun'), { recursive: true });
    const result = await run(['generate', '--check']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('--- a/generated/old/Dockerfile\n+++ /dev/null\n');
    expect(result.stdout).toContain('--- /dev/null\n+++ b/generated/mlrun/Dockerfile\n');
  });
});

describe('list', () => {
  test("prints every image's reference in build order with MLRun's naming, as MLRun's client asks for each", async () => {
    // A 1.7.x checkout builds every image in python 3.9, with no suffix (its build matrix; MLRun 1.7's client rule).
    const result = await run(['list'], { MLRUN_VERSION: '1.7.0-rc3+abc', MLRUN_DOCKER_REPO: 'myorg', MLRUN_DOCKER_REGISTRY: 'quay.io/' });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout.split('\n')).toEqual([
      'quay.io/myorg/mlrun:1.7.0-rc3-abc',
      'quay.io/myorg/mlrun-gpu:1.7.0-rc3-abc',
      'quay.io/myorg/ml-base:1.7.0-rc3-abc',
      'quay.io/myorg/jupyter:1.7.0-rc3-abc',
      'quay.io/myorg/mlrun-api:1.7.0-rc3-abc',
      'quay.io/myorg/mlrun-ui:1.7.0-rc3-abc',
      'quay.io/myorg/log-collector:1.7.0-rc3-abc',
      '',
    ]);
  });

  test('--json - prints each unit with its reference and python', async () => {
    const result = await run(['list', '--json', '-'], { MLRUN_VERSION: '1.7.2' });
    const { images } = JSON.parse(result.stdout) as { images: { name: string; reference: string; variant: Record<string, string> }[] };
    expect(images[0]).toEqual({ name: 'mlrun', image: 'mlrun', reference: 'mlrun/mlrun:1.7.2', variant: { MLRUN_PYTHON_VERSION: '3.9' } });
    expect(images.find((unit) => unit.name === 'mlrun-ui')?.variant).toEqual({ MLRUN_PYTHON_VERSION: '3.9' });
  });

  test('MLRUN_PYTHON_VERSION given builds that python only, without a suffix unless INCLUDE_PYTHON_VERSION_SUFFIX asks', async () => {
    const one = await run(['list'], { MLRUN_PYTHON_VERSION: '3.11' });
    expect(one.stdout.split('\n').slice(0, 2)).toEqual(['mlrun/mlrun:unstable', 'mlrun/mlrun-gpu:unstable']);
    const suffixed = await run(['list', '--set', 'MLRUN_PYTHON_VERSION=3.10', '--set', 'INCLUDE_PYTHON_VERSION_SUFFIX=1']);
    expect(suffixed.stdout.split('\n').slice(0, 2)).toEqual(['mlrun/mlrun:unstable-py310', 'mlrun/mlrun-gpu:unstable-py310']);
    expect(suffixed.stdout).toContain('mlrun/mlrun-ui:unstable\n');
  });

  test('--set overrides the environment', async () => {
    const result = await run(['list', '--set', 'MLRUN_VERSION=1.6.0'], { MLRUN_VERSION: '9.9.9' });
    expect(result.stdout.split('\n')[0]).toBe('mlrun/mlrun:1.6.0');
  });

  test('a version that cannot be a tag is an error', async () => {
    const result = await run(['list'], { MLRUN_VERSION: '1.7/0' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('the environment variable MLRUN_VERSION: `1.7/0` cannot form an image tag');
  });
});

describe('the command line', () => {
  test.each([
    [['generat'], 'unknown command `generat` (did you mean `generate`?)'],
    [['generate', '--frobnicate'], "Unknown option '--frobnicate'"],
    [['list', '--set', 'NOEQUALS'], '--set NOEQUALS: expected NAME=VALUE'],
    [['list', '--set', 'MLRUN_VERSON=1'], '--set MLRUN_VERSON: no such variable is declared under `variables:` (did you mean `MLRUN_VERSION`?)'],
    [[], 'a command is needed'],
    [['generate', '--manifest', 'missing.yaml'], 'missing.yaml: no such file'],
  ])('%j exits 2: %s', async (args, message) => {
    const result = await run(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  test('--help prints the usage', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: mlrun-images <command> [options]');
  });
});

describe('the installed command', () => {
  test('reports an invalid manifest exactly as the code does (its schema validators are compiled at build time)', async () => {
    edit('images.yaml', (text) =>
      text
        .replace('workdir: /mlrun\n', 'workdirr: /mlrun\n')
        .replace('- apt:\n          packages: [graphviz, curl]', '- apt:\n          packages: [graphviz, curl]\n          pinned: true'),
    );
    const inProcess = await run(['generate']);
    const installed = await execa('node', [join(PACKAGE_ROOT, 'bin', 'mlrun-images.js'), 'generate'], { cwd: project, reject: false });
    expect(inProcess.code).toBe(2);
    expect(inProcess.stderr).toContain('unknown field `workdirr`');
    expect(inProcess.stderr).toContain('unknown field `pinned`');
    expect({ code: installed.exitCode, stderr: `${installed.stderr}\n` }).toEqual({ code: 2, stderr: inProcess.stderr });
    expect(existsSync(join(PACKAGE_ROOT, 'dist', 'manifest', 'validators.generated.js'))).toBe(true);
  });

  test('on the committed tree, generate --check passes: generated/ matches images.yaml', async () => {
    const result = await execa('node', [join(PACKAGE_ROOT, 'bin', 'mlrun-images.js'), 'generate', '--check'], {
      cwd: PACKAGE_ROOT,
      reject: false,
      env: { MLRUN_VERSION: '1.2.3' },
    });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
  });
});

describe('options belong to their command', () => {
  test.each([
    [['generate', '--push'], '--push is an option of `build`, not of `generate`'],
    [['list', '--check'], '--check is an option of `generate` and `lock`, not of `list`'],
    [['build', '--out', 'x'], '--out is an option of `generate`, `bake` and `ci`, not of `build`'],
  ])('%j exits 2: %s', async (args, message) => {
    const result = await run(args);
    expect(result).toMatchObject({ code: 2 });
    expect(result.stderr).toBe(`mlrun-images: ${message}\n`);
  });

  test('a file-system problem exits 2 with its message, not a stack trace', async () => {
    const result = await run(['list', '--manifest', '.']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('mlrun-images: .: is a folder, not a file\n');
  });

  test('generate -o with a folder that holds other files removes only what it wrote', async () => {
    mkdirSync(join(project, 'elsewhere', 'deeper', 'nested'), { recursive: true });
    const lookalike = '# Generated by mlrun-images: not at a path this tool writes\n';
    writeFileSync(join(project, 'elsewhere', 'deeper', 'nested', 'Dockerfile'), lookalike);
    writeFileSync(join(project, 'elsewhere', 'notes.txt'), 'mine\n');
    expect((await run(['generate', '-o', 'elsewhere'])).code).toBe(0);
    expect(read('elsewhere/deeper/nested/Dockerfile')).toBe(lookalike);
    expect(read('elsewhere/notes.txt')).toBe('mine\n');
  });
});

describe('resolve', () => {
  test.each([
    [['mlrun/mlrun', '--client-version', '1.7.0'], {}, 'mlrun/mlrun:1.7.0'],
    [['mlrun/mlrun', '--client-version', '1.7.0'], { MLRUN_IMAGES_REGISTRY: 'registry.local:5000' }, 'registry.local:5000/mlrun/mlrun:1.7.0'],
    [['mlrun/mlrun', '--client-version', '1.7.0', '--images-registry', ''], { MLRUN_IMAGES_REGISTRY: 'registry.local:5000' }, 'mlrun/mlrun:1.7.0'],
    [['mlrun/mlrun:1.6.4', '--client-version', '1.7.0'], {}, 'mlrun/mlrun:1.6.4'],
    [['mlrun/mlrun'], { MLRUN_IMAGES_TAG: '1.5.2' }, 'mlrun/mlrun:1.5.2'],
    [['mlrun/mlrun', '--images-tag', '1.4.0', '--client-python-version', '3.7.16'], {}, 'mlrun/mlrun:1.4.0-py37'],
    [['python:3.9', '--vendor-images-registry', 'mirror.local/'], {}, 'mirror.local/python:3.9'],
    [['python:3.9', '--vendor-images-registry', 'mirror.local/', '--images-to-enrich-registry', '^mlrun/'], {}, 'python:3.9'],
  ])('%j with %j prints %s', async (args, env, expected) => {
    const result = await run(['resolve', ...args], env);
    expect(result).toEqual({ code: 0, stdout: `${expected}\n`, stderr: '' });
  });

  test('needs exactly one image, and says what is wrong with an invalid one', async () => {
    expect((await run(['resolve'])).stderr).toContain('resolve takes one image');
    const invalid = await run(['resolve', 'mlrun/MLRun']);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('the repository path component `MLRun` is invalid');
  });
});

test('messages name the manifest as it is reached from the working folder; generated headers do not change', async () => {
  const outside = join(project, '..');
  writeFileSync(join(project, 'images.yaml'), read('images.yaml').replace('from: mlrun', 'from: mlrn'));
  const result = await runCli(outside, ['generate', '-f', join(project, 'images.yaml')]);
  expect(result.stderr).toMatch(
    new RegExp(
      `^${join(project, 'images.yaml')
        .slice(outside.length + 1)
        .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: image \`ml-base\``,
      'm',
    ),
  );
});
