import { test } from 'vitest';
import { problemsOf, yaml } from '../helpers.js';

const cases: Record<string, string> = {
  extendsUnknown: yaml('version: 1', 'images:', '  common:', '    base: python:3.9-slim', '  app:', '    extends: comon'),
  extendsCycle: yaml('version: 1', 'images:', '  a:', '    extends: b', '  b:', '    extends: a'),
  myImage: yaml('version: 1', 'images:', '  My_Image:', '    base: python:3.9-slim'),
  undefinedInBase: yaml('version: 1', 'variables:', '  PYTHON_VERSION: "3.9"', 'images:', '  a:', '    base: python:${PYTON_VERSION}-slim'),
  releaseWorkdir: yaml('version: 1', 'images:', '  a:', '    base: python:3.9-slim', '    workdir: /opt/${MLRUN_VERSION}'),
  releaseFrom: yaml('version: 1', 'images:', '  a:', '    base: python:3.9-slim', '  b:', '    from: a-${MLRUN_VERSION}'),
  number: yaml('version: 1', 'variables:', '  PYTHON_VERSION: 3.10', 'images:', '  a:', '    base: python:${PYTHON_VERSION}-slim'),
  dup: yaml('version: 1', 'images:', '  a:', '    base: python:3.9-slim', '    base: python:3.10-slim'),
  pipNeither: yaml('version: 1', 'images:', '  a:', '    base: python:3.9-slim', '    layers:', '      - pip:', '          python: python3'),
  pipEmpty: yaml('version: 1', 'images:', '  a:', '    base: python:3.9-slim', '    layers:', '      - pip: {}'),
  pipNull: yaml('version: 1', 'images:', '  a:', '    base: python:3.9-slim', '    layers:', '      - pip:'),
  openmpi: yaml('version: 1', 'images:', '  a:', '    base: python:3.9-slim', '    layers:', '      - openmpi:', '          cuda: true'),
  twoKinds: yaml('version: 1', 'images:', '  a:', '    base: python:3.9-slim', '    layers:', '      - apt:', '          packages: [curl]', '        pip:', '          packages: [numpy]'),
  emptyLayer: yaml('version: 1', 'images:', '  a:', '    base: python:3.9-slim', '    layers:', '      - {}'),
  version: yaml('version: 2', 'images:', '  a:', '    base: python:3.9-slim'),
  envv: yaml('version: 1', 'images:', '  a:', '    base: python:3.9-slim', '    envv:', '      A: b'),
};

test('dump', () => {
  for (const [name, text] of Object.entries(cases)) {
    console.log(name, JSON.stringify(problemsOf(text), null, 1));
  }
});
