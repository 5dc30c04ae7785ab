import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { MANIFEST_FIELDS, STAGE_FIELDS } from '../src/manifest/types.js';
import { PACKAGE_ROOT } from '../src/cli/files.js';
import { IMAGE_FIELDS } from '../src/family/inherit.js';
import { load, SCHEMA } from './helpers.js';

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

test('the default manifest declares exactly the six MLRun images and the naming variables', () => {
  const family = load(manifestText);
  expect(sorted(family.images.keys())).toEqual(sorted(['mlrun', 'mlrun-gpu', 'ml-base', 'jupyter', 'mlrun-api', 'mlrun-ui']));
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

test('requirement files of the default manifest are pinned with ==', () => {
  const family = load(manifestText);
  const files = [...family.images.values()].flatMap((image) =>
    image.layers.filter((layer) => layer.kind === 'pip').flatMap((layer) => (layer.params.requirements as string[] | undefined) ?? []),
  );
  expect(files.length).toBeGreaterThan(0);
  for (const file of new Set(files)) {
    const requirements = readFileSync(join(PACKAGE_ROOT, file), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    expect(
      requirements.filter((line) => !/^[A-Za-z0-9._-]+(\[[^\]]+\])?==[^=<>~!,]+$/.test(line)),
      file,
    ).toEqual([]);
  }
});

test('the README opens with the two commands: the main job, then the tests', () => {
  const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const commands = firstBlock
    .split('\n')
    .filter(Boolean)
    .map((line) => line.replace(/\s+#.*$/, ''));
  expect(commands).toEqual(['npm ci && npm run generate', 'npm test']);
  expect(readme.indexOf('```sh')).toBeLessThan(readme.indexOf('\n## '));
});
