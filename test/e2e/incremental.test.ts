/**
 * Incremental builds on every engine, for real: build a small family, build it again with nothing changed (every image
 * up to date, no engine build), change one copied file (only that image and the one built on it are built), then the
 * same against the registry with --push, and `status` on the engine and in the registry.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type E2eEngine, mlrunImages, releaseArgs, requireEngine } from './support.js';

const MANIFEST = `version: 1
images:
  inc-base:
    description: Copies base.txt
    base: debian:bookworm
    layers:
      - copy: {src: [base.txt], dest: /base.txt}
  inc-child:
    description: Built on inc-base, copies child.txt
    from: inc-base
    layers:
      - copy: {src: [child.txt], dest: /child.txt}
  inc-solo:
    description: Reads nothing from its context
    base: debian:bookworm
    layers:
      - run: {commands: [echo solo > /solo.txt]}
`;

const ENGINES: E2eEngine[] = ['docker', 'bake', 'docker-classic', 'podman', 'buildah'];

interface Summary {
  images: { name: string; status: string; inputs?: string }[];
}

describe.each(ENGINES)('incremental builds on %s', (engine) => {
  const skip = requireEngine(engine, `incremental builds on ${engine}`);
  let folder: string;
  const version = `inc-${engine}-${Date.now()}`;
  const args = [...releaseArgs(version, 'e2e-incremental'), '--engine', engine];

  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), `mlrun-images-incremental-${engine}-`));
    writeFileSync(join(folder, 'images.yaml'), MANIFEST);
    writeFileSync(join(folder, 'base.txt'), 'base\n');
    writeFileSync(join(folder, 'child.txt'), 'child\n');
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  /** Build, and each image's status from --json. */
  async function build(...extra: string[]): Promise<Record<string, string>> {
    const run = await mlrunImages(folder, ['build', ...args, '--json', 'summary.json', ...extra]);
    expect(run.exitCode, run.all).toBe(0);
    const summary = JSON.parse(readFileSync(join(folder, 'summary.json'), 'utf8')) as Summary;
    for (const image of summary.images) expect(image.inputs).toMatch(/^sha256:[0-9a-f]{64}$/);
    return Object.fromEntries(summary.images.map((image) => [image.name, image.status]));
  }
  const log = (name: string) => readFileSync(join(folder, '.build', 'logs', `${name}.log`), 'utf8');

  test.skipIf(skip)(
    'nothing changed: nothing built; one copied file changed: that image and the one built on it',
    async () => {
      expect(await build()).toEqual({ 'inc-base': 'built', 'inc-child': 'built', 'inc-solo': 'built' });
      expect(await build()).toEqual({ 'inc-base': 'up to date', 'inc-child': 'up to date', 'inc-solo': 'up to date' });
      // No engine command ran for them: their logs are empty.
      for (const name of ['inc-base', 'inc-child', 'inc-solo']) expect(log(name)).toBe('');
      const status = await mlrunImages(folder, ['status', ...args]);
      expect(status.exitCode, status.all).toBe(0);

      writeFileSync(join(folder, 'child.txt'), 'child, changed\n');
      const stale = await mlrunImages(folder, ['status', ...args]);
      expect(stale.exitCode).toBe(1);
      expect(stale.stdout).toMatch(/inc-child +stale +\S+ {2}context file child\.txt\n/);
      expect(await build()).toEqual({ 'inc-base': 'up to date', 'inc-child': 'built', 'inc-solo': 'up to date' });

      writeFileSync(join(folder, 'base.txt'), 'base, changed\n');
      expect(await build()).toEqual({ 'inc-base': 'built', 'inc-child': 'built', 'inc-solo': 'up to date' });
    },
    600_000,
  );

  test.skipIf(skip)(
    'with --push the registry decides: pushed once, then up to date there; a change is built and pushed alone',
    async () => {
      // The engine has every image with these inputs: they are only pushed.
      expect(await build('--push')).toEqual({ 'inc-base': 'pushed', 'inc-child': 'pushed', 'inc-solo': 'pushed' });
      expect(await build('--push')).toEqual({ 'inc-base': 'up to date', 'inc-child': 'up to date', 'inc-solo': 'up to date' });
      const remote = await mlrunImages(folder, ['status', '--remote', ...args]);
      expect(remote.exitCode, remote.all).toBe(0);
      expect(remote.stdout).toContain('3 up to date, 0 stale, 0 missing (in their registries)');

      writeFileSync(join(folder, 'child.txt'), 'child, changed again\n');
      expect(await build('--push')).toEqual({ 'inc-base': 'up to date', 'inc-child': 'pushed', 'inc-solo': 'up to date' });
      expect(log('inc-child')).toMatch(/\b(build|bake)\b/);
    },
    600_000,
  );
});
