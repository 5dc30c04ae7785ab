import { describe, expect, test } from 'vitest';
import { loadFamilySet, pythonSuffix, variantLabel } from '../../src/family/variants.js';
import { load, problemsOf, type LoadOptions, render, yaml } from '../helpers.js';

/** core (python) ← app, and ui with no python at all. */
const MANIFEST = yaml(
  'version: 1',
  'variables:',
  '  MLRUN_VERSION: 1.7.0',
  'variants:',
  '  MLRUN_PYTHON_VERSION: ["3.9", "3.11"]',
  'images:',
  '  core:',
  '    base: python:${MLRUN_PYTHON_VERSION}-slim',
  '    tests:',
  '      python:',
  '        command: [python, --version]',
  '        stdout: "Python ${MLRUN_PYTHON_VERSION}"',
  '  app:',
  '    from: core',
  '  ui:',
  '    base: nginx:1.27',
  '    variants: {}',
);

function setOf(text: string, options: LoadOptions & { given?: string[] } = {}) {
  const family = load(text, options);
  const given = new Set(options.given ?? [...Object.keys(options.overrides ?? {}), ...Object.keys(options.env ?? {})]);
  return loadFamilySet(family, { given, load: (variant) => load(text, { ...options, overrides: { ...options.overrides, ...variant } }) });
}

describe('units: each image in each variant it is built in', () => {
  const set = setOf(MANIFEST);

  test('ids, references (with -pyXY when python is one of several) and parents paired within a variant', () => {
    expect(set.units.map((unit) => [unit.id, unit.reference, unit.parent ?? ''])).toEqual([
      ['core-py39', 'mlrun/core:1.7.0-py39', ''],
      ['core-py311', 'mlrun/core:1.7.0-py311', ''],
      ['app-py39', 'mlrun/app:1.7.0-py39', 'core-py39'],
      ['app-py311', 'mlrun/app:1.7.0-py311', 'core-py311'],
      ['ui', 'mlrun/ui:1.7.0', ''],
    ]);
  });

  test("each unit has its variant's values: build arguments and tests read them", () => {
    const [, core311] = set.units;
    expect(core311!.family.values.MLRUN_PYTHON_VERSION).toBe('3.11');
    expect(core311!.family.graph.testsOf('core')[0]!.params.stdout).toBe('Python 3\\.11');
    expect(set.units[0]!.family.graph.testsOf('core')[0]!.params.stdout).toBe('Python 3\\.9');
  });

  test('a variant variable is a build argument: the Dockerfile is one for every variant', () => {
    const files = render(MANIFEST);
    expect(files.get('core/Dockerfile')).toContain('ARG MLRUN_PYTHON_VERSION=3.9\nARG BASE_IMAGE=python:${MLRUN_PYTHON_VERSION}-slim');
    expect(load(MANIFEST).buildArgs).toEqual(['MLRUN_VERSION', 'MLRUN_DOCKER_REPO', 'MLRUN_DOCKER_REGISTRY', 'MLRUN_PYTHON_VERSION']);
  });

  test('select: an image names all its units (with their ancestors); a unit id names one', () => {
    expect(set.select(['app']).map((unit) => unit.id)).toEqual(['core-py39', 'core-py311', 'app-py39', 'app-py311']);
    expect(set.select(['app-py311']).map((unit) => unit.id)).toEqual(['core-py311', 'app-py311']);
    expect(set.select(['app-py311'], { withAncestors: false }).map((unit) => unit.id)).toEqual(['app-py311']);
    expect(() => set.select(['app-py310'])).toThrow('no image `app-py310` in the manifest (did you mean `app-py311`?)');
  });

  test('a variant variable given a value (environment or --set) is built for that value only, as MLRun’s Makefile does', () => {
    const given = setOf(MANIFEST, { overrides: { MLRUN_PYTHON_VERSION: '3.11' } });
    expect(given.units.map((unit) => [unit.id, unit.reference])).toEqual([
      ['core', 'mlrun/core:1.7.0'],
      ['app', 'mlrun/app:1.7.0'],
      ['ui', 'mlrun/ui:1.7.0'],
    ]);
    expect(given.units[0]!.family.values.MLRUN_PYTHON_VERSION).toBe('3.11');
    const suffixed = setOf(MANIFEST, { env: { MLRUN_PYTHON_VERSION: '3.11', INCLUDE_PYTHON_VERSION_SUFFIX: '1' } });
    expect(suffixed.units.map((unit) => unit.reference)).toEqual(['mlrun/core:1.7.0-py311', 'mlrun/app:1.7.0-py311', 'mlrun/ui:1.7.0']);
  });

  test('an image may list its own values; a child of an image not built in its variant is refused', () => {
    const own = setOf(MANIFEST.replace('    from: core\n', "    from: core\n    variants: {MLRUN_PYTHON_VERSION: ['3.9']}\n"));
    expect(own.units.map((unit) => unit.id)).toEqual(['core-py39', 'core-py311', 'app', 'ui']);
    expect(own.units[2]).toMatchObject({ parent: 'core-py39', reference: 'mlrun/app:1.7.0' });
    const paired = setOf(MANIFEST.replace('  ui:\n    base: nginx:1.27\n', '  ui:\n    from: core\n'));
    expect(paired.units.at(-1)).toMatchObject({ id: 'ui', parent: 'core-py39' });
    const orphan = MANIFEST.replace('  ui:\n    base: nginx:1.27\n    variants: {}', "  ui:\n    from: core\n    variants: {MLRUN_PYTHON_VERSION: ['3.10']}");
    expect(() => setOf(orphan)).toThrow(
      'image `ui` (MLRUN_PYTHON_VERSION=3.10) is built from `core`, which is not built with these values; give it the same variants',
    );
  });
});

test('variant labels', () => {
  expect(variantLabel('MLRUN_PYTHON_VERSION', '3.11')).toBe('py311');
  expect(variantLabel('MLRUN_PYTHON_VERSION', '3.9.18')).toBe('py39');
  expect(variantLabel('CUDA', '11.8.0 cudnn8')).toBe('11-8-0-cudnn8');
});

describe('invalid variants and build arguments are located errors', () => {
  test.each([
    [
      MANIFEST.replace('  MLRUN_PYTHON_VERSION: ["3.9", "3.11"]', '  PYTHON: ["3.9"]'),
      'images.yaml:5:3: `PYTHON` is not a declared variable: declare it under `variables:`',
    ],
    [MANIFEST.replace('images:\n', 'build_args: [CUDA]\nimages:\n'), 'images.yaml:6:14: `CUDA` is not a declared variable: declare it under `variables:`'],
    [
      MANIFEST.replace('  MLRUN_PYTHON_VERSION: ["3.9", "3.11"]', '  MLRUN_PYTHON_VERSION: []'),
      'images.yaml:5:25: the variants of `MLRUN_PYTHON_VERSION` must not be empty',
    ],
    [
      MANIFEST.replace('    base: nginx:1.27\n', '    base: nginx:1.27\n    workdir: /py${MLRUN_PYTHON_VERSION}\n'),
      'images.yaml:17:14: `MLRUN_PYTHON_VERSION` is passed at build time and cannot be used here; it can be used in base, env, labels, args, run commands, pip packages, the python and pip of a miniconda layer, and image tests; the mlrun layer writes MLRUN_VERSION into the version file of the source it installs',
    ],
  ])('%#', (text, problem) => {
    expect(problemsOf(text)).toEqual([problem]);
  });
});

describe('pythonSuffix: how an image is tagged', () => {
  const PYTHONS = { MLRUN_PYTHON_VERSION: ['3.9', '3.11'] };
  test.each([
    ['several pythons declared for the manifest', PYTHONS, undefined, '1'],
    ['one python declared', { MLRUN_PYTHON_VERSION: ['3.9'] }, undefined, undefined],
    ['no variants at all', {}, undefined, undefined],
    ['an image that opts out (variants: {}) of a manifest that varies by python', PYTHONS, {}, ''],
    ['an image with its own pythons', {}, PYTHONS, '1'],
    ['an image that varies by something else only', PYTHONS, { CUDA: ['11', '12'] }, ''],
  ] as const)('%s', (_name, manifest, own, expected) => {
    expect(pythonSuffix(manifest, own)).toBe(expected);
  });

  test('a generated Dockerfile names its parent as the first variant tags it: with the suffix when several pythons are built', () => {
    expect(render(MANIFEST).get('app/Dockerfile')).toMatch(/^ARG BASE_IMAGE=mlrun\/core:1.7.0-py39$/m);
  });
});
