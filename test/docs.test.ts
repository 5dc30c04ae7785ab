import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { PACKAGE_ROOT } from '../src/cli/files.js';
import { USAGE } from '../src/cli/main.js';
import { OPTIONS } from '../src/cli/options.js';
import { readmeSections, updateReadme } from '../src/docs/readme.js';
import { BUILTIN_LAYER_KINDS } from '../src/layers/index.js';
import { MANIFEST_SCHEMA } from '../src/schema.js';
import { renderMermaid } from '../src/render/mermaid.js';
import { layerKindsOf } from '../src/render/templates.js';
import { load, TEMPLATES } from './helpers.js';

const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');
const family = load(readFileSync(join(PACKAGE_ROOT, 'images.yaml'), 'utf8'));
const sections = readmeSections(family, renderMermaid(family));

test.each(Object.keys(sections))("the README's %s section is what the code says (run `npm run docs` after a change)", (name) => {
  const body = new RegExp(`<!-- ${name}:start -->\\n([\\s\\S]*?)<!-- ${name}:end -->`).exec(readme)?.[1];
  expect(body, `README.md has no <!-- ${name}:start --> … <!-- ${name}:end --> section`).toBeDefined();
  expect(body).toBe(sections[name]);
});

test('updateReadme replaces only between the markers, and names sections without markers', () => {
  const text = 'a\n<!-- x:start -->\nold\n<!-- x:end -->\nb\n';
  expect(updateReadme(text, { x: 'new\n', y: 'never\n' })).toEqual({ text: 'a\n<!-- x:start -->\nnew\n<!-- x:end -->\nb\n', missing: ['y'] });
});

test('schema/images.schema.json is the assembled manifest schema (run `npm run docs` after a change)', () => {
  expect(readFileSync(join(PACKAGE_ROOT, 'schema', 'images.schema.json'), 'utf8')).toBe(`${JSON.stringify(MANIFEST_SCHEMA, null, 2)}\n`);
});

test('every built-in layer kind has its template, and every template of the package a kind module', () => {
  const kinds = BUILTIN_LAYER_KINDS.map((kind) => kind.name).sort();
  expect(layerKindsOf(TEMPLATES)).toEqual(kinds);
  expect(Object.keys((MANIFEST_SCHEMA.definitions as { layer: { properties: object } }).layer.properties).sort()).toEqual(kinds);
});

test('the usage names every option, under its signature', () => {
  for (const option of OPTIONS) expect(USAGE).toContain(`--${option.name}`);
  expect(USAGE).toContain('-f, --manifest FILE');
  expect(USAGE).toContain('    --images-to-enrich-registry PATTERNS  comma-separated');
});
