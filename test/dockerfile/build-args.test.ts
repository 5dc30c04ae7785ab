/** Values that read build arguments: the fence, the names they read, their validation values, and what a Dockerfile declares. */
import { describe, expect, test } from 'vitest';
import { asWritten, buildArgsIn, declaredArgs, fenced, splitBuildArgs, withBuildArgValues } from '../../src/dockerfile/build-args.js';
import { contextFilePath, isContextPath } from '../../src/manifest/grammar.js';

describe('fenced build-argument expressions', () => {
  const version = fenced('${MLRUN_VERSION}');
  const python = fenced('${PYTHON_VERSION:-3.9}');

  test('the names read anywhere in a value, each once; null and numbers read none', () => {
    expect(buildArgsIn({ a: null, b: 3, c: [`mlrun==${version}`, { d: `${python}-${version}` }] })).toEqual(['MLRUN_VERSION', 'PYTHON_VERSION']);
    expect(buildArgsIn(null)).toEqual([]);
  });

  test('a value splits into literal text and expressions', () => {
    expect(splitBuildArgs(`mlrun==${version}-py`)).toEqual([{ literal: 'mlrun==' }, { literal: '', expression: '${MLRUN_VERSION}' }, { literal: '-py' }]);
  });

  test('validation sees the current value, the fallback when it is empty, and an empty string when there is neither', () => {
    expect(withBuildArgValues(`v${version}`, { MLRUN_VERSION: '1.7.0' })).toBe('v1.7.0');
    expect(withBuildArgValues(`v${version}`, {})).toBe('v');
    expect(withBuildArgValues(python, { PYTHON_VERSION: '' })).toBe('3.9');
    expect(withBuildArgValues(python, { PYTHON_VERSION: '3.11' })).toBe('3.11');
    expect(asWritten(`v${python}`)).toBe('v${PYTHON_VERSION:-3.9}');
  });
});

test('the arguments a Dockerfile declares: ARG lines only, any case, indented or not, each name whole', () => {
  const dockerfile = [
    'ARG BASE_IMAGE=python:3.9-slim',
    'FROM ${BASE_IMAGE}',
    'ARG  MLRUN_VERSION',
    '  arg\tPYTHON_VERSION=3.9',
    'RUN echo ARG NOT_AN_ARG',
    'ARGUMENTS NOPE',
    'ARG 9LIVES',
    'ENV ARG=1',
  ].join('\n');
  expect([...declaredArgs(dockerfile)]).toEqual(['BASE_IMAGE', 'MLRUN_VERSION', 'PYTHON_VERSION']);
});

test('context paths stay inside the context; context files are paths from the manifest folder', () => {
  expect(['', '/etc/passwd', '-rf', '../x', 'a/../../x', 'a/..'].filter(isContextPath)).toEqual([]);
  expect(['.', 'a', 'a/b', './a', 'a..b'].every(isContextPath)).toBe(true);
  expect(contextFilePath(undefined, 'a/./b.txt')).toBe('a/b.txt');
  expect(contextFilePath('dockerfiles/jupyter', '../common/x.txt')).toBe('dockerfiles/common/x.txt');
});
