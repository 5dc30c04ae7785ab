import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { MANIFEST_FIELDS, STAGE_FIELDS } from '../src/manifest/types.js';
import { PACKAGE_ROOT } from '../src/cli/files.js';
import { IMAGE_FIELDS } from '../src/family/inherit.js';
import { contextPathsOf } from '../src/layers/index.js';
import { layersOfImage } from '../src/family/inherit.js';
import { checkoutReader } from '../src/cli/sources.js';
import { missingCheckoutPaths } from '../src/family/checkout.js';
import { type CheckoutLayout, load, MLRUN_CHECKOUTS, SCHEMA, UI_CHECKOUT } from './helpers.js';

interface ObjectSchema {
  properties: Record<string, unknown>;
}
const definitions = SCHEMA.definitions as Record<string, ObjectSchema>;
const sorted = (list: Iterable<string>) => [...list].sort();
const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');
const manifestText = readFileSync(join(PACKAGE_ROOT, 'images.yaml'), 'utf8');

test('the schema and the TypeScript types name the same fields', () => {
  expect(sorted(Object.keys((SCHEMA as unknown as ObjectSchema).properties))).toEqual(sorted(MANIFEST_FIELDS));
  expect(sorted(Object.keys(definitions.image!.properties))).toEqual(sorted(IMAGE_FIELDS));
  expect(sorted(Object.keys(definitions.stage!.properties))).toEqual(sorted(STAGE_FIELDS));
});

test('images.yaml points editors at the schema on its first line', () => {
  expect(manifestText.split('\n')[0]).toBe('# yaml-language-server: $schema=./schema/images.schema.json');
});

test('the default manifest declares exactly the seven MLRun images and the naming variables', () => {
  const family = load(manifestText);
  expect(sorted(family.images.keys())).toEqual(sorted(['mlrun', 'mlrun-gpu', 'ml-base', 'jupyter', 'mlrun-api', 'mlrun-ui', 'log-collector']));
  expect(family.defaults).toMatchObject({
    MLRUN_VERSION: 'unstable',
    MLRUN_DOCKER_REPO: 'mlrun',
    MLRUN_DOCKER_REGISTRY: '',
    MLRUN_PYTHON_VERSION: '3.9',
    INCLUDE_PYTHON_VERSION_SUFFIX: '',
  });
  expect(family.images.get('ml-base')!.spec.from).toBe('mlrun');
  expect(family.images.get('mlrun-gpu')!.extends).toBe('mlrun');
});

test.each(Object.keys(MLRUN_CHECKOUTS) as CheckoutLayout[])(
  'every file the default family copies is in the %s fixture checkout and the ui one, as a checkout has it',
  (layout) => {
    const family = load(manifestText);
    const checkouts = new Map([
      ['mlrun', checkoutReader(MLRUN_CHECKOUTS[layout])],
      ['ui', checkoutReader(UI_CHECKOUT)],
    ]);
    expect(missingCheckoutPaths(family, family.order, checkouts)).toEqual([]);
    for (const [name, folder] of [
      ['mlrun', MLRUN_CHECKOUTS[layout]],
      ['ui', UI_CHECKOUT],
    ] as const) {
      for (const path of family.sources[name]!.holds) expect(existsSync(join(folder, path)), path).toBe(true);
    }
    // What it checks: a copy, a requirement file, a package of the source, a file of the ui checkout.
    const copied = family.order.flatMap((name) => contextPathsOf(layersOfImage(family.images.get(name)!)));
    expect(copied).toEqual(
      expect.arrayContaining(['dockerfiles/mlrun-api/requirements.txt', 'pipeline-adapters/mlrun-pipelines-kfp-v1-8', 'nginx/nginx.conf.tmpl']),
    );
  },
);

test('the README opens with the two commands: the main job, then the tests', () => {
  const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const commands = firstBlock
    .split('\n')
    .filter(Boolean)
    .map((line) => line.replace(/\s+#.*$/, ''));
  expect(commands).toEqual(['npm ci && npm run generate', 'npm test']);
  expect(readme.indexOf('```sh')).toBeLessThan(readme.indexOf('\n## '));
});
