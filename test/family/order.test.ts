import { expect, test } from 'vitest';
import { load, yaml } from '../helpers.js';

test('parents come before children; siblings keep manifest order', () => {
  const family = load(
    yaml(
      'version: 1',
      'images:',
      '  leaf:',
      '    from: middle',
      '  other:',
      '    base: debian:12',
      '  middle:',
      '    from: root',
      '  root:',
      '    base: debian:12',
      '  sibling:',
      '    from: root',
    ),
  );
  expect(family.order).toEqual(['root', 'middle', 'leaf', 'other', 'sibling']);
  expect(family.graph.ancestorsOf('leaf')).toEqual(['middle', 'root']);
  expect(family.graph.ancestorsOf('root')).toEqual([]);
});

test('extends does not order builds: it copies a definition, nothing is built first', () => {
  const family = load(yaml('version: 1', 'images:', '  copy:', '    extends: original', '  original:', '    base: debian:12'));
  expect(family.order).toEqual(['copy', 'original']);
});

test('the order of the default manifest puts mlrun before ml-base', () => {
  const family = load(
    yaml(
      'version: 1',
      'images:',
      '  ml-base:',
      '    from: mlrun',
      '  mlrun:',
      '    base: python:3.9-slim',
      '  mlrun-gpu:',
      '    extends: mlrun',
      '    base: nvidia/cuda:11.8.0-cudnn8-devel-ubuntu22.04',
    ),
  );
  expect(family.order).toEqual(['mlrun', 'ml-base', 'mlrun-gpu']);
});
