/**
 * The layout of src/ shows the stages, and imports go down them only: no module imports a later stage, and no two
 * modules import each other, directly or around a circle.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import { expect, test } from 'vitest';
import { PACKAGE_ROOT } from '../src/cli/files.js';

/** Each stage, lowest first, by the paths it holds (a folder, or a file at the top). A module may import its own stage or a lower one. */
const STAGES: readonly (readonly string[])[] = [
  ['errors.ts', 'suggest.ts', 'concurrency.ts', 'reference.ts', 'mlrun/', 'dockerfile/', 'registry/'],
  ['manifest/'],
  ['layers/', 'image-tests/', 'schema.ts'],
  ['family/'],
  ['render/', 'lock/'],
  ['pipeline.ts', 'lint/'],
  ['engines/'],
  ['scheduler/', 'ci/'],
  ['cli/', 'docs/', 'cli.ts', 'index.ts'],
];

const SRC = join(PACKAGE_ROOT, 'src');
const modules = readdirSync(SRC, { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
  .map((entry) => relative(SRC, join(entry.parentPath, entry.name)).split(sep).join('/'))
  .sort();

/** The modules of src/ a module imports (statically or with import()), as paths under src/. */
function importsOf(module: string): string[] {
  const text = readFileSync(join(SRC, module), 'utf8');
  const specifiers = [...text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)].map((match) => match[1]!);
  return specifiers
    .map((specifier) => posix.normalize(posix.join(posix.dirname(module), specifier)).replace(/\.js$/, '.ts'))
    .filter((path) => modules.includes(path));
}

function stageOf(module: string): number {
  const stage = STAGES.findIndex((paths) => paths.some((path) => (path.endsWith('/') ? module.startsWith(path) : module === path)));
  if (stage === -1) throw new Error(`src/${module} belongs to no stage of test/structure.test.ts`);
  return stage;
}

const graph = new Map(modules.map((module) => [module, importsOf(module)]));

test('every module of src/ belongs to a stage', () => {
  expect(modules.length).toBeGreaterThan(40);
  for (const module of modules) expect(() => stageOf(module)).not.toThrow();
});

test('no module imports a later stage', () => {
  const upward = [...graph].flatMap(([module, imports]) =>
    imports.filter((target) => stageOf(target) > stageOf(module)).map((target) => `${module} → ${target}`),
  );
  expect(upward).toEqual([]);
});

test('no import circle', () => {
  const circles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (module: string, trail: string[]) => {
    if (state.get(module) === 'done') return;
    if (state.get(module) === 'open') {
      circles.push([...trail.slice(trail.indexOf(module)), module].join(' → '));
      return;
    }
    state.set(module, 'open');
    for (const target of graph.get(module) ?? []) visit(target, [...trail, module]);
    state.set(module, 'done');
  };
  for (const module of modules) visit(module, []);
  expect(circles).toEqual([]);
});

test('no folder is named like build output', () => {
  const folders = new Set(modules.map((module) => dirname(module).split('/')[0]));
  for (const name of ['build', 'dist', 'out', 'target']) expect(folders.has(name)).toBe(false);
});

test('an image test kind is one module: no module outside image-tests/ decides by a kind name', () => {
  const kindNames = ['command', 'file', 'metadata', 'http'].join('|');
  const decides = new RegExp(`(kind|\\.name) === '(${kindNames})'|case '(${kindNames})':`);
  const deciding = modules.filter((module) => !module.startsWith('image-tests/') && decides.test(readFileSync(join(SRC, module), 'utf8')));
  expect(deciding).toEqual([]);
});
