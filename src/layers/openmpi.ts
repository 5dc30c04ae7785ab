import { paramPath } from '../manifest/types.js';
import type { LayerKind } from './kind.js';
import { OPEN_VERSION } from './pins.js';

/** `openmpi`: a pinned OpenMPI from conda-forge (as MLRun does) or from the distribution. */
export const openmpi: LayerKind = {
  name: 'openmpi',
  schema: {
    description: "A pinned OpenMPI: from conda-forge (as MLRun does, the default) or from the distribution's packages.",
    properties: {
      version: { type: 'string' },
      source: { enum: ['conda-forge', 'apt'] },
      cuda: { type: 'boolean', description: "Turn on OpenMPI's CUDA support." },
      allow_run_as_root: { type: 'boolean', description: "Let mpirun run as root (default true, as MLRun's images do)." },
    },
    complete: { description: 'needed unless `source: apt`', required: ['version'] },
    completeUnless: [{ properties: { source: { const: 'apt' } }, required: ['source'] }],
  },
  docs: {
    parameters: '`version`, `source` (`conda-forge`, the default, as MLRun does; or `apt`), `cuda`, `allow_run_as_root` (default true)',
    renders: "`conda install -c conda-forge openmpi-mpicc=VERSION` or the distribution's packages; `OMPI_ALLOW_RUN_AS_ROOT`, `OMPI_MCA_opal_cuda_support`",
  },
  buildArgParameters: [],
  check(layer, { report }) {
    const { version } = layer.params;
    if (version !== undefined && !/^[0-9][A-Za-z0-9.*_+-]*$/.test(String(version))) {
      report(paramPath(layer, 'version'), `openmpi version \`${String(version)}\` must look like 4.1.5`);
    }
  },
  lint(layer, { report }) {
    const { version, source } = layer.params;
    if (source === 'apt') return;
    if (OPEN_VERSION.test(String(version ?? '')) || !/^\d+\.\d+\.\d/.test(String(version))) {
      const message = `OpenMPI version \`${String(version ?? '')}\` is left open (conda reads 4.1 as 4.1.*): pin all three parts (4.1.5)`;
      if (version === undefined) report('version-unpinned', layer.path, message, 'key');
      else report('version-unpinned', paramPath(layer, 'version'), message);
    }
  },
};
