import { mkdtempSync, readdirSync, readFileSync, rmSync, cpSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { validate } from 'dockerfile-utils';
import { afterAll, describe, expect, test } from 'vitest';
import { main } from '../src/cli.js';
import { PACKAGE_ROOT } from '../src/cli/files.js';
import { copyOfProject, runCli, UI_CHECKOUT } from './helpers.js';

const FIXTURES = join(PACKAGE_ROOT, 'test', 'fixtures');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const scratch = mkdtempSync(join(tmpdir(), 'mlrun-images-golden-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function filesUnder(folder: string): Map<string, string> {
  const files = new Map<string, string>();
  if (!existsSync(folder)) return files;
  for (const entry of readdirSync(folder, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(folder, path).split(sep).join('/'), readFileSync(path, 'utf8'));
  }
  return new Map([...files].sort(([a], [b]) => a.localeCompare(b)));
}

const silent = { write: () => true };
const cases = readdirSync(FIXTURES, { withFileTypes: true }).filter((entry) => entry.isDirectory() && existsSync(join(FIXTURES, entry.name, 'images.yaml')));

describe('golden fixtures: test/fixtures/<case>/images.yaml renders exactly expected/', () => {
  test('there are fixtures', () => {
    expect(cases.length).toBeGreaterThanOrEqual(5);
  });

  test.each(cases.map((entry) => entry.name))('%s', async (name) => {
    const folder = join(FIXTURES, name);
    const out = join(scratch, name);
    const code = await main(['generate', '--manifest', join(folder, 'images.yaml'), '--out', out], { env: {}, cwd: folder, stdout: silent, stderr: silent });
    expect(code).toBe(0);
    if (UPDATE) {
      rmSync(join(folder, 'expected'), { recursive: true, force: true });
      cpSync(out, join(folder, 'expected'), { recursive: true });
    }
    const rendered = filesUnder(out);
    expect(rendered).toEqual(filesUnder(join(folder, 'expected')));
    for (const [path, text] of rendered) {
      if (path.endsWith('/Dockerfile'))
        expect(
          validate(text).map((problem) => problem.message),
          path,
        ).toEqual([]);
    }
  });
});

describe('golden: the default family against the fixture checkouts', () => {
  // A 1.7.x checkout building a 1.7 release (python 3.9 only), and a development checkout building 1.9.1 (python 3.11
  // without a suffix, 3.9 with -py39; its API under server/py).
  test.each([
    ['1.7.x', '1.7.2'],
    ['development', '1.9.1'],
  ] as const)(
    'the %s checkout at MLRUN_VERSION=%s: list and build --dry-run --test (every command, reference, build argument and test) are exactly test/golden/family-build-<layout>.txt',
    async (layout, version) => {
      const golden = join(PACKAGE_ROOT, 'test', 'golden', `family-build-${layout}.txt`);
      const project = copyOfProject('mlrun-images-family-', layout);
      try {
        const env = { MLRUN_VERSION: version, MLRUN_UI_SOURCE: UI_CHECKOUT, MLRUN_DOCKER_REGISTRY: 'registry.example:5000/' };
        const list = await runCli(project, ['list'], { env });
        const dryRun = await runCli(project, ['build', '--dry-run', '--test', '--engine', 'docker', '--push'], { env });
        expect(list.stderr + dryRun.stderr).toBe('');
        const text = `$ mlrun-images list\n${list.stdout}\n$ mlrun-images build --dry-run --test --engine docker --push\n${dryRun.stdout}`
          .replaceAll(UI_CHECKOUT, '<ui-checkout>')
          .replaceAll(project, '<mlrun-checkout>');
        if (UPDATE) writeFileSync(golden, text);
        expect(text).toBe(readFileSync(golden, 'utf8'));
      } finally {
        rmSync(project, { recursive: true, force: true });
      }
    },
  );
});
