/**
 * The built package renders with its templates precompiled at build time (scripts/build-templates.mjs): the same
 * Dockerfiles as templates compiled at run time, and only for the very path and text each was compiled from.
 */
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { PACKAGE_ROOT, readTemplates } from '../../src/cli/files.js';
import { renderFamily } from '../../src/pipeline.js';
import { load } from '../helpers.js';

type Pipeline = typeof import('../../src/pipeline.js');
type Templates = typeof import('../../src/render/templates.js');
const built = {
  pipeline: (await import(join(PACKAGE_ROOT, 'dist', 'pipeline.js'))) as Pipeline,
  templates: (await import(join(PACKAGE_ROOT, 'dist', 'render', 'templates.js'))) as Templates,
  precompiled: ((await import(join(PACKAGE_ROOT, 'dist', 'render', 'templates.generated.js'))) as { precompiled: Map<string, unknown> }).precompiled,
};
const sources = readTemplates(PACKAGE_ROOT);

test('every template of the package is precompiled, under its path and text', () => {
  const keys = Object.entries(sources).map(([path, source]) => built.templates.precompiledKey(path, source));
  expect([...built.precompiled.keys()].sort()).toEqual(keys.sort());
});

test('precompiled templates render the default family as templates compiled at run time do', () => {
  const family = load(readFileSync(join(PACKAGE_ROOT, 'images.yaml'), 'utf8'));
  const compiled = renderFamily(family, sources);
  expect(compiled.size).toBeGreaterThan(5);
  expect(Object.fromEntries(built.pipeline.renderFamily(family, sources))).toEqual(Object.fromEntries(compiled));
});

test('a template whose text differs from the package’s is checked and compiled from that text', () => {
  const apt = 'layers/apt.hbs';
  const changed = { ...sources, [apt]: `${sources[apt]}# changed\n` };
  const family = load(readFileSync(join(PACKAGE_ROOT, 'images.yaml'), 'utf8'));
  expect(built.pipeline.renderFamily(family, changed).get('mlrun/Dockerfile')).toContain('# changed');
  expect(() => built.templates.compileTemplates({ ...sources, [apt]: '{{nope packages}}\n' })).toThrow(/nope/);
});

test('the built command line reports a template of the manifest’s folder that fails, as it does a precompiled one', async () => {
  const project = mkdtempSync(join(tmpdir(), 'mlrun-images-precompiled-'));
  try {
    mkdirSync(join(project, 'templates'));
    writeFileSync(join(project, 'images.yaml'), readFileSync(join(PACKAGE_ROOT, 'test', 'fixtures', 'minimal', 'images.yaml')));
    writeFileSync(join(project, 'templates', 'Dockerfile.hbs'), `${sources['Dockerfile.hbs']}{{nosuchfield}}\n`);
    const run = await execa('node', [join(PACKAGE_ROOT, 'bin', 'mlrun-images.js'), 'generate'], { cwd: project, reject: false, all: true });
    expect(run.exitCode, run.all).toBe(2);
    expect(run.all).toMatch(/templates\/Dockerfile\.hbs \(or a partial\) failed for image `[^`]+`: "nosuchfield" not defined/);
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
});
