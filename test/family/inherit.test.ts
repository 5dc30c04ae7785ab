import { describe, expect, test } from 'vitest';
import { applyExtends, findCycles, formatCycle, IMAGE_FIELDS, MERGE_RULES, type MergeRule } from '../../src/family/inherit.js';
import { formatDiagnostic } from '../../src/errors.js';
import { parseManifest } from '../../src/manifest/load.js';
import type { Manifest } from '../../src/manifest/types.js';
import { load, problemsOf, yaml } from '../helpers.js';

/** A manifest of two images, `parent` and `child`, each given its lines as written under its name. */
function parentAndChild(parentLines: string[], childLines: string[]): string {
  const indented = (lines: string[]) => lines.map((line) => `    ${line}`);
  return yaml('version: 1', 'images:', '  parent:', ...indented(parentLines), '  child:', ...indented(childLines));
}

function child(parentLines: string[], childLines: string[]) {
  return load(parentAndChild(parentLines, ['extends: parent', ...childLines])).images.get('child')!;
}

const testedRules = new Set<MergeRule>();

describe('extends: each merge rule', () => {
  test('override: scalar and list fields are replaced', () => {
    testedRules.add('override');
    const image = child(
      ['base: debian:12', 'description: parent', 'workdir: /p', 'user: p', 'entrypoint: [a, b]', 'cmd: [c]', 'expose: [1, 2]', 'volumes: [/p]', 'context: p'],
      ['description: child', 'workdir: /c', 'user: c', 'entrypoint: [x]', 'cmd: [y, z]', 'expose: [3]', 'volumes: [/c]', 'context: c'],
    );
    expect(image.spec).toMatchObject({
      base: 'debian:12',
      description: 'child',
      workdir: '/c',
      user: 'c',
      entrypoint: ['x'],
      cmd: ['y', 'z'],
      expose: ['3'],
      volumes: ['/c'],
      context: 'c',
    });
  });

  test('override: fields the child does not set are inherited', () => {
    const image = child(['base: debian:12', 'workdir: /p', 'user: p'], ['description: only this']);
    expect(image.spec).toMatchObject({ base: 'debian:12', workdir: '/p', user: 'p', description: 'only this' });
  });

  test('base-or-from: setting base drops an inherited from, and the other way round', () => {
    testedRules.add('base-or-from');
    const family = load(
      yaml(
        'version: 1',
        'images:',
        '  root:',
        '    base: debian:12',
        '  on-root:',
        '    from: root',
        '  rebased:',
        '    extends: on-root',
        '    base: ubuntu:22.04',
        '  rebuilt:',
        '    extends: root',
        '    from: on-root',
      ),
    );
    expect(family.images.get('rebased')!.spec).toMatchObject({ base: 'ubuntu:22.04' });
    expect(family.images.get('rebased')!.spec.from).toBeUndefined();
    expect(family.images.get('rebuilt')!.spec).toMatchObject({ from: 'on-root' });
    expect(family.images.get('rebuilt')!.spec.base).toBeUndefined();
  });

  test('merge-keys: args, env and labels merge key by key, the child wins, null removes', () => {
    testedRules.add('merge-keys');
    const image = child(
      ['base: debian:12', 'env: {A: "1", B: "2", GONE: x}', 'args: {X: "1"}', 'labels: {l1: a}'],
      ['env: {B: "two", C: "3", GONE: null}', 'args: {Y: "2"}', 'labels: {l1: b, l2: c}'],
    );
    expect(image.spec.env).toEqual({ A: '1', B: 'two', C: '3' });
    expect(image.spec.args).toEqual({ X: '1', Y: '2' });
    expect(image.spec.labels).toEqual({ l1: 'b', l2: 'c' });
  });

  test('merge-layers: same id and kind merges parameters in place; same id other kind replaces; others append', () => {
    testedRules.add('merge-layers');
    const image = child(
      [
        'base: debian:12',
        'layers:',
        '  - apt: {id: system, packages: [curl]}',
        '  - openmpi: {id: mpi, version: 4.1.5}',
        '  - run: {id: tweak, commands: [echo parent]}',
      ],
      ['layers:', '  - openmpi: {id: mpi, cuda: true}', '  - copy: {id: tweak, src: a, dest: /a}', '  - run: {commands: [echo child]}'],
    );
    expect(image.layers.map(({ kind, params }) => ({ kind, params }))).toEqual([
      { kind: 'apt', params: { id: 'system', packages: ['curl'] } },
      { kind: 'openmpi', params: { id: 'mpi', version: '4.1.5', cuda: true } },
      { kind: 'copy', params: { id: 'tweak', src: 'a', dest: '/a' } },
      { kind: 'run', params: { commands: ['echo child'] } },
    ]);
  });

  test('merge-layers: `before` puts a new layer, or moves a merged one, just before the inherited layer with that id', () => {
    const image = child(
      [
        'base: debian:12',
        'layers:',
        '  - apt: {id: system, packages: [curl]}',
        '  - run: {id: install, commands: [make install]}',
        '  - run: {id: check, commands: [make check]}',
      ],
      [
        'layers:',
        '  - run: {id: deps, before: install, commands: [make deps]}',
        '  - run: {id: check, before: install, commands: [make test]}',
        '  - run: {commands: [echo last]}',
      ],
    );
    expect(image.layers.map(({ params }) => params)).toEqual([
      { id: 'system', packages: ['curl'] },
      { id: 'deps', commands: ['make deps'] },
      { id: 'check', commands: ['make test'] },
      { id: 'install', commands: ['make install'] },
      { commands: ['echo last'] },
    ]);
  });

  test.each([
    {
      mistake: '`before` names an id no inherited layer has',
      layers: ['extends: parent', 'layers:', '  - run: {before: instal, commands: [x]}'],
      problem: 'images.yaml:10:23: `before: instal`: no inherited layer has the id `instal` (did you mean `install`?); the inherited ids are install',
    },
    {
      mistake: '`before` in an image that extends nothing',
      layers: ['base: debian:12', 'layers:', '  - run: {before: install, commands: [x]}'],
      problem: 'images.yaml:10:23: image `child` extends no image: `before` places a layer among inherited ones; list the layers in order instead',
    },
  ])('merge-layers: $mistake is reported where it is written', ({ layers, problem }) => {
    const manifest = parentAndChild(['base: debian:12', 'layers:', '  - run: {id: install, commands: [y]}'], layers);
    expect(problemsOf(manifest)).toEqual([problem]);
  });

  test.each([
    {
      parent: 'has several ids',
      parentLayers: ['  - run: {id: install, commands: [y]}', '  - run: {id: setup, commands: [w]}'],
      problem: 'images.yaml:11:23: `before: nowhere`: no inherited layer has the id `nowhere`; the inherited ids are install, setup',
    },
    {
      parent: 'has layers without ids',
      parentLayers: ['  - run: {commands: [y]}'],
      problem: 'images.yaml:10:23: `before: nowhere`: no inherited layer has the id `nowhere`; no inherited layer has an id',
    },
  ])('merge-layers: an unknown `before` when the parent $parent lists what there is', ({ parentLayers, problem }) => {
    const manifest = parentAndChild(
      ['base: debian:12', 'layers:', ...parentLayers],
      ['extends: parent', 'layers:', '  - run: {before: nowhere, commands: [x]}'],
    );
    expect(problemsOf(manifest)).toEqual([problem]);
  });

  test("merge-layers: `before` in a stage's layers is reported where it is written", () => {
    const manifest = parentAndChild(
      ['base: debian:12', 'layers:', '  - run: {id: install, commands: [y]}'],
      ['extends: parent', 'stages:', '  - name: build', '    base: debian:12', '    layers:', '      - run: {before: install, commands: [x]}'],
    );
    expect(problemsOf(manifest)).toEqual(["images.yaml:13:27: `before` places an image layer among inherited ones; a stage's layers are listed in order"]);
  });

  test('merge-layers: a merged layer must still be complete', () => {
    expect(problemsOf(parentAndChild(['base: debian:12'], ['extends: parent', 'layers:', '  - openmpi: {id: mpi, cuda: true}']))).toEqual([
      'images.yaml:8:18: openmpi layer of image `child` is missing `version` (needed unless `source: apt`)',
    ]);
  });

  test('merge-stages: a stage of the same name replaces the inherited one, others append', () => {
    testedRules.add('merge-stages');
    const image = child(
      ['base: debian:12', 'stages:', '  - {name: build, base: node:20}', '  - {name: assets, base: alpine:3}'],
      ['stages:', '  - {name: build, base: node:22}', '  - {name: docs, base: alpine:3}'],
    );
    expect(image.stages.map(({ name, base }) => `${name}=${base}`)).toEqual(['build=node:22', 'assets=alpine:3', 'docs=alpine:3']);
  });

  test('not-inherited: extends itself is not passed on, but chains resolve parent first', () => {
    testedRules.add('not-inherited');
    const family = load(
      yaml(
        'version: 1',
        'images:',
        '  a:',
        '    base: debian:12',
        '    env: {FROM_A: a, WHO: a}',
        '  b:',
        '    extends: a',
        '    env: {FROM_B: b, WHO: b}',
        '  c:',
        '    extends: b',
        '    env: {WHO: c}',
      ),
    );
    expect(family.images.get('c')!.spec.env).toEqual({ FROM_A: 'a', FROM_B: 'b', WHO: 'c' });
    expect(family.images.get('c')!.extends).toBe('b');
    expect(family.images.get('b')!.extends).toBe('a');
  });

  test('merge-tests: merged by name, the child wins, and `NAME: null` is kept to switch the test off', () => {
    testedRules.add('merge-tests');
    const image = child(
      ['base: debian:12', 'tests:', '  a: {command: [a]}', '  b: {command: [b]}'],
      ['tests:', '  b: {command: [b2]}', '  a: null', '  c: {file: {path: /c}}'],
    );
    expect(image.spec.tests).toEqual({ a: null, b: { command: ['b2'] }, c: { file: { path: '/c' } } });
    expect(
      load(
        yaml('version: 1', 'images:', '  p:', '    base: debian:12', '    tests: {a: {command: [a]}}', '  c:', '    extends: p', '    tests: {a: null}'),
      ).graph.testsOf('c'),
    ).toEqual([]);
  });

  test('every field has a rule, and every rule in use is tested above', () => {
    const rulesInUse = new Set(IMAGE_FIELDS.map((field) => MERGE_RULES[field].rule));
    expect([...rulesInUse].sort()).toEqual([...testedRules].sort());
  });
});

describe('extends: where inherited values are reported', () => {
  test('an error in an inherited field points at the image that wrote it, once', () => {
    expect(problemsOf(yaml('version: 1', 'images:', '  parent:', '    base: debian:12', '    workdir: relative', '  child:', '    extends: parent'))).toEqual([
      'images.yaml:5:14: workdir `relative` must be an absolute path of letters, digits and . _ / @ + -',
    ]);
  });
});

test('a parameter inherited into a merged layer is reported where it is written, once', () => {
  expect(
    problemsOf(
      parentAndChild(['base: debian:12', 'layers:', '  - apt: {id: system, packages: [Curl]}'], ['extends: parent', 'layers:', '  - apt: {id: system}']),
    ),
  ).toEqual(['images.yaml:6:38: invalid apt package `Curl`: expected NAME or NAME=VERSION (lowercase letters, digits and + . -)']);
});

describe('findCycles', () => {
  test.each([
    { relation: 'a chain into a cycle (only the cycle is reported)', next: { a: 'b', b: 'c', c: 'b' }, cycles: ['b → c → b'] },
    { relation: 'two separate cycles', next: { a: 'b', b: 'a', c: 'd', d: 'c' }, cycles: ['a → b → a', 'c → d → c'] },
    { relation: 'an image that names itself', next: { a: 'a', b: 'a' }, cycles: ['a → a'] },
    { relation: 'chains that end', next: { a: 'b', c: 'b' }, cycles: [] },
  ])('$relation', ({ next, cycles }) => {
    const names = [...new Set([...Object.keys(next), ...Object.values(next)])];
    const parentOf = (name: string) => (next as Record<string, string | undefined>)[name];
    expect(findCycles(names, parentOf).map(formatCycle)).toEqual(cycles);
  });
});

describe('applyExtends', () => {
  const manifest = parseManifest({ file: 'images.yaml', text: 'version: 1\n' });
  const applied = (...lines: string[]) => {
    const parsed = parseManifest({ file: 'images.yaml', text: yaml(...lines) });
    return applyExtends(parsed, parsed.data as Manifest);
  };

  test('an image keeps its fields apart from layers, stages and extends, with the path of each field and key', () => {
    const { images, diagnostics } = applied(
      'version: 1',
      'images:',
      '  parent:',
      '    base: debian:12',
      '    env: {A: "1"}',
      '    entrypoint: [run, it]',
      '    layers:',
      '      - run: {commands: [make]}',
      '    stages:',
      '      - name: build',
      '        base: node:20',
      '        layers:',
      '          - apt: {packages: [curl]}',
      '  child:',
      '    extends: parent',
      '    user: app',
      '    env: {B: "2"}',
    );
    expect(diagnostics).toEqual([]);
    const parent = images.get('parent')!;
    expect('extends' in parent).toBe(false);
    expect(parent.spec).toStrictEqual({ base: 'debian:12', env: { A: '1' }, entrypoint: ['run', 'it'] });
    expect(parent.paths).toStrictEqual({
      base: ['images', 'parent', 'base'],
      env: ['images', 'parent', 'env'],
      'env.A': ['images', 'parent', 'env', 'A'],
      entrypoint: ['images', 'parent', 'entrypoint'],
    });
    expect(parent.layers).toEqual([
      {
        kind: 'run',
        params: { commands: ['make'] },
        path: ['images', 'parent', 'layers', 0, 'run'],
        paramPaths: { commands: ['images', 'parent', 'layers', 0, 'run', 'commands'] },
      },
    ]);
    const stageLayerPath = ['images', 'parent', 'stages', 0, 'layers', 0, 'apt'];
    expect(parent.stages).toEqual([
      {
        name: 'build',
        base: 'node:20',
        path: ['images', 'parent', 'stages', 0],
        layers: [{ kind: 'apt', params: { packages: ['curl'] }, path: stageLayerPath, paramPaths: { packages: [...stageLayerPath, 'packages'] } }],
      },
    ]);

    const child = images.get('child')!;
    expect(child.extends).toBe('parent');
    expect(child.spec).toStrictEqual({ base: 'debian:12', env: { A: '1', B: '2' }, entrypoint: ['run', 'it'], user: 'app' });
    expect(child.paths).toStrictEqual({
      base: ['images', 'parent', 'base'],
      env: ['images', 'child', 'env'],
      'env.A': ['images', 'parent', 'env', 'A'],
      'env.B': ['images', 'child', 'env', 'B'],
      entrypoint: ['images', 'parent', 'entrypoint'],
      user: ['images', 'child', 'user'],
    });
  });

  test('layers without an id are never merged: the child appends its own', () => {
    const { images } = applied(
      'version: 1',
      'images:',
      '  parent:',
      '    base: debian:12',
      '    layers:',
      '      - run: {commands: [a]}',
      '  child:',
      '    extends: parent',
      '    layers:',
      '      - run: {commands: [b]}',
    );
    expect(images.get('child')!.layers.map(({ params }) => params)).toEqual([{ commands: ['a'] }, { commands: ['b'] }]);
  });

  test('a misplaced `before` in a parent is reported once, however many images extend it', () => {
    const { diagnostics } = applied(
      'version: 1',
      'images:',
      '  parent:',
      '    base: debian:12',
      '    layers:',
      '      - run: {before: x, commands: [a]}',
      '  child:',
      '    extends: parent',
      '  other:',
      '    extends: parent',
    );
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      'images.yaml:6:23: image `parent` extends no image: `before` places a layer among inherited ones; list the layers in order instead',
    ]);
  });

  test('an image that extends an unknown image is reported for that alone, not for its `before`', () => {
    const { images, diagnostics, partial } = applied(
      'version: 1',
      'images:',
      '  app:',
      '    extends: bsae',
      '    layers:',
      '      - run: {before: x, commands: [a]}',
      '  base:',
      '    base: debian:12',
    );
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      'images.yaml:4:14: image `app` extends `bsae`, which is not an image of this manifest (did you mean `base`?)',
    ]);
    expect([...partial]).toEqual(['app']);
    expect(images.get('app')!.spec).toStrictEqual({});
    expect(images.get('app')!.paths).toStrictEqual({});
    expect(images.get('app')!.extends).toBe('bsae');
  });

  test('a layer written as an empty mapping has an empty kind and no parameters', () => {
    const data = { version: 1, images: { lone: { base: 'debian:12', layers: [{}] } } } as unknown as Manifest;
    const { images, diagnostics } = applyExtends(manifest, data);
    expect(diagnostics).toEqual([]);
    expect(images.get('lone')!.layers).toEqual([{ kind: '', params: {}, path: ['images', 'lone', 'layers', 0, ''], paramPaths: {} }]);
  });
});
