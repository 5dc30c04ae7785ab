import { mkdtempSync, readdirSync, readFileSync, rmSync, cpSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { validate } from 'dockerfile-utils';
import { afterAll, describe, expect, test } from 'vitest';
import { main } from '../src/cli.js';
import { PACKAGE_ROOT } from '../src/cli/files.js';

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
