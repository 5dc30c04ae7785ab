/**
 * Incremental builds through the CLI: `list --changed-since` against a real git checkout (each kind of input changed
 * in turn), the same digests from two clones, and `build` skipping what the engine already has (a recording runner).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { main } from '../../src/cli.js';
import type { Command } from '../../src/engines/engine.js';
import type { ProcessResult, ProcessRunner } from '../../src/engines/process.js';
import { execaRunner } from '../../src/engines/process.js';

const MANIFEST = `version: 1
variables:
  GREETING: hello
images:
  base:
    base: debian:12
    layers:
      - pip: {requirements: [requirements.txt]}
  mid:
    from: base
    layers:
      - run: {commands: [echo mid]}
  leaf:
    from: mid
    layers:
      - copy: {src: [app/], dest: /app/}
  other:
    base: python:3.11-slim
    layers:
      - greet: {who: world}
      - run: {commands: ["echo \${GREETING}"]}
`;
const LOCK = 'version: 1\nbases:\n  python:3.11-slim:\n    digest: sha256:1111111111111111111111111111111111111111111111111111111111111111\n';

let folder: string;
const write = (path: string, text: string) => {
  mkdirSync(dirname(join(folder, path)), { recursive: true });
  writeFileSync(join(folder, path), text);
};
const git = (...args: string[]) => execFileSync('git', args, { cwd: folder, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'mlrun-images-incremental-'));
  write('images.yaml', MANIFEST);
  write('images.lock.yaml', LOCK);
  write('requirements.txt', 'requests==2.32.3\n');
  write('app/main.py', 'print("app")\n');
  write('app/data/table.csv', 'a,b\n');
  write('templates/layers/greet.hbs', 'RUN echo {{sh who}}\n');
  write('unrelated.md', 'notes\n');
  git('init', '--quiet');
  git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '--quiet', '--allow-empty', '-m', 'empty');
  git('add', '.');
  git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '--quiet', '-m', 'family');
});
afterEach(() => rmSync(folder, { recursive: true, force: true }));

async function run(args: string[], options: { cwd?: string; runner?: ProcessRunner; env?: Record<string, string> } = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    env: options.env ?? {},
    cwd: options.cwd ?? folder,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    ...(options.runner ? { runner: options.runner } : {}),
  });
  return { code, stdout, stderr };
}

async function changed(extra: string[] = []): Promise<string[]> {
  const result = await run(['list', '--changed-since', 'HEAD', ...extra]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return result.stdout.split('\n').filter(Boolean);
}

describe('list --changed-since: exactly the images an input reaches', () => {
  test('nothing changed: nothing listed (the checkout at HEAD is read from another folder)', async () => {
    expect(await changed()).toEqual([]);
  });

  test.each([
    ['a context file one image copies', () => write('app/main.py', 'print("changed")\n'), ['leaf']],
    ['a file added inside a copied folder', () => write('app/data/more.csv', 'c\n'), ['leaf']],
    ['a context file the image executes', () => chmodSync(join(folder, 'app/main.py'), 0o755), ['leaf']],
    ['a requirement file of the root: it and everything on it', () => write('requirements.txt', 'requests==2.32.4\n'), ['base', 'mid', 'leaf']],
    ['a parent layer', () => write('images.yaml', MANIFEST.replace('echo mid', 'echo mid2')), ['mid', 'leaf']],
    ['a layer template', () => write('templates/layers/greet.hbs', 'RUN echo hi {{sh who}}\n'), ['other']],
    ['a variable', () => write('images.yaml', MANIFEST.replace('GREETING: hello', 'GREETING: bye')), ['other']],
    ['a base tag', () => write('images.yaml', MANIFEST.replace('debian:12', 'debian:12.7')), ['base', 'mid', 'leaf']],
    ['a lock digest', () => write('images.lock.yaml', LOCK.replaceAll('1111', '2222')), ['other']],
    ['a description (a label)', () => write('images.yaml', MANIFEST.replace('  mid:\n', '  mid:\n    description: the middle\n')), ['mid', 'leaf']],
    ['a file no image reads', () => write('unrelated.md', 'other notes\n'), []],
    ['a file beside the copied folder', () => write('app.txt', 'x\n'), []],
  ])('%s', async (_input, change, expected) => {
    change();
    expect(await changed()).toEqual(expected);
  });

  test('uncommitted and committed changes count alike; the ref may be any commit', async () => {
    write('app/main.py', 'print("changed")\n');
    git('add', '.');
    git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '--quiet', '-m', 'change');
    expect(await run(['list', '--changed-since', 'HEAD']).then((result) => result.stdout)).toBe('');
    expect(await run(['list', '--changed-since', 'HEAD~1']).then((result) => result.stdout)).toBe('leaf\n');
  });

  test('a lock file added since the ref changes the images on the bases it pins', async () => {
    rmSync(join(folder, 'images.lock.yaml'));
    git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '--quiet', '-am', 'no lock');
    write('images.lock.yaml', LOCK);
    expect(await changed()).toEqual(['other']);
  });

  test('a manifest reached through a symbolic link is compared with its own past', async () => {
    const links = mkdtempSync(join(tmpdir(), 'mlrun-images-link-'));
    try {
      symlinkSync(folder, join(links, 'family'));
      write('app/main.py', 'print("changed")\n');
      expect(await changed(['-f', join(links, 'family', 'images.yaml')])).toEqual(['leaf']);
    } finally {
      rmSync(links, { recursive: true, force: true });
    }
  });

  test('a manifest that did not exist at the ref: every image changed', async () => {
    expect((await run(['list', '--changed-since', 'HEAD~1'])).stdout).toBe('base\nmid\nleaf\nother\n');
  });

  test('a ref that does not exist is a usage error', async () => {
    const result = await run(['list', '--changed-since', 'no-such-branch']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--changed-since no-such-branch: no such commit, branch or tag');
  });

  test('outside a git checkout it is a usage error', async () => {
    rmSync(join(folder, '.git'), { recursive: true, force: true });
    const result = await run(['list', '--changed-since', 'HEAD']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is not in a git checkout');
  });
});

/** The input digest each image's build Dockerfile carries, from a dry run. */
async function digestsOf(cwd: string): Promise<Record<string, string>> {
  const result = await run(['build', '--dry-run', '--engine', 'docker'], { cwd });
  expect(result.code).toBe(0);
  const dockerfiles = join(cwd, '.build', 'dockerfiles');
  return Object.fromEntries(
    readdirSync(dockerfiles).map((name) => [
      name,
      /org\.mlrun-images\.inputs=(sha256:[0-9a-f]{64})/.exec(readFileSync(join(dockerfiles, name, 'Dockerfile'), 'utf8'))![1]!,
    ]),
  );
}

test('two clones of one commit in different folders compute the same digests; a different environment does not change them', async () => {
  const clones = mkdtempSync(join(tmpdir(), 'mlrun-images-clones-'));
  try {
    execFileSync('git', ['clone', '--quiet', folder, join(clones, 'first')]);
    execFileSync('git', ['clone', '--quiet', folder, join(clones, 'second', 'deeper')]);
    const first = await digestsOf(join(clones, 'first'));
    expect(Object.keys(first).sort()).toEqual(['base', 'leaf', 'mid', 'other']);
    expect(new Set(Object.values(first)).size).toBe(4);
    expect(await digestsOf(join(clones, 'second', 'deeper'))).toEqual(first);
    const elsewhere = await run(['build', '--dry-run', '--engine', 'docker'], { cwd: join(clones, 'first'), env: { HOME: '/elsewhere', USER: 'someone' } });
    expect(elsewhere.code).toBe(0);
    expect(await digestsOf(join(clones, 'first'))).toEqual(first);
  } finally {
    rmSync(clones, { recursive: true, force: true });
  }
});

/**
 * A runner that answers the label query with the digests given (images not listed are missing), records every engine
 * command and builds nothing; git runs for real.
 */
function engineWith(labels: Record<string, string>) {
  const calls: Command[] = [];
  const runner: ProcessRunner = {
    async run(command, options = {}): Promise<ProcessResult> {
      if (command.command === 'git') return execaRunner.run(command, options);
      calls.push(command);
      const [verb, second] = command.args;
      if (verb === 'info') return { exitCode: 0, output: 'id buildx\n' };
      if (verb === 'image' && second === 'inspect' && command.args[2] === '--format' && command.args[3]!.includes('RepoTags')) {
        const references = command.args.slice(4);
        const lines = references.filter((reference) => labels[reference] !== undefined).map((reference) => `["${reference}"]\t${labels[reference]}`);
        const stdout = lines.map((line) => `${line}\n`).join('');
        for (const line of lines) options.onLine?.(line);
        return { exitCode: lines.length === references.length ? 0 : 1, output: stdout, stdout, stderr: '' };
      }
      if (verb === 'image') return { exitCode: 0, output: 'sha256:built\n' };
      return { exitCode: 0, output: '' };
    },
  };
  return { runner, calls, builds: () => calls.filter((call) => call.args[0] === 'buildx' && call.args[1] === 'build').map((call) => call.args.at(-4)) };
}

describe('build skips the images the engine has with the same inputs', () => {
  const referenceOf = (name: string) => `mlrun/${name}:unstable`;
  const jsonOf = (path: string) =>
    (JSON.parse(readFileSync(path, 'utf8')) as { images: { name: string; status: string; inputs: string; reason?: string }[] }).images;

  test('all up to date: one label query, no build, every image `up to date` in --json, exit 0', async () => {
    const digests = await digestsOf(folder);
    const engine = engineWith(Object.fromEntries(Object.entries(digests).map(([name, digest]) => [referenceOf(name), digest])));
    const result = await run(['build', '--engine', 'docker', '--json', 'summary.json'], { runner: engine.runner });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('4 image(s): 4 up to date; building 0');
    // One engine call in all: the labels. The engine is not even probed, git is not asked.
    expect(engine.calls.map((call) => call.args.slice(0, 2))).toEqual([['image', 'inspect']]);
    expect(engine.builds()).toEqual([]);
    const images = jsonOf(join(folder, 'summary.json'));
    expect(images.map(({ name, status, inputs }) => [name, status, inputs])).toEqual(
      ['base', 'mid', 'leaf', 'other'].map((name) => [name, 'up to date', digests[name]]),
    );
  });

  test('a changed copied file: that image is built, the rest are up to date', async () => {
    const before = await digestsOf(folder);
    // A first build records each image's inputs under its digest: status can then say what changed since.
    await run(['build', '--engine', 'docker'], { runner: engineWith({}).runner });
    write('app/main.py', 'print("changed")\n');
    const engine = engineWith(Object.fromEntries(Object.entries(before).map(([name, digest]) => [referenceOf(name), digest])));
    const result = await run(['build', '--engine', 'docker', '--json', 'summary.json'], { runner: engine.runner });
    expect(result.code).toBe(0);
    expect(jsonOf(join(folder, 'summary.json')).map(({ name, status }) => [name, status])).toEqual([
      ['base', 'up to date'],
      ['mid', 'up to date'],
      ['leaf', 'built'],
      ['other', 'up to date'],
    ]);
    expect(engine.calls.filter((call) => call.args[1] === 'build')).toHaveLength(1);
    const status = await run(['status', '--engine', 'docker', 'leaf'], { runner: engine.runner });
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/leaf +stale +mlrun\/leaf:unstable {2}context file app\/main\.py\n/);
  });

  test('a missing parent is built; --force, --no-cache and --pull build everything', async () => {
    const digests = await digestsOf(folder);
    const labels = Object.fromEntries(Object.entries(digests).map(([name, digest]) => [referenceOf(name), digest]));
    delete labels[referenceOf('base')];
    const missing = engineWith(labels);
    await run(['build', '--engine', 'docker'], { runner: missing.runner });
    expect(missing.calls.filter((call) => call.args[1] === 'build')).toHaveLength(1);
    for (const flag of ['--force', '--no-cache', '--pull']) {
      const forced = engineWith(labels);
      await run(['build', '--engine', 'docker', flag], { runner: forced.runner });
      expect(forced.calls.filter((call) => call.args[1] === 'build')).toHaveLength(4);
      expect(forced.calls.filter((call) => call.args[3]?.includes('RepoTags'))).toEqual([]);
    }
  });

  test('--no-deps: a child is built on the parent the engine has, and its digest says so', async () => {
    const digests = await digestsOf(folder);
    const current = Object.fromEntries(Object.entries(digests).map(([name, digest]) => [referenceOf(name), digest]));
    // The engine has mid as its inputs are now, but base from other inputs: mid would be built on that base.
    const engine = engineWith({ ...current, [referenceOf('base')]: `sha256:${'0'.repeat(64)}` });
    const result = await run(['build', '--engine', 'docker', '--no-deps', 'mid', '--json', 'summary.json'], { runner: engine.runner });
    expect(result.code, result.stderr).toBe(0);
    const [mid] = jsonOf(join(folder, 'summary.json'));
    expect(mid).toMatchObject({ name: 'mid', status: 'built' });
    expect(mid!.inputs).not.toBe(digests.mid);
    // As it is, mid is up to date.
    const same = engineWith(current);
    await run(['build', '--engine', 'docker', '--no-deps', 'mid', '--json', 'summary.json'], { runner: same.runner });
    expect(jsonOf(join(folder, 'summary.json')).map(({ status }) => status)).toEqual(['up to date']);
  });

  test('status: a table of every image, --json - instead, exit 0 only when all are up to date', async () => {
    const digests = await digestsOf(folder);
    const labels = { [referenceOf('base')]: digests.base!, [referenceOf('mid')]: '', [referenceOf('leaf')]: `sha256:${'0'.repeat(64)}` };
    const engine = engineWith(labels);
    const table = await run(['status', '--engine', 'docker'], { runner: engine.runner });
    expect(table.code).toBe(1);
    expect(table.stdout).toContain('base   up to date  mlrun/base:unstable\n');
    expect(table.stdout).toContain('mid    stale       mlrun/mid:unstable  built without an org.mlrun-images.inputs label\n');
    expect(table.stdout).toContain(`leaf   stale       mlrun/leaf:unstable  built from other inputs (sha256:000000000000…, not recorded here)\n`);
    expect(table.stdout).toContain('other  missing     mlrun/other:unstable\n');
    expect(table.stdout).toContain('1 up to date, 2 stale, 1 missing (on docker (BuildKit))');
    const json = await run(['status', '--engine', 'docker', '--json', '-', 'base'], { runner: engine.runner });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      images: [{ name: 'base', reference: referenceOf('base'), state: 'up to date', inputs: digests.base, found: digests.base }],
    });
  });
});
