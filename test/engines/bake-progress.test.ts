import { describe, expect, test } from 'vitest';
import { bakeFile, namedContextKey } from '../../src/engines/bake-file.js';
import { bakeProgress, dockerfileInstructions } from '../../src/engines/bake-progress.js';
import type { GraphTarget } from '../../src/engines/engine.js';

const CHAIN = [
  { name: 'base', instructions: ['FROM ${BASE_IMAGE}', 'RUN apt-get update && apt-get install -y openmpi-bin'] },
  { name: 'app', parent: 'base', instructions: ['FROM ${BASE_IMAGE}', 'RUN echo app'] },
  { name: 'solo', instructions: ['FROM ${BASE_IMAGE}', 'RUN sleep 3'] },
];

describe('bakeProgress', () => {
  test('several targets: the target comes from the brackets, a step from its number, built when its export is done', () => {
    const read = bakeProgress(CHAIN);
    expect(read('#5 [solo 2/2] RUN sleep 3')).toEqual({ target: 'solo', step: '2/2 RUN sleep 3' });
    expect(read('#5 0.412 some output')).toEqual({ target: 'solo' });
    expect(read('#9 [solo] exporting to image')).toEqual({ target: 'solo' });
    expect(read('#9 exporting layers 0.1s done')).toEqual({ target: 'solo' });
    expect(read('#9 DONE 0.3s')).toEqual({ target: 'solo', built: 'solo' });
    // A vertex that is not an export is not a build when it is done.
    expect(read('#5 DONE 3.1s')).toEqual({ target: 'solo' });
  });

  test('a step shown under a child belongs to the ancestor whose Dockerfile has it; its failure is the ancestor’s', () => {
    const read = bakeProgress(CHAIN);
    expect(read('#7 [app 2/2] RUN apt-get update  && apt-get install -y openmpi-bin')).toEqual({
      target: 'base',
      step: '2/2 RUN apt-get update  && apt-get install -y openmpi-bin',
    });
    expect(read('#7 ERROR: process "/bin/sh -c apt-get update" did not complete successfully: exit code: 100')).toEqual({
      target: 'base',
      failed: { target: 'base', message: 'process "/bin/sh -c apt-get update" did not complete successfully: exit code: 100' },
    });
    // Its own step stays its own; an unknown step stays with the target BuildKit named.
    expect(read('#8 [app 2/2] RUN echo app')).toEqual({ target: 'app', step: '2/2 RUN echo app' });
    expect(read('#10 [app 2/2] RUN something else')).toEqual({ target: 'app', step: '2/2 RUN something else' });
  });

  test('a cache not in the registry yet is no failure: BuildKit goes on without it', () => {
    const read = bakeProgress(CHAIN);
    expect(read('#4 [solo] importing cache manifest from 127.0.0.1:5000/cache:solo')).toEqual({ target: 'solo' });
    expect(read('#4 ERROR: failed to configure registry cache importer: 127.0.0.1:5000/cache:solo: not found')).toEqual({ target: 'solo' });
    // Any other vertex's error still fails its target.
    expect(read('#5 [solo 2/2] RUN sleep 3')).toEqual({ target: 'solo', step: '2/2 RUN sleep 3' });
    expect(read('#5 ERROR: process "/bin/sh -c sleep 3" did not complete successfully: exit code: 1')).toMatchObject({ failed: { target: 'solo' } });
  });

  test('one target: BuildKit names no target, every vertex is its', () => {
    const read = bakeProgress([CHAIN[2]!]);
    expect(read('#4 [2/2] RUN sleep 3')).toEqual({ target: 'solo', step: '2/2 RUN sleep 3' });
    expect(read('#6 exporting to image')).toEqual({ target: 'solo' });
    expect(read('#6 DONE 0.2s')).toEqual({ target: 'solo', built: 'solo' });
    expect(read('#1 [internal] load local bake definitions')).toEqual({ target: 'solo' });
  });

  test.each(['#1 [internal] load local bake definitions', '#3 [other 1/2] FROM x', 'ERROR: failed to solve', '------', ' > [base 2/2] RUN exit 3:', ''])(
    'a line about no known target: %j',
    (line) => {
      expect(bakeProgress(CHAIN)(line)).toEqual({});
    },
  );
});

describe('dockerfileInstructions', () => {
  test('continuation lines joined as BuildKit prints them, comments and blank lines dropped, spaces folded', () => {
    expect(dockerfileInstructions('# syntax\nARG BASE_IMAGE\n\nFROM ${BASE_IMAGE}\nRUN echo a \\\n && echo   b\n  # note\nCMD ["x"]\n')).toEqual([
      'ARG BASE_IMAGE',
      'FROM ${BASE_IMAGE}',
      'RUN echo a && echo b',
      'CMD ["x"]',
    ]);
  });
});

describe('the bake file', () => {
  const target = (name: string, reference: string, parent?: string): GraphTarget => ({
    name,
    reference,
    ...(parent ? { parent } : {}),
    dockerfile: '/w/Dockerfile',
    context: '/w',
    buildArgs: {},
    labels: {},
    cacheFrom: [],
    cacheTo: [],
    noCache: false,
    pull: false,
  });

  test.each([
    ['docker.io/mlrun/mlrun:1.7.0', 'mlrun/mlrun:1.7.0'],
    ['index.docker.io/library/python:3.11', 'python:3.11'],
    ['mlrun/mlrun:latest', 'mlrun/mlrun'],
    ['mlrun/mlrun:latest@sha256:' + 'a'.repeat(64), `mlrun/mlrun:latest@sha256:${'a'.repeat(64)}`],
    ['quay.io/mlrun/mlrun:1.7.0', 'quay.io/mlrun/mlrun:1.7.0'],
    ['127.0.0.1:5000/library/x:1', '127.0.0.1:5000/library/x:1'],
  ])('a parent %s is a named context under the name BuildKit looks FROM up by: %s', (reference, key) => {
    expect(namedContextKey(reference)).toBe(key);
    const file = bakeFile([target('core', reference), target('app', 'mlrun/app:1', 'core')], {});
    expect(file.target.app!.contexts).toEqual({ [key]: 'target:core' });
  });

  test.each([
    ['ml.base', 'the image `ml.base` cannot be a bake target: bake allows letters, digits, _ and - in names'],
    ['default', "an image named `default` cannot be a bake target: bake's `default` group builds everything; rename it"],
  ])('an image named %s is refused with what to do', (name, message) => {
    expect(() => bakeFile([target(name, 'x/y:1')], {})).toThrow(message);
  });
});
