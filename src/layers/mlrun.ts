import { ABSOLUTE_PATH, isContextPath, USER } from '../manifest/grammar.js';
import { paramPath } from '../manifest/types.js';
import { isDevelopmentBuild } from '../mlrun/naming.js';
import { checkPythonCommand, type LayerKind, listParam } from './kind.js';

/**
 * `mlrun`: mlrun from the source tree the image is built from (its build context: an mlrun checkout), as MLRun's own
 * images are; or, with `version`, a released mlrun from PyPI, for images derived from a release.
 */
export const mlrun: LayerKind = {
  name: 'mlrun',
  schema: {
    description:
      'mlrun from the build context (an mlrun source checkout), with its version file written from MLRUN_VERSION; or, with `version`, a released mlrun from PyPI.',
    properties: {
      extras: { type: 'array', items: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' } },
      version: { type: 'string', description: 'A released mlrun to install from PyPI (mlrun[extras]==VERSION) instead of the source.' },
      dest: { type: 'string', description: 'Where the source tree is copied (default: the working folder).' },
      chown: { type: 'string' },
      upgrade: { type: 'boolean', description: 'pip install --upgrade (what a second install over an image that has mlrun needs).' },
      packages: {
        type: 'array',
        items: { type: 'string' },
        description: 'Packages of the source tree installed after mlrun, each a folder relative to its root (pipeline-adapters/mlrun-pipelines-kfp-common).',
      },
      python: { type: 'string' },
    },
  },
  docs: {
    parameters:
      '`extras`, `version` (a release from PyPI), `dest` (default: the working folder), `chown`, `upgrade`, `packages` (folders of the source installed after it), `python`',
    renders:
      "the build context (an mlrun checkout) copied to `dest`, its version file written from `MLRUN_VERSION` (`X.Y.Z…` as it is, else `0.0.0+VERSION`, as MLRun's Makefile does), then `pip install .[extras]`, then each of `packages` in order; with `version`: `pip install mlrun[extras]==VERSION`",
  },
  buildArgParameters: [],
  contextPaths: (params) => (params.version === undefined ? ['.', ...listParam(params, 'packages').map((path) => path.replace(/^\.\/+|\/+$/g, ''))] : []),
  check(layer, { report }) {
    const { params } = layer;
    checkPythonCommand(layer, report);
    if (params.version !== undefined && !/^\d+\.\d+\.\d+[A-Za-z0-9.+-]*$/.test(String(params.version))) {
      report(paramPath(layer, 'version'), `mlrun version \`${String(params.version)}\` must be a release, like 1.7.0`);
    }
    if (params.dest !== undefined && !ABSOLUTE_PATH.test(String(params.dest)))
      report(paramPath(layer, 'dest'), `mlrun dest \`${String(params.dest)}\` must be an absolute path`);
    if (params.chown !== undefined && !USER.test(String(params.chown)))
      report(paramPath(layer, 'chown'), `chown \`${String(params.chown)}\` must be USER or USER:GROUP`);
    listParam(params, 'packages').forEach((path, index) => {
      if (!isContextPath(path))
        report([...paramPath(layer, 'packages'), index], `package \`${path}\` must be a folder of the source tree, relative to its root, without ..`);
    });
    if (params.version !== undefined) {
      for (const sourceOnly of ['dest', 'chown', 'upgrade', 'packages']) {
        if (params[sourceOnly] !== undefined)
          report(paramPath(layer, sourceOnly), `\`${sourceOnly}\` is about the source tree; a layer with \`version\` installs from PyPI`);
      }
    }
  },
  lint(layer, { values, report }) {
    if (layer.params.version !== undefined) return;
    const version = values.MLRUN_VERSION ?? '';
    if (!isDevelopmentBuild(version)) return;
    report(
      'mlrun-unpinned',
      layer.path,
      `the mlrun layer installs a development build (MLRUN_VERSION is \`${version}\`); build a release (MLRUN_VERSION=1.7.0), or install one with \`version\``,
      'key',
    );
  },
};
