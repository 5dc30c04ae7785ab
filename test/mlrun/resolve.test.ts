import { describe, expect, test } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { DEFAULT_IMAGES_TO_ENRICH_REGISTRY, pythonToJsPattern, resolveImage, type ResolveOptions } from '../../src/mlrun/resolve.js';
import { compareSemver, parseSemver } from '../../src/mlrun/semver.js';
import { versionToTag } from '../../src/mlrun/naming.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('versionToTag', () => {
  test.each([
    ['0.0.0+unstable', 'unstable'],
    ['1.7.0+abc', '1.7.0-abc'],
    ['1.7.0', '1.7.0'],
    ['1.7.0-rc1', '1.7.0-rc1'],
    ['0.0.0-abc123', 'abc123'],
    ['0.0.0+a+b', 'a-b'],
    ['1.0.0-0.0.0-x', '1.0.0-0.0.0-x'], // only a leading 0.0.0- is dropped
    ['0.0.0', '0.0.0'],
    ['0.0.0-', ''],
    ['', ''],
  ])('%j → %j', (version, tag) => {
    expect(versionToTag(version)).toBe(tag);
  });
});

describe('semver', () => {
  test.each([
    ['1.2.3', { major: 1, minor: 2, patch: 3, prerelease: [], build: [] }],
    ['1.3.0-X', { major: 1, minor: 3, patch: 0, prerelease: ['X'], build: [] }],
    ['1.0.0-alpha.1+build.5', { major: 1, minor: 0, patch: 0, prerelease: ['alpha', '1'], build: ['build', '5'] }],
    ['10.20.30-0a.--', { major: 10, minor: 20, patch: 30, prerelease: ['0a', '--'], build: [] }],
  ])('parses %s', (text, version) => {
    expect(parseSemver(text)).toEqual(version);
  });

  test.each([
    '1.4',
    'v1.4.0',
    '01.4.0',
    '1.4.0-01',
    '1.4.0-',
    '1.4.0+',
    '1.4.0-a..b',
    'unstable',
    'abc123',
    '',
    ' 1.4.0',
    '1.4.0-a_b',
    '99999999999999999999.0.0',
  ])('%j is not semver', (text) => {
    expect(parseSemver(text)).toBeUndefined();
  });

  // Each row is in ascending precedence (semver.org §11 example, plus MLRun's bounds).
  test.each([
    ['1.0.0-alpha', '1.0.0-alpha.1'],
    ['1.0.0-alpha.1', '1.0.0-alpha.beta'],
    ['1.0.0-alpha.beta', '1.0.0-beta'],
    ['1.0.0-beta', '1.0.0-beta.2'],
    ['1.0.0-beta.2', '1.0.0-beta.11'], // numerically, not as text
    ['1.0.0-beta.11', '1.0.0-rc.1'],
    ['1.0.0-rc.1', '1.0.0'],
    ['1.0.0', '2.0.0'],
    ['2.0.0', '2.1.0'],
    ['2.1.0', '2.1.1'],
    ['1.9.9', '1.10.0'], // numerically, not as text
    ['1.3.0-1', '1.3.0-X'], // numeric before alphanumeric
    ['1.3.0-RC1', '1.3.0-X'], // ASCII: uppercase before X
    ['1.3.0-X', '1.3.0-rc1'], // ASCII: X before lowercase
    ['1.3.0-X', '1.3.0-X.1'],
    ['1.2.9', '1.3.0-X'],
    ['1.4.9', '1.5.0-X'],
    ['1.5.0-X', '1.5.0-rc1'],
    ['1.5.0-rc1', '1.5.0'],
  ])('%s < %s', (lower, higher) => {
    const a = parseSemver(lower)!;
    const b = parseSemver(higher)!;
    expect(compareSemver(a, b)).toBe(-1);
    expect(compareSemver(b, a)).toBe(1);
    expect(compareSemver(a, a)).toBe(0);
  });

  test('build metadata plays no part in precedence', () => {
    expect(compareSemver(parseSemver('1.4.0+a')!, parseSemver('1.4.0+b')!)).toBe(0);
    expect(compareSemver(parseSemver('1.4.0-rc1+z')!, parseSemver('1.4.0-rc1')!)).toBe(0);
  });
});

describe('pythonToJsPattern', () => {
  test.each([
    ['^mlrun/*', '^mlrun/*'],
    ['(?P<repo>mlrun)/(?P=repo)', '(?<repo>mlrun)/\\k<repo>'],
    ['\\Amlrun/.*\\Z', '^mlrun/.*$'],
    ['[(?P<]x', '[(?P<]x'], // in a class, literal
    ['\\(?P<x>', '\\(?P<x>'], // escaped parenthesis, literal
    ['[]a]', '[\\]a]'],
    ['[^]a]', '[^\\]a]'],
    ['[\\]]', '[\\]]'],
  ])('%s → %s', (python, js) => {
    expect(pythonToJsPattern(python)).toBe(js);
  });
});

describe('resolveImage', () => {
  const base: ResolveOptions = {};
  test.each<[string, string, ResolveOptions, string]>([
    // rule 3: tag only MLRun images without a tag
    ['untagged MLRun image gets the client version', 'mlrun/mlrun', { clientVersion: '1.7.0' }, 'mlrun/mlrun:1.7.0'],
    ['nothing to tag with', 'mlrun/mlrun', base, 'mlrun/mlrun'],
    ['explicit tag kept whatever the client version', 'mlrun/mlrun:1.4.0', { clientVersion: '1.7.0' }, 'mlrun/mlrun:1.4.0'],
    ['explicit tag kept whatever the images tag', 'mlrun/mlrun:1.4.0', { imagesTag: '1.6.0', clientPythonVersion: '3.7.16' }, 'mlrun/mlrun:1.4.0'],
    ['digest-pinned image not tagged', `mlrun/mlrun@${DIGEST}`, { clientVersion: '1.7.0' }, `mlrun/mlrun@${DIGEST}`],
    ['tag and digest kept', `mlrun/mlrun:1.4.0@${DIGEST}`, { clientVersion: '1.7.0' }, `mlrun/mlrun:1.4.0@${DIGEST}`],
    ['other images not tagged', 'python', { clientVersion: '1.7.0' }, 'python'],
    ['mlrunx/ is not the mlrun repository', 'mlrunx/foo', { clientVersion: '1.7.0' }, 'mlrunx/foo'],
    ['quay.io/mlrun/ is an MLRun image', 'quay.io/mlrun/mlrun', { clientVersion: '1.7.0' }, 'quay.io/mlrun/mlrun:1.7.0'],
    ['a registry port is not a tag (MLRun leaves this untagged)', 'localhost:5000/mlrun/mlrun', { clientVersion: '1.7.0' }, 'localhost:5000/mlrun/mlrun:1.7.0'],
    ['a registry port and a tag', 'localhost:5000/mlrun/mlrun:1.4.0', { clientVersion: '1.7.0' }, 'localhost:5000/mlrun/mlrun:1.4.0'],
    ['/mlrun/ deeper in the path', 'team/mlrun/mlrun', { clientVersion: '1.7.0' }, 'team/mlrun/mlrun:1.7.0'],
    ['white space trimmed', '  mlrun/mlrun \n', { clientVersion: '1.7.0' }, 'mlrun/mlrun:1.7.0'],

    // rule 2: which version
    ['images tag beats client version', 'mlrun/mlrun', { imagesTag: '1.6.0', clientVersion: '1.7.0', serverVersion: '1.8.0' }, 'mlrun/mlrun:1.6.0'],
    ['client version beats server version', 'mlrun/mlrun', { clientVersion: '1.7.0', serverVersion: '1.8.0' }, 'mlrun/mlrun:1.7.0'],
    ['server version last', 'mlrun/mlrun', { serverVersion: '1.8.0' }, 'mlrun/mlrun:1.8.0'],
    ['empty images tag counts as not set', 'mlrun/mlrun', { imagesTag: '', clientVersion: '', serverVersion: '1.8.0' }, 'mlrun/mlrun:1.8.0'],
    ['a version that becomes empty counts as not set', 'mlrun/mlrun', { clientVersion: '0.0.0-', serverVersion: '1.8.0' }, 'mlrun/mlrun:1.8.0'],
    ['0.0.0+unstable → unstable', 'mlrun/mlrun', { clientVersion: '0.0.0+unstable' }, 'mlrun/mlrun:unstable'],
    ['build metadata → -', 'mlrun/mlrun', { serverVersion: '1.7.0+abc' }, 'mlrun/mlrun:1.7.0-abc'],
    [
      'the images tag is used as it is, as MLRun does (only versions are converted)',
      'mlrun/mlrun',
      { imagesTag: '0.0.0-unstable' },
      'mlrun/mlrun:0.0.0-unstable',
    ],

    // rule 2: python suffix
    ['-py39 for a dev version on python 3.9', 'mlrun/mlrun', { clientVersion: '0.0.0+unstable', clientPythonVersion: '3.9.18' }, 'mlrun/mlrun:unstable-py39'],
    ['no suffix for a dev version on python 3.11', 'mlrun/mlrun', { clientVersion: '0.0.0+unstable', clientPythonVersion: '3.11.9' }, 'mlrun/mlrun:unstable'],
    ['no suffix for a dev version on python 3.7', 'mlrun/mlrun', { clientVersion: '0.0.0+unstable', clientPythonVersion: '3.7.16' }, 'mlrun/mlrun:unstable'],
    ['-py39 for 1.9.x', 'mlrun/mlrun', { clientVersion: '1.9.1', clientPythonVersion: '3.9.18' }, 'mlrun/mlrun:1.9.1-py39'],
    ['no suffix for 1.9.x on python 3.11', 'mlrun/ml-base', { clientVersion: '1.9.1', clientPythonVersion: '3.11.9' }, 'mlrun/ml-base:1.9.1'],
    ['-py39 for a 1.10.0 rc', 'mlrun/mlrun', { clientVersion: '1.10.0-rc3', clientPythonVersion: '3.9' }, 'mlrun/mlrun:1.10.0-rc3-py39'],
    ['no -py39 for 1.11.0', 'mlrun/mlrun', { clientVersion: '1.11.0', clientPythonVersion: '3.9.18' }, 'mlrun/mlrun:1.11.0'],
    ['no suffix for mlrun-kfp', 'mlrun/mlrun-kfp', { clientVersion: '1.9.1', clientPythonVersion: '3.9.18' }, 'mlrun/mlrun-kfp:1.9.1'],
    ['a bare python gets the client python', 'python', { clientVersion: '1.9.1', clientPythonVersion: '3.11.9' }, 'python:3.11'],
    [
      'a bare python goes to the vendor registry as python:3.9',
      'python',
      { clientPythonVersion: '3.9.18', vendorImagesRegistry: 'vendor.io' },
      'vendor.io/python:3.9',
    ],
    ['a tagged python is left alone', 'python:3.12', { clientPythonVersion: '3.9.18' }, 'python:3.12'],
    ['-py37 for 1.3.x', 'mlrun/mlrun', { clientVersion: '1.3.2', clientPythonVersion: '3.7.16' }, 'mlrun/mlrun:1.3.2-py37'],
    ['-py37 for a 1.3.0 rc', 'mlrun/mlrun', { clientVersion: '1.3.0-rc12', clientPythonVersion: '3.7' }, 'mlrun/mlrun:1.3.0-rc12-py37'],
    ['-py37 for 1.4.x', 'mlrun/mlrun', { serverVersion: '1.4.1', clientPythonVersion: '3.7.16' }, 'mlrun/mlrun:1.4.1-py37'],
    ['-py37 for 1.4.0+build as a tag', 'mlrun/mlrun', { clientVersion: '1.4.0+abc', clientPythonVersion: '3.7.16' }, 'mlrun/mlrun:1.4.0-abc-py37'],
    ['no -py37 for 1.5.0', 'mlrun/mlrun', { clientVersion: '1.5.0', clientPythonVersion: '3.7.16' }, 'mlrun/mlrun:1.5.0'],
    ['no -py37 for 1.2.9', 'mlrun/mlrun', { clientVersion: '1.2.9', clientPythonVersion: '3.7.16' }, 'mlrun/mlrun:1.2.9'],
    ['no -py37 for python 3.9', 'mlrun/mlrun', { clientVersion: '1.4.0', clientPythonVersion: '3.9.18' }, 'mlrun/mlrun:1.4.0'],
    [
      'suffix follows the chosen version (images tag)',
      'mlrun/mlrun',
      { imagesTag: '1.5.0', clientVersion: '1.4.0', clientPythonVersion: '3.7.16' },
      'mlrun/mlrun:1.5.0',
    ],
    ['non-semver version: no suffix, no error', 'mlrun/mlrun', { imagesTag: 'latest', clientPythonVersion: '3.7.16' }, 'mlrun/mlrun:latest'],
    [
      'commit-hash dev version is not semver once converted',
      'mlrun/mlrun',
      { clientVersion: '0.0.0+abc123', clientPythonVersion: '3.7.16' },
      'mlrun/mlrun:abc123',
    ],
    ['suffix not used for a tagged image', 'mlrun/mlrun:1.4.0', { clientVersion: '1.4.0', clientPythonVersion: '3.7.16' }, 'mlrun/mlrun:1.4.0'],

    // rule 4: registries and the default patterns `^mlrun/*,python:3.9`
    [
      'default patterns: MLRun image gets the images registry',
      'mlrun/mlrun',
      { clientVersion: '1.7.0', imagesRegistry: 'quay.io/' },
      'quay.io/mlrun/mlrun:1.7.0',
    ],
    ['registry without a trailing slash', 'mlrun/mlrun', { clientVersion: '1.7.0', imagesRegistry: 'quay.io' }, 'quay.io/mlrun/mlrun:1.7.0'],
    ['registry with a port', 'mlrun/mlrun', { clientVersion: '1.7.0', imagesRegistry: 'localhost:5000' }, 'localhost:5000/mlrun/mlrun:1.7.0'],
    [
      'registry with a path',
      'mlrun/mlrun',
      { clientVersion: '1.7.0', imagesRegistry: 'registry.local:5000/mirror/' },
      'registry.local:5000/mirror/mlrun/mlrun:1.7.0',
    ],
    ['MLRun image: the vendor registry is not used', 'mlrun/mlrun', { clientVersion: '1.7.0', vendorImagesRegistry: 'vendor.io' }, 'mlrun/mlrun:1.7.0'],
    ['default patterns: python:3.9 gets the vendor registry', 'python:3.9', { vendorImagesRegistry: 'vendor.io' }, 'vendor.io/python:3.9'],
    ['default patterns: python:3.9-slim matches at the start', 'python:3.9-slim', { vendorImagesRegistry: 'vendor.io' }, 'vendor.io/python:3.9-slim'],
    ['default patterns: python:3.11 does not', 'python:3.11', { vendorImagesRegistry: 'vendor.io' }, 'python:3.11'],
    ['vendor image: the images registry is not used', 'python:3.9', { imagesRegistry: 'quay.io' }, 'python:3.9'],
    [
      'default patterns: quay.io/mlrun/ does not match ^mlrun/',
      'quay.io/mlrun/mlrun',
      { clientVersion: '1.7.0', imagesRegistry: 'mirror.io' },
      'quay.io/mlrun/mlrun:1.7.0',
    ],
    ['default patterns: ^mlrun/* matches mlrunx/ too (vendor registry)', 'mlrunx/foo', { vendorImagesRegistry: 'vendor.io' }, 'vendor.io/mlrunx/foo'],
    ['digest-pinned image still gets the registry', `mlrun/mlrun@${DIGEST}`, { imagesRegistry: 'quay.io' }, `quay.io/mlrun/mlrun@${DIGEST}`],
    [
      'a pattern that matches only later in the text: not enriched',
      'python:3.9',
      { vendorImagesRegistry: 'vendor.io', imagesToEnrichRegistry: '3\\.9' },
      'python:3.9',
    ],
    [
      'a pattern that matches at the start, not to the end: enriched',
      'python:3.9',
      { vendorImagesRegistry: 'vendor.io', imagesToEnrichRegistry: 'py' },
      'vendor.io/python:3.9',
    ],
    [
      'patterns see the tag that was added',
      'mlrun/mlrun',
      { clientVersion: '1.7.0', imagesRegistry: 'quay.io', imagesToEnrichRegistry: '.*:1\\.7' },
      'quay.io/mlrun/mlrun:1.7.0',
    ],
    [
      'patterns see the tag that was added (no match)',
      'mlrun/mlrun',
      { clientVersion: '1.6.0', imagesRegistry: 'quay.io', imagesToEnrichRegistry: '.*:1\\.7' },
      'mlrun/mlrun:1.6.0',
    ],
    [
      'custom list with spaces and empty items',
      'python:3.11',
      { vendorImagesRegistry: 'vendor.io', imagesToEnrichRegistry: ' ^mlrun/ , , python:3\\.11 ,' },
      'vendor.io/python:3.11',
    ],
    ['custom list: empty items do not match everything', 'debian:12', { vendorImagesRegistry: 'vendor.io', imagesToEnrichRegistry: ',^mlrun/,,' }, 'debian:12'],
    [
      'custom list: an alternation is anchored as a whole',
      'library/debian',
      { vendorImagesRegistry: 'vendor.io', imagesToEnrichRegistry: 'python|debian' },
      'library/debian',
    ],
    [
      'Python named groups',
      'mlrun/mlrun',
      { clientVersion: '1.7.0', imagesRegistry: 'quay.io', imagesToEnrichRegistry: '(?P<repo>mlrun)/(?P=repo):' },
      'quay.io/mlrun/mlrun:1.7.0',
    ],
    ['Python \\A and \\Z', 'python:3.9', { vendorImagesRegistry: 'vendor.io', imagesToEnrichRegistry: '\\Apython:3\\.9\\Z' }, 'vendor.io/python:3.9'],

    // empty strings mean empty
    ['empty images registry means none', 'mlrun/mlrun', { clientVersion: '1.7.0', imagesRegistry: '' }, 'mlrun/mlrun:1.7.0'],
    ['empty vendor registry means none', 'python:3.9', { vendorImagesRegistry: '' }, 'python:3.9'],
    [
      'empty pattern list means no patterns',
      'mlrun/mlrun',
      { clientVersion: '1.7.0', imagesRegistry: 'quay.io', imagesToEnrichRegistry: '' },
      'mlrun/mlrun:1.7.0',
    ],
    ['a pattern list of commas means no patterns', 'python:3.9', { vendorImagesRegistry: 'vendor.io', imagesToEnrichRegistry: ' , ,' }, 'python:3.9'],
    [
      'undefined pattern list means the default',
      'python:3.9',
      { vendorImagesRegistry: 'vendor.io', imagesToEnrichRegistry: undefined },
      'vendor.io/python:3.9',
    ],

    // all together
    [
      'everything at once',
      ' mlrun/ml-models ',
      {
        clientVersion: '0.0.0+unstable',
        serverVersion: '1.8.0',
        clientPythonVersion: '3.9.18',
        imagesRegistry: 'localhost:5000',
        vendorImagesRegistry: 'vendor.io',
      },
      'localhost:5000/mlrun/ml-models:unstable-py39',
    ],
  ])('%s: %j', (_name, image, options, expected) => {
    expect(resolveImage(image, options)).toBe(expected);
  });

  test('the default pattern list', () => {
    expect(DEFAULT_IMAGES_TO_ENRICH_REGISTRY).toBe('^mlrun/*,python:3.9');
  });

  test('a resolved image resolves to itself', () => {
    const options: ResolveOptions = { clientVersion: '1.4.0', clientPythonVersion: '3.7.16', imagesRegistry: 'quay.io', imagesToEnrichRegistry: '^mlrun/' };
    const once = resolveImage('mlrun/mlrun', options);
    expect(once).toBe('quay.io/mlrun/mlrun:1.4.0-py37');
    expect(resolveImage(once, options)).toBe(once);
  });

  test.each<[string, string, ResolveOptions, RegExp]>([
    ['empty image', '  ', {}, /the image `` is not a valid image reference: it is empty/],
    ['upper case', 'mlrun/MLRun', {}, /the image `mlrun\/MLRun` is not a valid image reference: the repository path component `MLRun` is invalid/],
    ['bad tag', 'mlrun/mlrun:-x', {}, /the tag `-x` is invalid/],
    ['bad digest', 'mlrun/mlrun@sha256:abc', {}, /the digest `sha256:abc` is not ALGORITHM:HEX/],
    ['inner white space', 'mlrun/ mlrun', {}, /it contains white space/],
    ['bad registry port', 'localhost:port/mlrun/mlrun', {}, /the registry port `port` is not a number/],
    ['version that is no tag', 'mlrun/mlrun', { clientVersion: '1.7.0/x' }, /clientVersion: `1\.7\.0\/x` cannot be an image tag/],
    ['images tag that is no tag', 'mlrun/mlrun', { imagesTag: '.hidden' }, /imagesTag \(MLRUN_IMAGES_TAG\): `\.hidden` cannot be an image tag/],
    [
      'registry with a scheme',
      'mlrun/mlrun',
      { clientVersion: '1.7.0', imagesRegistry: 'https://quay.io' },
      /imagesRegistry \(MLRUN_IMAGES_REGISTRY\): `https:\/\/quay\.io` .*not a valid image reference: the registry port `` is not a number/,
    ],
    [
      'vendor registry with white space',
      'python:3.9',
      { vendorImagesRegistry: 'vendor io' },
      /vendorImagesRegistry \(MLRUN_VENDOR_IMAGES_REGISTRY\): .*it contains white space/,
    ],
    [
      'vendor registry, bad host',
      'python:3.9',
      { vendorImagesRegistry: 'bad_host.io' },
      /vendorImagesRegistry .*the registry host `bad_host\.io` is not a valid host name/,
    ],
    [
      'invalid pattern',
      'python:3.9',
      { imagesToEnrichRegistry: '^mlrun/,python:(3.9' },
      /MLRUN_IMAGES_TO_ENRICH_REGISTRY\): the pattern `python:\(3\.9` is not a valid regular expression: Unterminated group/,
    ],
    [
      'a pattern JavaScript cannot express',
      'python:3.9',
      { imagesToEnrichRegistry: '(?i)python' },
      /the pattern `\(\?i\)python` is not a valid regular expression: Invalid group/,
    ],
    [
      'invalid pattern reported even with no registry',
      'mlrun/mlrun',
      { imagesToEnrichRegistry: '*' },
      /the pattern `\*` is not a valid regular expression: Nothing to repeat/,
    ],
  ])('%s', (_name, image, options, message) => {
    expect(() => resolveImage(image, options)).toThrow(UsageError);
    expect(() => resolveImage(image, options)).toThrow(message);
  });

  test('no error for what is not used: a bad version for an image that is not tagged', () => {
    expect(resolveImage('mlrun/mlrun:1.4.0', { clientVersion: '1.7.0/x' })).toBe('mlrun/mlrun:1.4.0');
    expect(resolveImage('python:3.11', { vendorImagesRegistry: 'https://vendor.io' })).toBe('python:3.11');
  });
});
