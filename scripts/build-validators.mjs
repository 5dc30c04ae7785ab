// Compiles the manifest schema (assembled from the layer kinds, src/layers/index.ts) into
// dist/manifest/validators.generated.js at build time, so the command does not compile the schema on every run.
// src/manifest/schema.ts falls back to compiling at run time when this file is missing or was built from another schema.
import { Ajv } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MANIFEST_SCHEMA as schema } from '../dist/schema.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ajv = new Ajv({ allErrors: true, strict: false, verbose: true, validateSchema: false, code: { source: true, esm: true } });
ajv.addSchema(schema);
let code = standalone.default(ajv, { manifest: schema.$id, layer: `${schema.$id}#/definitions/layer` });
// Ajv's ESM output still reaches one runtime helper through require(); import it instead.
code = `import ucs2length from 'ajv/dist/runtime/ucs2length.js';\n${code.replace(/require\("ajv\/dist\/runtime\/ucs2length"\)\.default/g, 'ucs2length.default')}`;
if (code.includes('require(')) throw new Error('build-validators: the generated validators still call require()');
code += `\nexport const schemaJson = ${JSON.stringify(JSON.stringify(schema))};\n`;
// Beside src/manifest/schema.js as compiled, and beside the bundle (scripts/bundle.mjs) that inlines it.
for (const out of [join(root, 'dist', 'manifest', 'validators.generated.js'), join(root, 'dist', 'validators.generated.js')]) {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, code);
}
