import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { ProcessRunner } from '../../src/engines/process.js';
import { LINT_RULES, RULE_IDS } from '../../src/lint/lint.js';
import { copyOfProject, recordingRunner, runCli } from '../helpers.js';

let project: string;
beforeEach(() => {
  project = copyOfProject('mlrun-images-lint-');
});
afterEach(() => rmSync(project, { recursive: true, force: true }));

async function run(args: string[], options: { env?: Record<string, string>; runner?: ProcessRunner } = {}) {
  return runCli(project, args, options);
}

const read = (path: string) => readFileSync(join(project, path), 'utf8');
const edit = (path: string, change: (text: string) => string) => writeFileSync(join(project, path), change(read(path)));

/** `images.yaml:LINE:COL` of each layer of a kind (`      - mlrun:` → the column of `mlrun`), read from the copied manifest. */
function layerKeys(kind: string): string[] {
  return read('images.yaml')
    .split('\n')
    .flatMap((line, index) => (new RegExp(`^\\s*- ${kind}:`).test(line) ? [`images.yaml:${index + 1}:${line.indexOf(kind) + 1}`] : []));
}

/** `images.yaml:LINE:COL` of the `packages` list of each apt layer (where its note is reported). */
function aptPackageLists(): string[] {
  const lines = read('images.yaml').split('\n');
  return lines.flatMap((line, index) => {
    if (!/^\s*- apt:/.test(line)) return [];
    const offset = lines.slice(index + 1).findIndex((next) => /^\s*packages: \[/.test(next));
    const packages = lines[index + 1 + offset]!;
    return [`images.yaml:${index + 2 + offset}:${packages.indexOf('[') + 1}`];
  });
}

/** The UI, demos and functions refs pinned to tags (the defaults are branches, which moving-ref reports). */
const PINNED_REFS = { MLRUN_UI_REF: 'v1.7.0', MLRUN_DEMOS_REF: 'v1.7.0', MLRUN_FUNCTIONS_REF: 'v1.7.0' };
/** A release build: MLRUN_VERSION and the refs pinned. */
const RELEASE = { MLRUN_VERSION: '1.7.0', ...PINNED_REFS };

const DEVELOPMENT =
  'the mlrun layer installs a development build (MLRUN_VERSION is `unstable`); build a release (MLRUN_VERSION=1.7.0), or install one with `version`';

/** The checkout's requirement files the family installs, in the order lint reports them (by path). */
const REQUIREMENT_FILES = [
  'dockerfiles/base/requirements.txt',
  'dockerfiles/jupyter/requirements.txt',
  'dockerfiles/mlrun-api/requirements.txt',
  'dockerfiles/mlrun/requirements.txt',
  'extras-requirements.txt',
  'requirements.txt',
];

/** `FILE:LINE:1` of every requirement of the checkout's files: upstream's ranges (`~=`), none pinned with `==`. */
function upstreamRanges(): string[] {
  return REQUIREMENT_FILES.flatMap((file) =>
    read(file)
      .split('\n')
      .flatMap((line, index) => (line.trim() === '' || line.startsWith('#') ? [] : [`${file}:${index + 1}:1`])),
  );
}

/** `images.yaml:LINE:COL` of each `pip~=${MLRUN_PIP_VERSION}` the manifest installs (upstream's pip range). */
function pipRanges(): string[] {
  return read('images.yaml')
    .split('\n')
    .flatMap((line, index) => (line.includes('packages: ["pip~=') ? [`images.yaml:${index + 1}:${line.indexOf('"pip~=') + 1}`] : []));
}

/** The copy with every requirement pinned with `==`: what a production build of the family needs. */
function pinEverything() {
  for (const file of REQUIREMENT_FILES) edit(file, (text) => text.replace(/~=|>=/g, '==').replace(/,\s*<[\d.]+/g, ''));
  edit('images.yaml', (text) => text.replaceAll('"pip~=${MLRUN_PIP_VERSION}"', '"pip==${MLRUN_PIP_VERSION}"'));
}

describe('lint', () => {
  test("the default family exits 0 with warnings (upstream's ranges, the development mlrun layers) and notes (apt packages), one line each, then the counts", async () => {
    const mlrunLayers = layerKeys('mlrun');
    const aptLayers = aptPackageLists();
    expect(mlrunLayers).toHaveLength(4);
    expect(aptLayers.length).toBeGreaterThan(0);
    expect(upstreamRanges()).toHaveLength(13);
    expect(pipRanges()).toHaveLength(2);

    const result = await run(['lint'], { env: PINNED_REFS });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.split('\n');
    expect(lines.pop()).toBe('');
    const summary = lines.pop();
    for (const line of lines) expect(line).toMatch(/^[\w./-]+:\d+:\d+: (warning|note) \[[a-z-]+\] \S.*$/);
    expect(lines.filter((line) => line.includes(' warning [mlrun-unpinned] '))).toEqual(
      mlrunLayers.map((at) => `${at}: warning [mlrun-unpinned] ${DEVELOPMENT}`),
    );
    expect(lines.filter((line) => line.includes(' note [apt-unpinned] ')).map((line) => line.split(': note')[0])).toEqual(aptLayers);
    expect(lines).toContain(
      `${aptLayers[0]}: note [apt-unpinned] 5 apt package(s) without a version (build-essential, cmake, gcc, wget, git); that is fine: Debian drops old versions, so pins would break later builds`,
    );
    // Each requirement file is read once, from the checkout, though several images install it.
    const ranges = lines.filter((line) => line.includes(' warning [pip-unpinned] ')).map((line) => line.split(': warning')[0]!);
    expect(ranges.filter((at) => !at.startsWith('images.yaml:'))).toEqual(upstreamRanges());
    expect(ranges.filter((at) => at.startsWith('images.yaml:'))).toEqual(pipRanges());
    expect(lines).toContain('requirements.txt:2:1: warning [pip-unpinned] pip requirement `requests~=2.32` is not pinned with ==');
    const warnings = mlrunLayers.length + upstreamRanges().length + pipRanges().length;
    expect(lines).toHaveLength(warnings + aptLayers.length);
    expect(summary).toBe(`0 error(s), ${warnings} warning(s), ${aptLayers.length} note(s)`);
  });

  test("--production exits 1: upstream's ranges are not pins, and the mlrun layers build a development version", async () => {
    const result = await run(['lint', '--production'], { env: PINNED_REFS });
    expect(result.code).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.filter((line) => line.includes(' error [mlrun-unpinned] '))).toEqual(
      layerKeys('mlrun').map((at) => `${at}: error [mlrun-unpinned] ${DEVELOPMENT}`),
    );
    expect(lines.filter((line) => line.includes(' error [pip-unpinned] '))).toHaveLength(upstreamRanges().length + pipRanges().length);
    expect(lines.filter((line) => line.includes(' warning '))).toEqual([]);
    const errors = layerKeys('mlrun').length + upstreamRanges().length + pipRanges().length;
    expect(lines.at(-1)).toBe(`${errors} error(s), 0 warning(s), ${layerKeys('apt').length} note(s)`);
  });

  test('--production with MLRUN_VERSION=1.7.0 and every requirement pinned exits 0: only the apt notes are left', async () => {
    const release = await run(['lint', '--production'], { env: RELEASE });
    expect(release.code).toBe(1);
    expect(release.stdout).not.toContain('[mlrun-unpinned]');
    pinEverything();
    const result = await run(['lint', '--production'], { env: RELEASE });
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe(`0 error(s), 0 warning(s), ${layerKeys('apt').length} note(s)`);
    expect(result.code).toBe(0);
  });

  test('--format json prints the rules and every finding with rule, severity, file, line, col, message and image', async () => {
    const result = await run(['lint', '--format', 'json'], { env: PINNED_REFS });
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout) as { rules: Record<string, unknown>; findings: Record<string, unknown>[] };
    expect(Object.keys(output.rules)).toEqual(RULE_IDS);
    expect(output.rules).toEqual(JSON.parse(JSON.stringify(LINT_RULES)));
    expect(output.findings).toHaveLength(layerKeys('mlrun').length + layerKeys('apt').length + upstreamRanges().length + pipRanges().length);
    for (const finding of output.findings) {
      expect(Object.keys(finding).sort()).toEqual(['col', 'file', 'image', 'line', 'message', 'rule', 'severity']);
    }
    const [file, line, col] = layerKeys('mlrun')[0]!.split(':');
    expect(output.findings).toContainEqual({
      rule: 'mlrun-unpinned',
      severity: 'warning',
      file,
      line: Number(line),
      col: Number(col),
      message: DEVELOPMENT,
      image: 'mlrun',
    });
    expect(output.findings).toContainEqual({
      rule: 'pip-unpinned',
      severity: 'warning',
      file: 'dockerfiles/mlrun-api/requirements.txt',
      line: 1,
      col: 1,
      message: 'pip requirement `uvicorn~=0.27.1` is not pinned with ==',
      image: 'jupyter',
    });
    expect(output.findings.filter((finding) => finding.rule === 'apt-unpinned').every((finding) => finding.severity === 'note')).toBe(true);
  });

  test('--format json lists a switched-off finding with `suppressed`; text counts it apart and it does not fail --production', async () => {
    pinEverything();
    edit('images.yaml', (text) =>
      text.replace('  mlrun:\n    description: MLRun', '  mlrun:\n    lint: {mlrun-unpinned: "development builds"}\n    description: MLRun'),
    );
    const json = JSON.parse((await run(['lint', '--format', 'json'], { env: PINNED_REFS })).stdout) as { findings: Record<string, unknown>[] };
    expect(json.findings.filter((finding) => finding.suppressed !== undefined)).toEqual([
      expect.objectContaining({ rule: 'mlrun-unpinned', image: 'mlrun', suppressed: 'development builds' }),
    ]);
    const text = await run(['lint', '--production'], { env: PINNED_REFS });
    expect(text.code).toBe(1); // ml-base, jupyter and mlrun-api still build a development version
    expect(text.stdout.trimEnd().split('\n').at(-1)).toBe(
      `${layerKeys('mlrun').length - 1} error(s), 0 warning(s), ${layerKeys('apt').length} note(s); 1 switched off in the manifest`,
    );
  });

  test('the default refs of the demos and functions are branches (a release branch, master): moving-ref reports each', async () => {
    pinEverything();
    const result = await run(['lint', '--production'], { env: { MLRUN_VERSION: '1.7.0' } });
    expect(result.code).toBe(1);
    const moving = result.stdout.split('\n').filter((line) => line.includes(' error [moving-ref] '));
    expect(moving.map((line) => /branch `([^`]+)`/.exec(line)?.[1])).toEqual(['1.7.x', 'master']);
  });

  test('--format xml exits 2 and prints nothing on stdout', async () => {
    const result = await run(['lint', '--format', 'xml']);
    expect(result).toEqual({ code: 2, stdout: '', stderr: 'mlrun-images: --format expects text or json, got `xml`\n' });
  });

  test("an unpinned line added to the checkout's dockerfiles/mlrun/requirements.txt is reported at its FILE:LINE:1", async () => {
    const file = 'dockerfiles/mlrun/requirements.txt';
    edit(file, (text) => `${text}\n# added\nrequests>=2.31\n`);
    const line = read(file).split('\n').indexOf('requests>=2.31') + 1;
    expect(line).toBeGreaterThan(1);

    const result = await run(['lint']);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')).toContain(`${file}:${line}:1: warning [pip-unpinned] pip requirement \`requests>=2.31\` is not pinned with ==`);
    // The file is installed by mlrun and mlrun-gpu (which extends it), in both python variants: reported once.
    expect(result.stdout.split('\n').filter((text) => text.includes('requests>=2.31'))).toHaveLength(1);

    pinEverything();
    edit(file, (text) => `${text}\nrequests>=2.31\n`);
    const production = await run(['lint', '--production'], { env: RELEASE });
    expect(production.code).toBe(1);
    expect(production.stdout).toContain(`: error [pip-unpinned] pip requirement \`requests>=2.31\` is not pinned with ==\n`);
  });

  test('the checkout is found through MLRUN_SOURCE (relative to the folder it runs in) when lint does not run in it', async () => {
    const elsewhere = join(project, 'elsewhere');
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, 'images.yaml'), read('images.yaml'));
    const result = await runCli(elsewhere, ['lint'], { env: { ...PINNED_REFS, MLRUN_SOURCE: '..' } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')).toContain('../requirements.txt:2:1: warning [pip-unpinned] pip requirement `requests~=2.32` is not pinned with ==');
  });

  test.each([
    [
      {},
      'no mlrun checkout: MLRUN_SOURCE is not set, and the folder this runs in ($DIR) is not one (it has no Makefile, setup.py, mlrun/, server/, dockerfiles/); set MLRUN_SOURCE to the mlrun checkout, or run from it',
    ],
    [
      { MLRUN_SOURCE: 'nowhere' },
      'MLRUN_SOURCE=nowhere: no such folder; set MLRUN_SOURCE to the mlrun checkout (a folder with Makefile, setup.py, mlrun/, server/, dockerfiles/)',
    ],
    [
      { MLRUN_SOURCE: '.' },
      'MLRUN_SOURCE=.: . does not look like the mlrun checkout: it has no Makefile, setup.py, mlrun/, server/, dockerfiles/; set MLRUN_SOURCE to the mlrun checkout',
    ],
  ])('lint and build without an mlrun checkout (%j) exit 2 and name what was looked for', async (env, message) => {
    const elsewhere = join(project, 'elsewhere');
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, 'images.yaml'), read('images.yaml'));
    const expected = { code: 2, stdout: '', stderr: `mlrun-images: ${message.replace('$DIR', elsewhere)}\n` };
    expect(await runCli(elsewhere, ['lint'], { env })).toEqual(expected);
    const { runner, calls } = recordingRunner();
    expect(await runCli(elsewhere, ['build', '--engine', 'docker'], { env, runner })).toEqual(expected);
    expect(calls).toEqual([]);
    // generate needs only paths, not the files.
    expect((await runCli(elsewhere, ['generate'], { env })).code).toBe(0);
  });

  describe('a problem dockerfile-utils finds in a generated Dockerfile', () => {
    /** A layer kind of this project that writes MAINTAINER, which dockerfile-utils reports as deprecated. */
    function addMaintainerLayer() {
      mkdirSync(join(project, 'templates', 'layers'), { recursive: true });
      writeFileSync(join(project, 'templates', 'layers', 'maintainer.hbs'), 'MAINTAINER {{raw name}}\n');
      edit('images.yaml', (text) =>
        text.replace(
          '      - run:\n          commands:\n            - python -m pip check\n            - mkdir -p /mlrun/db',
          '      - maintainer:\n          name: mlrun\n      - run:\n          commands:\n            - python -m pip check\n            - mkdir -p /mlrun/db',
        ),
      );
      expect(read('images.yaml')).toContain('      - maintainer:\n');
    }

    test('is reported as a warning at generated/<image>/Dockerfile:LINE:COL', async () => {
      addMaintainerLayer();
      expect((await run(['generate'])).code).toBe(0);
      const dockerfile = read('generated/mlrun-api/Dockerfile').split('\n');
      const line = dockerfile.findIndex((text) => text.startsWith('MAINTAINER ')) + 1;
      expect(line).toBeGreaterThan(0);

      const result = await run(['lint']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^generated/mlrun-api/Dockerfile:${line}:1: warning \\[dockerfile\\] .*MAINTAINER.*$`, 'm'));
    });

    // Only the pinning rules become errors with --production (see lint.test.ts): a deprecated instruction must not
    // make lint --production exit 1, nor build --production refuse to build.
    test('does not fail lint --production', async () => {
      pinEverything();
      addMaintainerLayer();
      const result = await run(['lint', '--production'], { env: RELEASE });
      expect(result.stdout).toMatch(/^generated\/mlrun-api\/Dockerfile:\d+:\d+: warning \[dockerfile\] /m);
      expect(result.code).toBe(0);
    });
  });
});

describe('build --production', () => {
  test('exits 1 with the errors lint --production finds and runs nothing', async () => {
    pinEverything();
    const { runner, calls } = recordingRunner();
    const result = await run(['build', '--production', '--engine', 'docker'], { env: PINNED_REFS, runner });
    expect(result.code).toBe(1);
    expect(calls).toEqual([]);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      [
        ...layerKeys('mlrun').map((at) => `${at}: error [mlrun-unpinned] ${DEVELOPMENT}`),
        `${layerKeys('mlrun').length} error(s), 0 warning(s), 0 note(s)`,
        'mlrun-images: build --production refuses to build what lint --production rejects',
        '',
      ].join('\n'),
    );
  });

  test('lints only the images it builds', async () => {
    const { runner, calls } = recordingRunner();
    const result = await run(['build', 'mlrun-ui', '--production', '--engine', 'docker'], { env: { MLRUN_UI_REF: 'v1.7.0' }, runner });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(calls.some((call) => call.args[0] === 'build')).toBe(true);
  });

  test('with MLRUN_VERSION=1.7.0 and every requirement pinned goes on to the engine', async () => {
    pinEverything();
    const { runner, calls } = recordingRunner();
    const result = await run(['build', '--production', '--engine', 'docker'], { env: RELEASE, runner });
    expect(result.stderr).not.toContain('refuses');
    const builds = calls.filter((call) => call.command === 'docker' && call.args[0] === 'build');
    expect(builds.map((call) => call.args[call.args.indexOf('-t') + 1])).toContain('mlrun/mlrun:1.7.0');
    expect(result.code).toBe(0);
  });

  test('without --production, the development mlrun layer does not stop the build', async () => {
    const { runner, calls } = recordingRunner();
    const result = await run(['build', '--engine', 'docker'], { runner });
    expect(result.stderr).not.toContain('refuses');
    expect(calls.filter((call) => call.args[0] === 'build').length).toBeGreaterThan(0);
  });
});
