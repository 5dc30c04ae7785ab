import { ABSOLUTE_PATH } from '../manifest/grammar.js';
import { paramPath } from '../manifest/types.js';
import type { LayerKind } from './kind.js';
import { OPEN_VERSION } from './pins.js';

/**
 * `miniconda`: a pinned Miniconda, first on PATH. With `python`, the installer is the one for that python
 * (`Miniconda3-py311_<version>`) and conda's python is pinned to it, so the image's python is that one (as MLRun's
 * Makefile derives MLRUN_ANACONDA_PYTHON_DISTRIBUTION from MLRUN_PYTHON_VERSION); `pip` pins pip (`pip~=VERSION`).
 */
export const miniconda: LayerKind = {
  name: 'miniconda',
  schema: {
    description: 'A pinned Miniconda installed into a prefix (default /opt/conda) that is put on PATH; its python and pip pinned when given.',
    properties: {
      version: { type: 'string', description: 'Miniconda3 release: 23.1.0-1 with `python`, else the whole installer name part (py39_23.11.0-1).' },
      python: { type: 'string', description: 'The python: picks the installer and is pinned in conda (MAJOR.MINOR, may read a build argument).' },
      pip: { type: 'string', description: 'pip, pinned as pip~=VERSION.' },
      prefix: { type: 'string' },
      solver: { enum: ['classic', 'libmamba'] },
    },
    complete: { required: ['version'] },
  },
  docs: {
    parameters:
      '`version` (`23.1.0-1`, or `py39_23.11.0-1` without `python`), `python` (`3.11`), `pip` (`24.0`), `prefix` (`/opt/conda`), `solver` (`classic`/`libmamba`)',
    renders:
      "the pinned installer for the build machine's architecture (for `python`'s version), `prefix/bin` first on `PATH`; `conda install python=PYTHON pip~=PIP`",
  },
  buildArgParameters: ['python', 'pip'],
  check(layer, { report }) {
    const { prefix, version } = layer.params;
    if (prefix !== undefined && !ABSOLUTE_PATH.test(String(prefix)))
      report(paramPath(layer, 'prefix'), `miniconda prefix \`${String(prefix)}\` must be an absolute path`);
    if (!/^[A-Za-z0-9._-]+$/.test(String(version)))
      report(paramPath(layer, 'version'), `miniconda version \`${String(version)}\` must look like 23.1.0-1 (or py39_23.11.0-1)`);
    for (const name of ['python', 'pip'] as const) {
      const value = layer.params[name];
      if (value !== undefined && !/^[0-9A-Za-z.${}\u0000:_-]+$/.test(String(value)))
        report(paramPath(layer, name), `miniconda ${name} \`${String(value)}\` must be a version, like 3.11`);
    }
  },
  lint(layer, { report }) {
    const { version, python } = layer.params;
    if (OPEN_VERSION.test(String(version))) {
      const example = python === undefined ? 'py39_23.11.0-1' : '23.1.0-1';
      report('version-unpinned', paramPath(layer, 'version'), `Miniconda version \`${String(version)}\` is left open: pin a release (${example})`);
    }
  },
};
