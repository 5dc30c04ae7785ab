import { describe, expect, test } from 'vitest';
import { bakeProgress, dockerfileInstructions } from '../../src/engines/bake-progress.js';

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
