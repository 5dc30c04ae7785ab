import { describe, expect, test } from 'vitest';
import { loadFamilySet, variantLabel } from '../../src/family/variants.js';
import { load, problemsOf, type LoadOptions, render, yaml } from '../helpers.js';

/** core (python) ← app, and ui with no python at all; MLRun 1.9.1 publishes python 3.11 (no suffix) and 3.9 (-py39). */
const MANIFEST = yaml(
  'version: 1',
  'variables:',
  '  MLRUN_VERSION: 1.9.1',
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

  test("ids, references (tagged as MLRun's client asks) and parents paired within a variant", () => {
    expect(set.units.map((unit) => [unit.id, unit.reference, unit.parent ?? ''])).toEqual([
      ['core-py311', 'mlrun/core:1.9.1', ''],
      ['core-py39', 'mlrun/core:1.9.1-py39', ''],
      ['app-py311', 'mlrun/app:1.9.1', 'core-py311'],
      ['app-py39', 'mlrun/app:1.9.1-py39', 'core-py39'],
      ['ui', 'mlrun/ui:1.9.1', ''],
    ]);
    expect(set.notes).toEqual([]);
  });

  test("each unit has its variant's values: build arguments and tests read them", () => {
    const [core311, core39] = set.units;
    expect(core311!.family.values.MLRUN_PYTHON_VERSION).toBe('3.11');
    expect(core311!.family.graph.testsOf('core')[0]!.params.stdout).toBe('Python 3\\.11');
    expect(core39!.family.graph.testsOf('core')[0]!.params.stdout).toBe('Python 3\\.9');
  });

  test.each([
    ['1.7.2', [['core', 'mlrun/core:1.7.2', '3.9']]],
    [
      '1.10.0',
      [
        ['core-py311', 'mlrun/core:1.10.0', '3.11'],
        ['core-py39', 'mlrun/core:1.10.0-py39', '3.9'],
      ],
    ],
    ['1.11.0', [['core', 'mlrun/core:1.11.0', '3.11']]],
    [
      'unstable',
      [
        ['core-py311', 'mlrun/core:unstable', '3.11'],
        ['core-py39', 'mlrun/core:unstable-py39', '3.9'],
      ],
    ],
    [
      '0.0.0+abc',
      [
        ['core-py311', 'mlrun/core:0.0.0-abc', '3.11'],
        ['core-py39', 'mlrun/core:0.0.0-abc-py39', '3.9'],
      ],
    ],
    ['latest', [['core', 'mlrun/core:latest', '3.9']]], // not a version MLRun's client can ask for: the default python
  ])('MLRUN_VERSION=%s builds the pythons MLRun publishes it in, each under the tag its clients ask for', (version, expected) => {
    const units = setOf(MANIFEST, { env: { MLRUN_VERSION: version } }).units.filter((unit) => unit.image === 'core');
    expect(units.map((unit) => [unit.id, unit.reference, unit.variant.MLRUN_PYTHON_VERSION])).toEqual(expected);
  });

  test('a python MLRun publishes that the manifest does not build is a note; none to build is an error', () => {
    expect(setOf(MANIFEST, { env: { MLRUN_VERSION: '1.4.0' } }).notes).toEqual([
      'MLRun 1.4.0 also publishes python 3.7 (1.4.0-py37) images; images.yaml does not build `core` in 3.7',
    ]);
    expect(() => setOf(MANIFEST, { env: { MLRUN_VERSION: '1.2.0' } })).toThrow(
      "image `core`: MLRun 1.2.0 publishes its images in python 3.7, and images.yaml builds `core` in 3.9, 3.11 only; add 3.7 to its variants, or set MLRUN_PYTHON_VERSION to build one python as MLRun's Makefile does",
    );
  });

  test("a checkout's build matrix decides an image's pythons and their suffixes", () => {
    const family = load(MANIFEST, { env: { MLRUN_VERSION: 'unstable' } });
    const checkoutPythons = new Map([
      ['core', { unsuffixed: '3.9', suffixed: [] }],
      ['ui', { unsuffixed: '3.11', suffixed: [] }],
    ]);
    const set = loadFamilySet(family, {
      given: new Set(),
      load: (variant) => load(MANIFEST, { env: { MLRUN_VERSION: 'unstable' }, overrides: variant }),
      checkoutPythons,
    });
    expect(set.units.map((unit) => unit.reference)).toEqual(['mlrun/core:unstable', 'mlrun/app:unstable', 'mlrun/ui:unstable']);
    // An image built once is built in the python the matrix gives it.
    expect(set.units.at(-1)!.variant.MLRUN_PYTHON_VERSION).toBe('3.11');
  });

  test('a variant variable is a build argument: the Dockerfile is one for every variant', () => {
    const files = render(MANIFEST);
    expect(files.get('core/Dockerfile')).toContain('ARG MLRUN_PYTHON_VERSION=3.9\nARG BASE_IMAGE=python:${MLRUN_PYTHON_VERSION}-slim');
    expect(load(MANIFEST).buildArgs).toEqual(['MLRUN_VERSION', 'MLRUN_DOCKER_REPO', 'MLRUN_DOCKER_REGISTRY', 'MLRUN_PYTHON_VERSION']);
  });

  test('select: an image names all its units (with their ancestors); a unit id names one', () => {
    expect(set.select(['app']).map((unit) => unit.id)).toEqual(['core-py311', 'core-py39', 'app-py311', 'app-py39']);
    expect(set.select(['app-py311']).map((unit) => unit.id)).toEqual(['core-py311', 'app-py311']);
    expect(set.select(['app-py311'], { withAncestors: false }).map((unit) => unit.id)).toEqual(['app-py311']);
    expect(() => set.select(['app-py310'])).toThrow('no image `app-py310` in the manifest (did you mean `app-py311`?)');
  });

  test('a variant variable given a value (environment or --set) is built for that value only, as MLRun’s Makefile does', () => {
    const given = setOf(MANIFEST, { overrides: { MLRUN_PYTHON_VERSION: '3.11' } });
    expect(given.units.map((unit) => [unit.id, unit.reference])).toEqual([
      ['core', 'mlrun/core:1.9.1'],
      ['app', 'mlrun/app:1.9.1'],
      ['ui', 'mlrun/ui:1.9.1'],
    ]);
    expect(given.units[0]!.family.values.MLRUN_PYTHON_VERSION).toBe('3.11');
    expect(given.notes).toEqual([]);
    const suffixed = setOf(MANIFEST, { env: { MLRUN_PYTHON_VERSION: '3.9', INCLUDE_PYTHON_VERSION_SUFFIX: '1' } });
    expect(suffixed.units.map((unit) => unit.reference)).toEqual(['mlrun/core:1.9.1-py39', 'mlrun/app:1.9.1-py39', 'mlrun/ui:1.9.1']);
    expect(suffixed.notes).toEqual([]);
    // As the Makefile does, and MLRun's python 3.9 clients would not find it: said.
    expect(setOf(MANIFEST, { env: { MLRUN_PYTHON_VERSION: '3.9' } }).notes).toEqual([
      "MLRUN_PYTHON_VERSION=3.9 tags the images that vary by python 1.9.1, but MLRun 1.9.1's python 3.9 clients ask for 1.9.1-py39; set INCLUDE_PYTHON_VERSION_SUFFIX=1, or leave MLRUN_PYTHON_VERSION unset to build every python MLRun publishes 1.9.1 in",
    ]);
    const every = setOf(MANIFEST, { env: { INCLUDE_PYTHON_VERSION_SUFFIX: '1' } });
    expect(every.units.map((unit) => unit.reference)).toEqual([
      'mlrun/core:1.9.1-py311',
      'mlrun/core:1.9.1-py39',
      'mlrun/app:1.9.1-py311',
      'mlrun/app:1.9.1-py39',
      'mlrun/ui:1.9.1',
    ]);
  });

  test('an image may list its own values; a child of an image not built in its variant is refused', () => {
    const own = setOf(MANIFEST.replace('    from: core\n', "    from: core\n    variants: {MLRUN_PYTHON_VERSION: ['3.9']}\n"));
    expect(own.units.map((unit) => unit.id)).toEqual(['core-py311', 'core-py39', 'app', 'ui']);
    expect(own.units[2]).toMatchObject({ parent: 'core-py39', reference: 'mlrun/app:1.9.1-py39' });
    // An image built once is built in MLRUN_PYTHON_VERSION's value, on the parent of that python.
    const paired = setOf(MANIFEST.replace('  ui:\n    base: nginx:1.27\n', '  ui:\n    from: core\n'));
    expect(paired.units.at(-1)).toMatchObject({ id: 'ui', parent: 'core-py39', reference: 'mlrun/ui:1.9.1' });
    const orphan = MANIFEST.replace('  ui:\n    base: nginx:1.27\n    variants: {}', "  ui:\n    from: core\n    variants: {MLRUN_PYTHON_VERSION: ['3.10']}");
    expect(() => setOf(orphan, { env: { MLRUN_VERSION: 'latest' } })).toThrow(
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

describe('generated Dockerfiles', () => {
  test("name their parent in the default python, tagged as MLRun's client asks for it", () => {
    expect(render(MANIFEST).get('app/Dockerfile')).toMatch(/^ARG BASE_IMAGE=mlrun\/core:1.9.1-py39$/m);
    expect(render(MANIFEST.replace('MLRUN_VERSION: 1.9.1', 'MLRUN_VERSION: 1.7.2')).get('app/Dockerfile')).toMatch(/^ARG BASE_IMAGE=mlrun\/core:1.7.2$/m);
  });
});
