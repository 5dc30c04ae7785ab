import { describe, expect, test } from 'vitest';
import { makefileSuffix, mlrunPythons, pythonTagSuffix } from '../../src/mlrun/pythons.js';

/**
 * Upstream's own table (mlrun/mlrun, tests/utils/test_helpers.py, `test_resolve_image_tag_suffix`, on the development
 * branch at c43870ff), as (mlrun_version, python_version, expected). The release versions' cases are what the clients
 * of those versions ask to this day.
 */
const UPSTREAM_RELEASE_CASES: [string, string | undefined, string][] = [
  ['1.3.0', '3.7.13', '-py37'],
  ['1.3.0', '3.9.13', ''],
  ['1.3.0', undefined, ''],
  ['1.3.0', '3.8.13', ''],
  ['1.3.0', '3.9.0', ''],
  ['1.2.0', '3.7.0', ''],
  ['1.2.0', '3.8.0', ''],
  ['1.3.0-rc12', '3.7.13', '-py37'],
  ['1.3.0-rc12', '3.9.13', ''],
  ['1.3.0-rc12', undefined, ''],
  ['1.3.0-rc12', '3.8.13', ''],
  ['1.3.1', '3.7.13', '-py37'],
  ['1.3.1', '3.9.13', ''],
  ['1.3.1', undefined, ''],
  ['1.3.1', '3.8.13', ''],
  ['1.3.1-rc12', '3.7.13', '-py37'],
  ['1.3.1-rc12', '3.9.13', ''],
  // a version with a commit hash instead of an rc suffix (upstream's CI uses this format)
  ['1.3.0-zwqeiubz', '3.7.13', '-py37'],
  ['1.3.0-zwqeiubz', '3.9.13', ''],
  ['1.4.0', '3.9.13', ''],
  ['1.4.0', '3.7.13', '-py37'],
  ['1.4.0-rc1', '3.7.13', '-py37'],
  ['1.4.0-rc1', '3.9.13', ''],
];

/**
 * The same table's development-version rows, as the client of the development branch answers them today: its rule
 * moved from python 3.7 to python 3.9 (`if python_version.startswith("3.9"): return "-py39"`), and from 1.9.0-X to
 * 1.11.0-X python 3.9 clients get `-py39` (python 3.11 images carry no suffix).
 */
const UPSTREAM_CURRENT_CASES: [string, string | undefined, string][] = [
  ['0.0.0-unstable', '3.7.13', ''],
  ['0.0.0-unstable', '3.9.13', '-py39'],
  ['0.0.0-unstable', '3.11.9', ''],
  ['unstable', '3.9', '-py39'],
  ['0.0.0-abc123', '3.9.18', '-py39'],
  ['1.8.0', '3.9.13', ''],
  ['1.8.9', '3.11.9', ''],
  ['1.9.0', '3.9.13', '-py39'],
  ['1.9.0', '3.11.9', ''],
  ['1.9.0', '3.10.4', ''],
  ['1.9.0-rc1', '3.9.13', '-py39'],
  ['1.9.0-X', '3.9.13', '-py39'],
  ['1.9.0-RC1', '3.9.13', ''], // RC1 sorts before X, as semver.VersionInfo orders them
  ['1.9.1', '3.9', '-py39'],
  ['1.10.0', '3.9.13', '-py39'],
  ['1.10.5-abc', '3.9.13', '-py39'],
  ['1.11.0-rc1', '3.9.13', ''],
  ['1.11.0', '3.9.13', ''],
  ['2.0.0', '3.9.13', ''],
];

describe("MLRun's tag suffix across its history", () => {
  test.each(UPSTREAM_RELEASE_CASES)('upstream: %j with python %j → %j', (version, python, expected) => {
    expect(pythonTagSuffix(version, python)).toBe(expected);
  });

  test.each(UPSTREAM_CURRENT_CASES)('current client: %j with python %j → %j', (version, python, expected) => {
    expect(pythonTagSuffix(version, python)).toBe(expected);
  });

  test.each<[string | undefined, string | undefined]>([
    ['1.9.0', ''],
    ['', '3.9'],
    [undefined, '3.9'],
    ['latest', '3.9'], // MLRun raises for a version that is not semver; there is no image to name
    ['1.9', '3.9'],
  ])('%j with python %j → no suffix', (version, python) => {
    expect(pythonTagSuffix(version, python)).toBe('');
  });

  test('a checkout may say which pythons a version is built in', () => {
    expect(pythonTagSuffix('unstable', '3.9', { unsuffixed: '3.9', suffixed: [] })).toBe('');
    expect(pythonTagSuffix('1.7.0', '3.12.1', { unsuffixed: '3.9', suffixed: ['3.12'] })).toBe('-py312');
  });
});

describe('the pythons MLRun publishes a version in', () => {
  test.each([
    ['1.2.5', '3.7', []],
    ['1.3.0-rc1', '3.9', ['3.7']],
    ['1.4.1', '3.9', ['3.7']],
    ['1.5.0', '3.9', []],
    ['1.7.2', '3.9', []],
    ['1.8.0', '3.9', []],
    ['1.9.1', '3.11', ['3.9']],
    ['1.10.0-rc1', '3.11', ['3.9']],
    ['1.11.0', '3.11', []],
    ['unstable', '3.11', ['3.9']],
    ['0.0.0-abc', '3.11', ['3.9']],
  ])('%s: %s unsuffixed, %j suffixed', (version, unsuffixed, suffixed) => {
    expect(mlrunPythons(version)).toEqual({ unsuffixed, suffixed });
  });

  test('a tag that is neither a release nor a development build has none', () => {
    expect(mlrunPythons('latest')).toBeUndefined();
  });

  test.each([
    ['3.9', '-py39'],
    ['3.11.4', '-py311'],
    ['3', undefined],
    ['x', undefined],
  ])('the Makefile suffix of %s is %s', (python, suffix) => {
    expect(makefileSuffix(python)).toBe(suffix);
  });
});
