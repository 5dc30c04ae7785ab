import { ABSOLUTE_PATH } from '../manifest/grammar.js';
import { paramPath } from '../manifest/types.js';
import type { LayerKind } from './kind.js';
import { OPEN_VERSION } from './pins.js';

/** `miniconda`: a pinned Miniconda, put first on PATH. */
export const miniconda: LayerKind = {
  name: 'miniconda',
  schema: {
    description: 'A pinned Miniconda installed into a prefix (default /opt/conda) that is put on PATH.',
    properties: {
      version: { type: 'string', description: 'Miniconda3 release, e.g. py39_23.11.0-1.' },
      prefix: { type: 'string' },
      solver: { enum: ['classic', 'libmamba'] },
    },
    complete: { required: ['version'] },
  },
  docs: {
    parameters: '`version` (`py39_23.11.0-1`), `prefix` (`/opt/conda`), `solver` (`classic`/`libmamba`)',
    renders: "the pinned installer for the build machine's architecture, `prefix/bin` first on `PATH`",
  },
  buildArgParameters: [],
  check(layer, { report }) {
    const { prefix, version } = layer.params;
    if (prefix !== undefined && !ABSOLUTE_PATH.test(String(prefix)))
      report(paramPath(layer, 'prefix'), `miniconda prefix \`${String(prefix)}\` must be an absolute path`);
    if (!/^[A-Za-z0-9._-]+$/.test(String(version)))
      report(paramPath(layer, 'version'), `miniconda version \`${String(version)}\` must look like py39_23.11.0-1`);
  },
  lint(layer, { report }) {
    const { version } = layer.params;
    if (OPEN_VERSION.test(String(version ?? ''))) {
      report('version-unpinned', paramPath(layer, 'version'), `Miniconda version \`${String(version)}\` is left open: pin a release (py39_23.11.0-1)`);
    }
  },
};
