import { paramPath } from '../manifest/types.js';
import { installsDevelopmentBranch } from '../mlrun/naming.js';
import { checkPythonCommand, type LayerKind } from './kind.js';
import { MOVING_BRANCH } from './pins.js';

/** `mlrun`: the mlrun package of the version being built; the development branch from git for development versions. */
export const mlrun: LayerKind = {
  name: 'mlrun',
  schema: {
    description: 'The mlrun package matching the version being built: mlrun[extras]==VERSION for a release, the development branch from git for unstable.',
    properties: {
      extras: { type: 'array', items: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' } },
      git_url: { type: 'string' },
      git_ref: { type: 'string' },
      python: { type: 'string' },
    },
  },
  docs: {
    parameters: '`extras`, `git_url`, `git_ref`, `python`',
    renders:
      '`mlrun[extras]==MLRUN_VERSION` for a release; for `unstable` (or `0.0.0…`), the development branch from git. Decided at build time from the `MLRUN_VERSION` build argument',
  },
  buildArgParameters: [],
  check(layer, { report }) {
    const { params } = layer;
    checkPythonCommand(layer, report);
    for (const key of ['git_url', 'git_ref'] as const) {
      if (params[key] !== undefined && !/^[A-Za-z0-9@:/._+-]+$/.test(String(params[key]))) {
        report([...layer.path, key], `mlrun ${key} \`${String(params[key])}\` may hold only letters, digits and @ : / . _ + -`);
      }
    }
  },
  lint(layer, { values, report }) {
    const version = values.MLRUN_VERSION ?? '';
    if (!installsDevelopmentBranch(version)) return;
    const ref = layer.params.git_ref;
    if (MOVING_BRANCH.test(String(ref ?? ''))) {
      report('moving-ref', paramPath(layer, 'git_ref'), `the mlrun layer's git_ref \`${String(ref)}\` is a branch, which moves: use a tag or a commit`);
    }
    report(
      'mlrun-unpinned',
      layer.path,
      `the mlrun layer installs the development branch from git (MLRUN_VERSION is \`${version}\`); build a release (MLRUN_VERSION=1.7.0)`,
      'key',
    );
  },
};
