import { expect, test } from 'vitest';
import { parseCommandLine } from '../../src/cli/invocation.js';

const parse = (argv: string[], env: Record<string, string>) => {
  const invocation = parseCommandLine(argv, '/work', { usage: 'usage', takesOperands: () => true, env });
  if (typeof invocation === 'string') throw new Error(invocation);
  return invocation.values as Record<string, unknown>;
};

test.each<[string, string[], Record<string, string>, Record<string, unknown>]>([
  ['a variable stands for its option', ['build'], { MLRUN_BUILD_ENGINE: 'podman' }, { engine: 'podman' }],
  ['the command line wins', ['build', '--engine', 'bake'], { MLRUN_BUILD_ENGINE: 'podman' }, { engine: 'bake' }],
  ['an empty variable is not set', ['build'], { MLRUN_BUILD_ENGINE: '', MLRUN_BASE_REGISTRY: '' }, {}],
  ['a flag is on when its variable is non-empty', ['build'], { MLRUN_NO_CACHE: '1' }, { 'no-cache': true }],
  ['any non-empty text turns a flag on, as MLRun reads it', ['bake'], { MLRUN_NO_CACHE: 'false' }, { 'no-cache': true }],
  ['an empty variable leaves a flag off', ['build'], { MLRUN_NO_CACHE: '' }, {}],
  ['a variable of an option the command does not have is not read', ['generate'], { MLRUN_BUILD_ENGINE: 'podman', MLRUN_NO_CACHE: '1' }, {}],
  [
    'one variable, each command that has the option',
    ['lock'],
    { MLRUN_BASE_REGISTRY: 'mirror.local', MLRUN_IMAGES_REGISTRY_TIMEOUT: '3' },
    { 'base-registry': 'mirror.local', 'registry-timeout': '3' },
  ],
  ["resolve reads MLRun's variables as MLRun does: empty is a value", ['resolve', 'mlrun/mlrun'], { MLRUN_IMAGES_REGISTRY: '' }, { 'images-registry': '' }],
])('%s', (_name, argv, env, expected) => {
  expect(parse(argv, env)).toEqual(expected);
});
