/**
 * The third round of hostile input, class by class: summaries never overwrite an input, manifest text never becomes a
 * GitHub expression or breaks a report's format, a build context is read safely whatever it holds, two builds never
 * claim one tag, image tests are checked, remote and large inputs stay bounded, a failing or killed build says so, and
 * the messages point at the cause.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { githubWorkflow } from '../src/ci/github.js';
import { buildFailureReason, failedStepReader } from '../src/engines/engine.js';
import { descendantsOf, execaRunner } from '../src/engines/process.js';
import { parseLock } from '../src/lock/lockfile.js';
import { resolveDigest } from '../src/registry/client.js';
import { junitXml } from '../src/scheduler/reports.js';
import type { ImageResult } from '../src/scheduler/run.js';
import { copyOfProject, load, problemsOf, recordingRunner, runCli, UI_CHECKOUT, yaml } from './helpers.js';

let project: string;
afterEach(() => rmSync(project, { recursive: true, force: true }));

/** Every file under the project with its content. */
function snapshot(): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(project, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(project, path).split(sep).join('/'), readFileSync(path).toString('base64'));
  }
  return files;
}

/** The command must refuse (exit 2, no stack trace) and leave every file as it was; its message is returned. */
async function refused(args: string[], env: Record<string, string> = {}): Promise<string> {
  const before = snapshot();
  const { runner, calls } = recordingRunner();
  const result = await runCli(project, args, { env: { MLRUN_UI_SOURCE: UI_CHECKOUT, ...env }, runner });
  expect(result.code, result.stdout + result.stderr).toBe(2);
  expect(result.stderr).not.toMatch(/\n\s+at |TypeError|ReferenceError|Cannot read properties/);
  expect(snapshot()).toEqual(before);
  expect(calls.filter((call) => call.args[0] === 'build' || call.args[0] === 'run')).toEqual([]);
  return result.stderr;
}

describe('1. a summary or a written file never replaces an input of the run', () => {
  beforeEach(async () => {
    project = copyOfProject('mlrun-images-out-');
    expect((await runCli(project, ['generate'])).code).toBe(0);
  });

  test.each([
    [['status', '--json', 'images.yaml'], 'images.yaml: it is an input of this run'],
    [['status', '--json', 'images.lock.yaml'], 'images.lock.yaml: it is an input of this run'],
    [['status', '--json', 'generated/mlrun/Dockerfile'], 'generated/mlrun/Dockerfile: it is inside generated, an input of this run'],
    [['test', '--junit', 'images.yaml', '--engine', 'docker'], 'images.yaml: it is an input of this run'],
    [['build', '--json', 'requirements.txt', '--engine', 'docker'], 'requirements.txt: it is an input of this run'],
    [['list', '--json', 'dockerfiles/mlrun-api/start_api.sh'], 'dockerfiles/mlrun-api/start_api.sh: it is an input of this run'],
    [['list', '--json', 'docs/tutorials/README.md'], 'inside docs/tutorials, an input of this run'],
    [['test', '--json', 'a.json', '--junit', 'a.json', '--engine', 'docker'], '--json and --junit both write a.json'],
    [['build', '--json', '-', '--junit', '-', '--engine', 'docker'], '--json and --junit both write to standard output'],
  ])('%j is refused before anything runs', async (args, message) => {
    writeFileSync(join(project, 'images.lock.yaml'), 'version: 1\nbases: {}\n');
    expect(await refused(args)).toContain(message);
  });

  test.each([
    [['bake', '-o', 'zero'], 'it is a symbolic link (to /dev/zero), not a regular file'],
    [['ci', 'github', '-o', 'zero'], 'it is a symbolic link (to /dev/zero), not a regular file'],
    [['list', '--json', '/dev/full'], '/dev/full: it is a character device, not a regular file'],
    [['bake', '-o', 'generated'], 'it is a folder, not a regular file'],
  ])('%j is refused at once, without reading the target', async (args, message) => {
    symlinkSync('/dev/zero', join(project, 'zero'));
    expect(await refused(args)).toContain(message);
  });

  test('`-` is standard output for every summary: the progress goes to standard error then', async () => {
    const { runner } = recordingRunner();
    const result = await runCli(project, ['build', '--json', '-', '--engine', 'docker', 'mlrun'], { env: { MLRUN_UI_SOURCE: UI_CHECKOUT }, runner });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).images.map((image: { name: string }) => image.name)).toEqual(['mlrun']);
    expect(result.stderr).toContain('building 1 image(s)');
    expect(existsSync(join(project, '-'))).toBe(false);
  });

  test('a summary is written whole through a temporary file that does not stay behind', async () => {
    const result = await runCli(project, ['list', '--json', 'out/list.json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(project, 'out', 'list.json'), 'utf8')).images.length).toBeGreaterThan(0);
    expect(readdirSync(join(project, 'out'))).toEqual(['list.json']);
  });
});

describe('2. manifest text never becomes code in what is written', () => {
  beforeEach(() => {
    project = copyOfProject('mlrun-images-inject-', 'development');
  });
  const edit = (change: (text: string) => string) => writeFileSync(join(project, 'images.yaml'), change(readFileSync(join(project, 'images.yaml'), 'utf8')));

  test('a variant value holding a GitHub expression is refused: the workflow is not written', async () => {
    edit((text) =>
      text
        .replace(
          'variants:\n  MLRUN_PYTHON_VERSION: ["3.9", "3.11"]',
          'variants:\n  MLRUN_PYTHON_VERSION: ["3.9", "3.11"]\n  MLRUN_KUBECTL_VERSION: ["v1", "$${{ github.token }}"]',
        )
        .replace('build_args:\n', 'build_args:\n  - MLRUN_KUBECTL_VERSION\n'),
    );
    // Refused where it is written, whichever check meets it first (the manifest's own, or the workflow's).
    expect(await refused(['ci', 'github'])).toMatch(/images\.yaml:\d+:\d+: `\$\{\{ github\.token \}|holds `\$\{\{`/);
  });

  test("a source's git URL holding a GitHub expression is refused", async () => {
    edit((text) => text.replace('git: https://github.com/mlrun/ui.git#${MLRUN_UI_REF}', 'git: "https://github.com/mlrun/ui.git#$${{ secrets.X }}"'));
    expect(await refused(['ci', 'github'])).toMatch(/images\.yaml:\d+:\d+: `\$\{\{ secrets\.X \}|holds `\$\{\{`/);
  });

  test('a manifest path a shell would split is quoted in the workflow', async () => {
    const folder = join(project, 'my images');
    mkdirSync(folder);
    writeFileSync(join(folder, 'images $(id).yaml'), readFileSync(join(project, 'images.yaml')));
    const result = await runCli(project, ['ci', 'github', '-f', 'my images/images $(id).yaml', '-o', 'wf.yml'], { env: { MLRUN_UI_SOURCE: UI_CHECKOUT } });
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(join(project, 'wf.yml'), 'utf8')).toContain("build -f 'images $(id).yaml' ");
  });

  test('a value holding a GitHub expression never reaches the workflow, however it got into the family', () => {
    const family = load(yaml('version: 1', 'variables: {K: a}', 'build_args: [K]', 'images:', '  app:', '    base: debian:12'));
    const unit = (value: string) => ({
      id: `app-${value}`,
      image: 'app',
      family,
      variant: { K: value },
      reference: `mlrun/app:${value}`,
      naming: {} as never,
      tagExtra: '',
    });
    const set = { family, units: [unit('a'), unit('${{ github.token }}')], select: () => [], notes: [] };
    expect(() => githubWorkflow(set, { bake: false, manifest: 'images.yaml' })).toThrow(
      'the value of the variant variable K `${{ github.token }}` holds `${{`, which GitHub Actions would evaluate as an expression',
    );
  });

  test('JUnit XML holds any test name and message as text: the serializer escapes, and XML cannot hold control characters', () => {
    const hostile = `"/><testcase name="injected"/><x y='</failure>]]>&amp;\u0001\ud800`;
    const result: ImageResult = {
      name: hostile,
      reference: 'x:1',
      status: 'failed',
      durationMs: 1,
      log: 'l',
      tests: [{ name: hostile, kind: 'command', status: 'failed', message: hostile, durationMs: 1, declaredBy: 'x' }],
    };
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(junitXml([result]));
    const suite = parsed.testsuites.testsuite;
    const replaced = hostile.replace('\u0001', '\ufffd').replace('\ud800', '\ufffd');
    expect(suite.name).toBe(replaced);
    expect(suite.testcase.name).toBe(replaced);
    expect(suite.testcase.failure['#text']).toBe(replaced);
  });
});

describe('3. a build context is read safely, whatever it holds', () => {
  beforeEach(() => {
    project = mkdtempSync(join(tmpdir(), 'mlrun-images-context-'));
    writeFileSync(
      join(project, 'images.yaml'),
      yaml('version: 1', 'images:', '  app:', '    base: debian:12', '    layers:', '      - copy: {src: ., dest: /app}'),
    );
    writeFileSync(join(project, 'file.txt'), 'x\n');
  });
  const dryRun = () => runCli(project, ['build', '--dry-run', '--engine', 'docker']);

  test('a named pipe is named, not read (it would hang forever)', async () => {
    execFileSync('mkfifo', [join(project, 'pipe')]);
    const result = await dryRun();
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`cannot read ${join(project, 'pipe')} in the build context: it is a named pipe, which a build cannot send`);
  });

  test('a file larger than 2 GiB is hashed as a stream (a sparse one: no disk used)', async () => {
    execFileSync('truncate', ['-s', '2200M', join(project, 'big.bin')]);
    const result = await dryRun();
    expect(result.code, result.stderr).toBe(0);
  });

  test.each([['/'], ['/proc'], ['/proc/self']])('a source checkout at %s is refused with its path', async (folder) => {
    writeFileSync(
      join(project, 'images.yaml'),
      yaml(
        'version: 1',
        'variables: {SRC: ""}',
        'sources:',
        '  s: {variable: SRC, holds: [x]}',
        'images:',
        '  app:',
        '    base: debian:12',
        '    source: s',
        '    layers:',
        '      - copy: {src: ., dest: /app}',
      ),
    );
    const result = await runCli(project, ['build', '--dry-run', '--engine', 'docker'], { env: { SRC: folder } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/SRC=\/.*cannot be the s checkout: it (is the whole file system|is on \/proc)/);
  });

  test('a context that climbs to / is refused', async () => {
    const deep = join(project, 'a', 'b');
    mkdirSync(deep, { recursive: true });
    const depth = deep.split('/').length - 1;
    writeFileSync(
      join(deep, 'images.yaml'),
      yaml(
        'version: 1',
        'images:',
        '  app:',
        '    base: debian:12',
        `    context: ${'../'.repeat(depth)}`,
        '    layers:',
        '      - copy: {src: ., dest: /app}',
      ),
    );
    const result = await runCli(deep, ['build', '--dry-run', '--engine', 'docker']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('cannot be built from: it is the whole file system');
  });

  test('a .dockerignore that leaves nothing of a context copied whole is a warning', async () => {
    writeFileSync(join(project, '.dockerignore'), '*\n');
    const result = await dryRun();
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('has files, and its .dockerignore leaves none of them to the build');
  });

  test.each([['../outside/x'], ['/etc/passwd']])('`holds: [%s]` is a located error', (path) => {
    const text = yaml('version: 1', 'variables: {SRC: ""}', 'sources:', `  s: {variable: SRC, holds: ["${path}"]}`, 'images:', '  app:', '    base: debian:12');
    expect(problemsOf(text)).toEqual([`images.yaml:4:30: source \`s\`: \`${path}\` must be a path in the checkout, relative to its root, without ..`]);
  });
});

describe('4. two builds never claim one tag or one name', () => {
  const manifest = (variants: string, extra = '') =>
    yaml(
      'version: 1',
      'variables: {CUDA: "11", MLRUN_VERSION: "1.9.1"}',
      'build_args: [CUDA]',
      'variants:',
      `  ${variants}`,
      'images:',
      '  app:',
      '    base: debian:12',
      extra,
    );

  test.each([
    ['MLRUN_PYTHON_VERSION: ["3.9", "3.9"]', 'images.yaml:5:33: `3.9` is listed twice in the variants of `MLRUN_PYTHON_VERSION`'],
    [
      'MLRUN_PYTHON_VERSION: ["3.9", "3.9.18"]',
      'images.yaml:5:33: `3.9.18` and `3.9` in the variants of `MLRUN_PYTHON_VERSION` would both be named `py39`; keep one',
    ],
    ['CUDA: ["a b", "a-b"]', 'images.yaml:5:17: `a-b` and `a b` in the variants of `CUDA` would both be named `a-b`; keep one'],
    [
      'MLRUN_PYTHON_VERSION: ["3.9", "latest"]',
      'images.yaml:5:33: `latest` is not a python version (MAJOR.MINOR, like 3.11): its images could not be told apart by their tags',
    ],
  ])('%s is a located error', (variants, problem) => {
    expect(problemsOf(manifest(variants))).toEqual([problem]);
  });

  test('a variant other than the python is part of the tag: each variant its own', async () => {
    project = mkdtempSync(join(tmpdir(), 'mlrun-images-tags-'));
    writeFileSync(join(project, 'images.yaml'), manifest('CUDA: ["11", "12"]'));
    const result = await runCli(project, ['list']);
    expect(result.stdout).toBe('mlrun/app:1.9.1-11\nmlrun/app:1.9.1-12\n');
  });

  test('a unit named like another image, or a tag past 128 characters, is refused (not cut)', async () => {
    project = mkdtempSync(join(tmpdir(), 'mlrun-images-tags-'));
    writeFileSync(join(project, 'images.yaml'), `${manifest('CUDA: ["11", "12"]')}  app-11:\n    base: debian:12\n    variants: {}\n`);
    const named = await runCli(project, ['list']);
    expect(named.code).toBe(2);
    expect(named.stderr).toContain('image `app` (CUDA=11) would be called `app-11`, the name of another image; rename one');
    writeFileSync(join(project, 'images.yaml'), manifest('MLRUN_PYTHON_VERSION: ["3.9", "3.11"]'));
    const long = await runCli(project, ['list'], { env: { MLRUN_VERSION: `1.9.1-${'a'.repeat(118)}` } });
    expect(long.code).toBe(2);
    expect(long.stderr).toContain('cannot form an image tag');
  });
});

describe('5. image tests are checked before they run', () => {
  const withTest = (test: string) => yaml('version: 1', 'images:', '  app:', '    base: debian:12', '    tests:', `      ${test}`);
  test.each([
    ['t: {command: [x], timeout: 1000000000}', 'images.yaml:6:34: test `t` of image `app`: number `1000000000` must be <= 86400'],
    ['t: {command: [x], timeout: 0.0001}', 'images.yaml:6:34: test `t` of image `app`: number `0.0001` must be >= 1'],
    ['t: {http: {port: "8080/udp"}}', 'images.yaml:6:24: test `t`: port `8080/udp` is UDP; an http test asks over TCP'],
    [
      't: {command: [x], env: {"A=B": "1"}}',
      'images.yaml:6:30: test `t`: `A=B` is not an environment variable name (letters, digits and _, not starting with a digit)',
    ],
  ])('%s', (test, problem) => {
    expect(problemsOf(withTest(test))).toEqual([problem]);
  });

  test('`NAME: null` for a test no image it inherits from declares is a located error with the name it could mean', () => {
    const text = yaml(
      'version: 1',
      'images:',
      '  base:',
      '    base: debian:12',
      '    tests: {greets: {command: [echo, hi]}}',
      '  app:',
      '    from: base',
      '    tests: {greet: null}',
    );
    expect(problemsOf(text)).toEqual(['images.yaml:8:13: image `app`: `greet: null` switches off a test it does not inherit (did you mean `greets`?)']);
  });

  test('testing an image that was never built fails, even with no test declared', async () => {
    project = mkdtempSync(join(tmpdir(), 'mlrun-images-untested-'));
    writeFileSync(join(project, 'images.yaml'), yaml('version: 1', 'images:', '  app:', '    base: debian:12'));
    const runner = {
      async run(command: { command: string; args: string[] }) {
        if (command.args[0] === 'info' || command.args[0] === 'buildx') return { exitCode: 0, output: '' };
        return { exitCode: 1, output: 'Error: No such image: mlrun/app:unstable' };
      },
    };
    const result = await runCli(project, ['test', '--engine', 'docker'], { runner });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('mlrun/app:unstable cannot be tested');
  });
});

describe('6. remote and large inputs stay bounded', () => {
  let server: Server;
  let port: number;
  afterEach(() => new Promise<void>((done) => server.close(() => done())));

  test('a registry that streams an endless manifest is cut off at 4 MiB', async () => {
    project = mkdtempSync(join(tmpdir(), 'mlrun-images-endless-'));
    server = createServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' });
      const chunk = Buffer.alloc(64 * 1024, 'a');
      const more = () => {
        while (response.write(chunk)) {}
        response.once('drain', more);
      };
      more();
      response.on('close', () => response.removeAllListeners('drain'));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    port = (server.address() as { port: number }).port;
    const before = process.memoryUsage().rss;
    await expect(resolveDigest(`127.0.0.1:${port}/endless:1`)).rejects.toThrow('answered with more than 4 MiB');
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
  });

  test('a lock file of nearly 4 MiB is read (in about a second: `npm run bench:hostile`); a larger one is refused', () => {
    project = mkdtempSync(join(tmpdir(), 'mlrun-images-lock-'));
    server = createServer();
    server.listen(0);
    const lines = ['version: 1', 'bases:'];
    for (let size = 0, index = 0; size < 4 * 1024 * 1024 - 50_000; index++) {
      const line = `  registry.example.com/team/image-${index}:tag: {digest: sha256:${'a'.repeat(64)}}`;
      lines.push(line);
      size += line.length + 1;
    }
    expect(parseLock(lines.join('\n')).bases.size).toBeGreaterThan(30_000);
    expect(() => parseLock(`${lines.join('\n')}\n${'#'.repeat(100_000)}`)).toThrow('it is larger than 4 MiB');
    expect(() => parseLock('version: 1\nbases:\n  a:1: {digest: sha256:' + 'a'.repeat(64) + '}\n  a:1: {digest: sha256:' + 'b'.repeat(64) + '}\n')).toThrow(
      '`a:1` is listed twice under `bases:`',
    );
  });
});

describe('7. a failing, interrupted or killed build says what happened, and leaves nothing running', () => {
  test.each([
    [
      'BuildKit',
      [
        '#7 [2/2] RUN exit 7',
        '#7 ERROR: process "/bin/sh -c exit 7" did not complete successfully: exit code: 7',
        'ERROR: failed to solve: process "/bin/sh -c exit 7" did not complete successfully: exit code: 7',
      ],
      '`RUN exit 7` exited with 7 (docker buildx build exited with 1)',
    ],
    [
      'the classic builder',
      ['Step 2/2 : RUN exit 7', ' ---> Running in 1', "The command '/bin/sh -c exit 7' returned a non-zero code: 7"],
      '`RUN exit 7` exited with 7 (docker buildx build exited with 1)',
    ],
    [
      'buildah and podman',
      ['STEP 2/2: RUN exit 7', 'Error: building at STEP "RUN exit 7": while running runtime: exit status 7'],
      '`RUN exit 7` exited with 7 (docker buildx build exited with 1)',
    ],
    ['no step named', ['some error'], 'docker buildx build exited with 1'],
  ])("%s: the step's own exit code and instruction", (_engine, lines, reason) => {
    const reader = failedStepReader();
    for (const line of lines) reader.read(line);
    expect(buildFailureReason({ command: 'docker', args: ['buildx', 'build'] }, { exitCode: 1 }, reader.failed())).toBe(reason);
  });

  test('a build killed from outside says it was killed', () => {
    expect(buildFailureReason({ command: 'podman', args: ['build'] }, { exitCode: 1, signal: 'SIGKILL' }, undefined)).toBe('podman build was killed (SIGKILL)');
  });

  test('a cancelled command is stopped with every process it started, those that ignore SIGTERM too', async () => {
    const controller = new AbortController();
    // A shell that starts two sleepers, one of which ignores SIGTERM, and waits.
    const running = execaRunner.run(
      { command: 'sh', args: ['-c', "sleep 300 & (trap '' TERM; sleep 301) & wait"] },
      { signal: controller.signal, stopGraceMs: 500 },
    );
    await new Promise((resume) => setTimeout(resume, 500));
    const shells = execFileSync('pgrep', ['-f', '^sleep 30[01]$'], { encoding: 'utf8' }).trim().split('\n').map(Number);
    expect(shells.length).toBeGreaterThanOrEqual(2);
    controller.abort();
    const result = await running;
    expect(result.exitCode).toBe(130);
    await new Promise((resume) => setTimeout(resume, 200));
    for (const pid of shells) expect(existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ')).toBe(false);
  });

  test('descendantsOf finds the whole tree, deepest first', async () => {
    const child = spawn('sh', ['-c', 'sh -c "sleep 30" & wait'], { stdio: 'ignore' });
    await new Promise((resume) => setTimeout(resume, 300));
    const below = descendantsOf(child.pid!);
    expect(below.length).toBe(2);
    child.kill('SIGKILL');
    for (const pid of below) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
  });
});

describe('8. messages point at the cause', () => {
  test('a misspelt top-level key is reported with what it means, before the undeclared variables it causes', () => {
    const text = yaml('version: 1', 'variabels:', '  APP: x', 'build_args: [APP]', 'images:', '  a:', '    base: debian:${APP}');
    expect(problemsOf(text)[0]).toBe(
      'images.yaml:2:1: unknown field `variabels` in the manifest (did you mean `variables`?); expected one of: version, variables, build_args, variants, sources, images',
    );
  });

  test('git missing from PATH is said, not taken for "not in a git checkout"', async () => {
    project = mkdtempSync(join(tmpdir(), 'mlrun-images-nogit-'));
    writeFileSync(join(project, 'images.yaml'), yaml('version: 1', 'images:', '  a:', '    base: debian:12'));
    const runner = { run: async () => ({ exitCode: 1, output: 'Command failed with ENOENT: git rev-parse --show-toplevel\nspawn git ENOENT' }) };
    const result = await runCli(project, ['list', '--changed-since', 'HEAD'], { runner });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('git is not installed (not on PATH)');
  });
});

void statSync;
