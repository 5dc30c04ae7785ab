import { expect, test } from 'vitest';
import { problemsOf, render, yaml } from './helpers.js';

test('smoke', () => {
  const files = render(yaml('version: 1', 'images:', '  a:', '    base: debian:bookworm'));
  expect([...files.keys()]).toEqual(['a/Dockerfile']);
  expect(problemsOf(yaml('version: 1', 'images:', '  a:', '    from: b'))).toEqual(['images.yaml:4:11: image `a` is built from `b`, which is not an image of this manifest; for an external image use `base`']);
});
