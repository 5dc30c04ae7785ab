import { describe, expect, test } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { load, PLANNED_FAMILY, yaml } from '../helpers.js';

const family = load(PLANNED_FAMILY);

function usageErrorOf(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  expect.unreachable('no UsageError was thrown');
}

describe('parents, children, ancestors and descendants', () => {
  test('by `from` only, in build order', () => {
    const { graph } = family;
    expect(graph.parentOf('plugin')).toBe('app');
    expect(graph.parentOf('core')).toBeUndefined();
    expect(graph.ancestorsOf('plugin')).toEqual(['app', 'core']);
    expect(graph.ancestorsOf('tool')).toEqual([]);
    expect(graph.childrenOf('core')).toEqual(['app']);
    expect(graph.childrenOf('plugin')).toEqual([]);
    expect(graph.descendantsOf('core')).toEqual(['app', 'plugin']);
    expect(graph.descendantsOf('site')).toEqual([]);
  });

  test('extends is not a build relation', () => {
    const extended = load(yaml('version: 1', 'images:', '  copy:', '    extends: original', '  original:', '    base: debian:12'));
    expect(extended.graph.parentOf('copy')).toBeUndefined();
    expect(extended.graph.descendantsOf('original')).toEqual([]);
  });
});

describe('layers and bases', () => {
  const layered = load(
    yaml(
      'version: 1',
      'images:',
      '  site:',
      '    stages:',
      '      - name: build',
      '        base: node:20-alpine',
      '        layers:',
      '          - run: {commands: [npm ci]}',
      '    base: nginx:1.27',
      '    layers:',
      '      - copy: {from: build, src: /app/build, dest: /usr/share/nginx/html}',
      '  child:',
      '    from: site',
      '    layers:',
      '      - apt: {packages: [curl]}',
    ),
  );

  test("layersOf: the extra stages' layers, then the image's own", () => {
    expect(layered.graph.layersOf('site').map((layer) => layer.kind)).toEqual(['run', 'copy']);
    expect(layered.graph.layersOf('child').map((layer) => layer.kind)).toEqual(['apt']);
  });

  test('basesOf: the external base, then each stage base with its stage; an image built `from` another has none of its own', () => {
    expect(layered.graph.basesOf('site')).toEqual([
      { reference: 'nginx:1.27', path: ['images', 'site', 'base'] },
      { reference: 'node:20-alpine', path: ['images', 'site', 'stages', 0, 'base'], stage: 'build' },
    ]);
    expect(layered.graph.basesOf('child')).toEqual([]);
  });
});

describe('select', () => {
  test('the family is in build order, parents before children, not manifest order', () => {
    expect(family.order).toEqual(['core', 'app', 'tool', 'site', 'plugin']);
  });

  test('no names: every image, in build order', () => {
    expect(family.graph.select([])).toEqual(['core', 'app', 'tool', 'site', 'plugin']);
    expect(family.graph.select([], { withAncestors: false })).toEqual(['core', 'app', 'tool', 'site', 'plugin']);
  });

  test('named images come with all their ancestors by `from`, in build order', () => {
    expect(family.graph.select(['plugin'])).toEqual(['core', 'app', 'plugin']);
    expect(family.graph.select(['app'])).toEqual(['core', 'app']);
    expect(family.graph.select(['site', 'app'])).toEqual(['core', 'app', 'site']);
    expect(family.graph.select(['tool'])).toEqual(['tool']);
  });

  test('named images are in build order whatever order they were named in, without duplicates', () => {
    expect(family.graph.select(['plugin', 'core', 'app'])).toEqual(['core', 'app', 'plugin']);
    expect(family.graph.select(['plugin', 'plugin'])).toEqual(['core', 'app', 'plugin']);
  });

  test('--no-deps: only the named images, in build order', () => {
    expect(family.graph.select(['plugin'], { withAncestors: false })).toEqual(['plugin']);
    expect(family.graph.select(['plugin', 'core'], { withAncestors: false })).toEqual(['core', 'plugin']);
  });

  test('an unknown name is a UsageError that suggests the closest image', () => {
    const error = usageErrorOf(() => family.graph.select(['plugn']));
    expect(error.message).toContain('no image `plugn` in the manifest');
    expect(error.message).toContain('did you mean `plugin`?');
    expect(error.exitCode).toBe(2);
  });

  test('every unknown name is reported, and a far-off name gets no suggestion', () => {
    const error = usageErrorOf(() => family.graph.select(['cor', 'app', 'zzzzzzzz']));
    expect(error.message.split('\n')).toEqual(['no image `cor` in the manifest (did you mean `core`?)', 'no image `zzzzzzzz` in the manifest']);
  });
});
