import { test } from 'vitest';
import { lintFamily } from '../../src/lint/lint.js';
import { load, yaml } from '../helpers.js';
test('openmpi missing', () => {
  for (const v of ['version: ""', 'version: "${V}"', 'version: latest', 'version: "${MLRUN_VERSION}"', 'version: "4.1"','version: ">=4"', 'id: x, version: "${W}"']) {
    const text = yaml('version: 1', 'variables: {V: "", W: "4.*"}', 'images:', '  a:', '    base: python:3.9', '    layers:', `      - openmpi: {source: conda-forge, ${v}}`, `      - miniconda: {${v}}`);
    try { const family = load(text); console.log(v, JSON.stringify(family.images.get('a')!.layers), JSON.stringify(lintFamily({ family, production: false, requirementFiles: new Map(), dockerfiles: new Map(), validateDockerfile: () => [] }))); } catch (e) { console.log(v, String(e)); }
  }
});
