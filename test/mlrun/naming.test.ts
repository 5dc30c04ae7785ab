import { describe, expect, test } from 'vitest';
import {
  RELEASE_VERSION_CASE,
  imagePrefix,
  imageReference,
  imageTag,
  isDevelopmentBuild,
  isDevelopmentTag,
  isMlrunImage,
  sourceVersion,
  joinRegistry,
  makefileTag,
  NAMING_DEFAULTS,
  type NamingValues,
  versionToTag,
} from '../../src/mlrun/naming.js';
import { load, problemsOf, yaml } from '../helpers.js';

const values = (overrides: Partial<NamingValues>): NamingValues => ({ ...NAMING_DEFAULTS, ...overrides });

describe("MLRun's naming formula", () => {
  test.each([
    [{}, 'mlrun/mlrun:unstable'],
    [{ MLRUN_VERSION: '1.7.0' }, 'mlrun/mlrun:1.7.0'],
    [{ MLRUN_VERSION: '1.7.0-rc3+abc', MLRUN_DOCKER_REPO: 'myorg', MLRUN_DOCKER_REGISTRY: 'quay.io/' }, 'quay.io/myorg/mlrun:1.7.0-rc3-abc'],
    [{ MLRUN_DOCKER_REGISTRY: 'quay.io' }, 'quay.io/mlrun/mlrun:unstable'],
    [{ MLRUN_DOCKER_REGISTRY: 'localhost:5000/' }, 'localhost:5000/mlrun/mlrun:unstable'],
    [{ MLRUN_VERSION: '1.6.2', INCLUDE_PYTHON_VERSION_SUFFIX: 'yes' }, 'mlrun/mlrun:1.6.2-py39'],
    [{ MLRUN_VERSION: '1.6.2', INCLUDE_PYTHON_VERSION_SUFFIX: '1', MLRUN_PYTHON_VERSION: '3.11.4' }, 'mlrun/mlrun:1.6.2-py311'],
    [{ MLRUN_DOCKER_REPO: 'team/sub' }, 'team/sub/mlrun:unstable'],
  ])('%j gives %s', (given, expected) => {
    expect(imageReference('mlrun', values(given))).toEqual({ ok: true, value: expected });
  });

  test.each([
    [{ MLRUN_VERSION: '1.7/0' }, 'MLRUN_VERSION'],
    [{ MLRUN_VERSION: '-1.7.0' }, 'MLRUN_VERSION'],
    [{ MLRUN_VERSION: 'x'.repeat(129) }, 'MLRUN_VERSION'],
    [{ INCLUDE_PYTHON_VERSION_SUFFIX: 'y', MLRUN_PYTHON_VERSION: 'three' }, 'MLRUN_PYTHON_VERSION'],
    [{ MLRUN_DOCKER_REPO: 'My_Org' }, 'MLRUN_DOCKER_REPO'],
  ])('%j cannot form a reference and blames %s', (given, variable) => {
    const result = imageReference('mlrun', values(given));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.variable).toBe(variable);
  });

  test('the tag and the prefix on their own', () => {
    expect(imageTag(values({ MLRUN_VERSION: '0.0.0+unstable' }))).toEqual({ ok: true, value: '0.0.0-unstable' });
    expect(imagePrefix({ MLRUN_DOCKER_REGISTRY: ' gcr.io/ ', MLRUN_DOCKER_REPO: 'iguazio' })).toBe('gcr.io/iguazio');
  });
});

describe('references of a manifest', () => {
  const manifest = yaml(
    'version: 1',
    'variables:',
    '  MLRUN_VERSION: unstable',
    'images:',
    '  child:',
    '    from: base-image',
    '  base-image:',
    '    base: debian:12',
  );

  test('every image is tagged, in build order; environment and --set apply', () => {
    const family = load(manifest, { env: { MLRUN_VERSION: '1.7.0+x', MLRUN_DOCKER_REGISTRY: 'quay.io/' }, overrides: { MLRUN_DOCKER_REPO: 'myorg' } });
    expect(family.order.map((name) => family.references.get(name))).toEqual(['quay.io/myorg/base-image:1.7.0-x', 'quay.io/myorg/child:1.7.0-x']);
  });

  test('a version that cannot form a tag is an error that says where the value came from', () => {
    expect(problemsOf(manifest, { env: { MLRUN_VERSION: 'bad/version' } })).toEqual([
      'images.yaml:3:3: the environment variable MLRUN_VERSION: `bad/version` cannot form an image tag (`bad/version`): a tag is up to 128 letters, digits, _ . - (`+` becomes `-`), not starting with . or -',
    ]);
    expect(problemsOf(manifest, { overrides: { MLRUN_VERSION: 'a b' } })[0]).toMatch(/^images\.yaml:3:3: --set MLRUN_VERSION: `a b` cannot form an image tag/);
  });
});

describe('joinRegistry', () => {
  test('prefixes the reference with exactly one slash, with or without a trailing slash', () => {
    expect(joinRegistry('127.0.0.1:5000', 'debian:bookworm')).toBe('127.0.0.1:5000/debian:bookworm');
    expect(joinRegistry('127.0.0.1:5000/', 'debian:bookworm')).toBe('127.0.0.1:5000/debian:bookworm');
    expect(joinRegistry('mirror.example.com/vendor', 'library/python:3.9')).toBe('mirror.example.com/vendor/library/python:3.9');
  });

  test('an empty registry leaves the reference as it is', () => {
    expect(joinRegistry('', 'debian:bookworm')).toBe('debian:bookworm');
  });
});

describe('versions and tags', () => {
  test.each([
    ['1.7.0', '1.7.0', '1.7.0'],
    ['1.7.0+abc', '1.7.0-abc', '1.7.0-abc'],
    ['1.7.0-rc3+a+b', '1.7.0-rc3-a-b', '1.7.0-rc3-a-b'],
    ['0.0.0+unstable', '0.0.0-unstable', 'unstable'],
    ['0.0.0', '0.0.0', '0.0.0'],
  ])('%s: the Makefile tags %s, the client %s', (version, makefile, client) => {
    expect(makefileTag(version)).toBe(makefile);
    expect(versionToTag(version)).toBe(client);
  });

  test.each([
    ['unstable', true, '0.0.0+unstable'],
    ['1.7.0-unstable', false, '1.7.0-unstable'],
    ['0.0.0-abc', true, '0.0.0-abc'],
    ['0.0.0', true, '0.0.0'],
    ['', true, '0.0.0+'],
    ['1.7.0', false, '1.7.0'],
    ['1.7.0-rc3+abc', false, '1.7.0-rc3+abc'],
    ['10.0.0', false, '10.0.0'],
    ['1.7', true, '0.0.0+1.7'],
    ['v1.7.0', true, '0.0.0+v1.7.0'],
  ])('%j: a development build: %s; the version file holds %j', (version, development, file) => {
    expect(isDevelopmentBuild(version)).toBe(development);
    expect(sourceVersion(version)).toBe(file);
  });

  test('isDevelopmentTag is the client’s rule on tags', () => {
    expect(isDevelopmentTag('0.0.0-abc')).toBe(true);
    expect(isDevelopmentTag('1.7.0-unstable')).toBe(true);
    expect(isDevelopmentTag('1.7.0')).toBe(false);
    expect(isDevelopmentTag('0.0.0')).toBe(false);
  });

  test('the shell pattern keeps what sourceVersion keeps', () => {
    expect(RELEASE_VERSION_CASE).toBe('[0-9]*.[0-9]*.[0-9]*');
  });

  test.each([
    ['mlrun/mlrun', true],
    ['mlrun/ml-base:1.7.0', true],
    ['quay.io/mlrun/mlrun', true],
    ['localhost:5000/mlrun/jupyter', true],
    ['python:3.9', false],
    ['mymlrun/mlrun', false],
    ['quay.io/notmlrun/x', false],
    ['mlrun', false],
  ])('%s is an MLRun image: %s', (reference, expected) => {
    expect(isMlrunImage(reference)).toBe(expected);
  });
});
