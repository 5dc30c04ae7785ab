import { test } from 'vitest';
import { lintFamily } from '../../src/lint/lint.js';
import { load, yaml, problemsOf } from '../helpers.js';
import { main } from '../../src/cli.js';
import { PACKAGE_ROOT } from '../../src/files.js';
import { validate } from 'dockerfile-utils';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

test('scratch', async () => {
  const text = yaml(
    'version: 1',
    'images:',
    '  a:',
    '    base: python',
    '    lint: {pip-unpinned: "x"}',
    '    layers:',
    '      - pip: {packages: [requests, "b~=1.0", "c>=2", "d @ https://x.org/d.whl", "e==1.0", "f[extra]==1.0 ; python_version<\\"3.10\\""]}',
    '      - openmpi: {source: conda-forge, version: "4.*"}',
    '      - openmpi: {source: apt}',
    '      - apt: {packages: [curl, "git=1:2.39"]}',
    '      - mlrun: {}',
    '  b:',
    '    extends: a',
    '    lint: {pip-unpinned: null}',
  );
  const family = load(text);
  console.log(JSON.stringify(lintFamily({ family, production: false, requirementFiles: new Map(), dockerfiles: new Map([['a', { path: 'generated/a/Dockerfile', text: 'x' }]]), validateDockerfile: () => [{ line: 2, col: 3, message: 'boom' }] }), null, 1));
  console.log(problemsOf(yaml('version: 1', 'images:', '  a:', '    base: python:3.9', '    lint: {base-unpined: x}')));
  console.log(problemsOf(yaml('version: 1', 'images:', '  a:', '    base: python:3.9', '    lint: {base-unpinned: ""}')));
  for (const d of readdirSync(join(PACKAGE_ROOT, 'generated'))) console.log(d, JSON.stringify(validate(readFileSync(join(PACKAGE_ROOT, 'generated', d, 'Dockerfile'), 'utf8'))));
  let out = '';
  const io = (env: Record<string,string>) => ({ env, cwd: PACKAGE_ROOT, stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (out += t) } });
  console.log(await main(['lint'], io({})), out); out = '';
  console.log(await main(['lint', '--production'], io({})), out); out = '';
  console.log(await main(['lint', '--production'], io({ MLRUN_VERSION: '1.7.0' })), out); out = '';
});
test('openmpi missing', () => {
  for (const v of ['version: ""', 'version: null', 'version: "${V}"', 'version: "4.1.5", id: o']) {
    const text = yaml('version: 1', 'variables: {V: ""}', 'images:', '  a:', '    base: python:3.9', '    layers:', `      - openmpi: {source: conda-forge, ${v}}`, '  b:', '    extends: a', '    layers:', '      - openmpi: {id: o, version: null}');
    try { const family = load(text); console.log(v, JSON.stringify(lintFamily({ family, production: false, requirementFiles: new Map(), dockerfiles: new Map(), validateDockerfile: () => [] }))); } catch (e) { console.log(v, String(e)); }
  }
});
