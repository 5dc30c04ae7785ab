import { describe, expect, test } from 'vitest';
import { formatReference, isValidImageName, parseReference } from '../src/reference.js';

describe('parseReference', () => {
  test.each([
    ['python', { path: 'python' }],
    ['python:3.9-slim', { path: 'python', tag: '3.9-slim' }],
    ['mlrun/mlrun:1.7.0', { path: 'mlrun/mlrun', tag: '1.7.0' }],
    ['quay.io/jupyter/scipy-notebook:python-3.11', { registry: 'quay.io', path: 'jupyter/scipy-notebook', tag: 'python-3.11' }],
    ['localhost:5000/base', { registry: 'localhost:5000', path: 'base' }],
    ['localhost/base:1', { registry: 'localhost', path: 'base', tag: '1' }],
    ['127.0.0.1:5000/a/b/c:t', { registry: '127.0.0.1:5000', path: 'a/b/c', tag: 't' }],
    ['[::1]:5000/base', { registry: '[::1]:5000', path: 'base' }],
    [`debian@sha256:${'a'.repeat(64)}`, { path: 'debian', digest: `sha256:${'a'.repeat(64)}` }],
    [`debian:12@sha256:${'b'.repeat(64)}`, { path: 'debian', tag: '12', digest: `sha256:${'b'.repeat(64)}` }],
    ['a__b/c-d/e.f_g:x', { path: 'a__b/c-d/e.f_g', tag: 'x' }],
  ])('%s', (text, reference) => {
    expect(parseReference(text)).toEqual({ ok: true, reference });
    expect(formatReference(reference)).toBe(text);
  });

  test.each([
    ['', 'it is empty'],
    ['python 3', 'it contains white space'],
    ['Python:3', 'the repository path component `Python` is invalid'],
    ['python:-3', 'the tag `-3` is invalid'],
    ['python:', 'the tag `` is invalid'],
    ['debian@sha256:abc', 'the digest `sha256:abc` is not ALGORITHM:HEX'],
    ['localhost:port/x', 'the registry port `port` is not a number'],
    ['bad_host.io/x', 'the registry host `bad_host.io` is not a valid host name'],
    ['a//b', 'the repository path component `` is invalid'],
    ['quay.io/', 'the repository name is missing'],
    [`${'a'.repeat(256)}`, 'the name is 256 characters long'],
  ])('%j is rejected: %s', (text, problem) => {
    const parsed = parseReference(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).toContain(problem);
  });

  test('a registry port is not taken for a tag', () => {
    expect(parseReference('registry.local:5000/team/image')).toEqual({ ok: true, reference: { registry: 'registry.local:5000', path: 'team/image' } });
  });
});

test.each([
  ['mlrun', true],
  ['ml-base', true],
  ['mlrun-gpu', true],
  ['a.b_c', true],
  ['My_Image', false],
  ['-lead', false],
  ['trail-', false],
  ['has space', false],
  ['a/b', false],
])('image name %s valid: %s', (name, valid) => {
  expect(isValidImageName(name)).toBe(valid);
});
