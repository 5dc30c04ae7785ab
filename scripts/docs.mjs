// Writes what the documentation says of the code: the README's generated tables (between <!-- NAME:start --> and
// <!-- NAME:end -->) and schema/images.schema.json, the manifest schema assembled from the layer kinds.
// `npm run docs` runs it; test/docs.test.ts fails when either is out of step.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTemplates } from '../dist/cli/files.js';
import { readmeSections, updateReadme } from '../dist/docs/readme.js';
import { MANIFEST_SCHEMA } from '../dist/schema.js';
import { loadFamily } from '../dist/pipeline.js';
import { layerKindsOf } from '../dist/render/templates.js';
import { renderMermaid } from '../dist/render/mermaid.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const templates = readTemplates(root);
const family = loadFamily({
  source: { file: 'images.yaml', text: readFileSync(join(root, 'images.yaml'), 'utf8') },
  schema: MANIFEST_SCHEMA,
  layerKinds: layerKindsOf(templates),
  env: {},
  overrides: {},
});
const readme = updateReadme(readFileSync(join(root, 'README.md'), 'utf8'), readmeSections(family, renderMermaid(family)));
if (readme.missing.length > 0) throw new Error(`README.md has no markers for: ${readme.missing.join(', ')}`);
writeFileSync(join(root, 'README.md'), readme.text);
writeFileSync(join(root, 'schema', 'images.schema.json'), `${JSON.stringify(MANIFEST_SCHEMA, null, 2)}\n`);
console.log('wrote README.md tables and schema/images.schema.json');
