/**
 * The contract with MLRun: MLRun's client picks its images' tags itself, so the family must be pushed under exactly the
 * tags it asks for, each holding the python the tag promises; and what is version-specific follows the mlrun checkout
 * being built (the 1.7.x layout and the development layout, our fixture checkouts).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { PACKAGE_ROOT } from '../../src/cli/files.js';
import { contextPathsOf } from '../../src/layers/index.js';
import { layersOfImage } from '../../src/family/inherit.js';
import { type CheckoutLayout, copyOfProject, load, MLRUN_CHECKOUTS, recordingRunner, runCli, UI_CHECKOUT } from '../helpers.js';

const MANIFEST = readFileSync(join(PACKAGE_ROOT, 'images.yaml'), 'utf8');
const RUNTIME_IMAGES = ['mlrun', 'mlrun-gpu', 'ml-base'];
const scratch = mkdtempSync(join(tmpdir(), 'mlrun-images-contract-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A folder with the manifest only: no mlrun checkout, so the versions' pythons come from MLRun's history. */
const bare = (() => {
  const folder = join(scratch, 'bare');
  cpSync(join(PACKAGE_ROOT, 'images.yaml'), join(folder, 'images.yaml'), { recursive: true });
  return folder;
})();

interface ListedUnit {
  name: string;
  image: string;
  reference: string;
  variant: Record<string, string>;
}

async function listed(cwd: string, env: Record<string, string>): Promise<{ units: ListedUnit[]; stderr: string }> {
  const result = await runCli(cwd, ['list', '--json', '-'], { env: { MLRUN_UI_SOURCE: UI_CHECKOUT, ...env } });
  expect(result.code, result.stderr).toBe(0);
  return { units: (JSON.parse(result.stdout) as { images: ListedUnit[] }).images, stderr: result.stderr };
}

async function resolved(image: string, clientVersion: string, clientPython: string): Promise<string> {
  const result = await runCli(bare, ['resolve', `mlrun/${image}`, '--client-version', clientVersion, '--client-python-version', clientPython]);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.trim();
}

/**
 * For each MLRun version: the client's package version, and the python of its images without a tag suffix (MLRun's
 * own words: 1.7.x images are python 3.9; for 1.9.x and 1.10.x and development builds python 3.11 has no suffix and
 * python 3.9 is `-py39`; from 1.11 python 3.11 only).
 */
const VERSIONS: [string, string, string][] = [
  ['1.7.0', '1.7.0', '3.9'],
  ['1.7.2', '1.7.2', '3.9'],
  ['1.8.0', '1.8.0', '3.9'],
  ['1.9.0-rc2', '1.9.0-rc2', '3.11'],
  ['1.9.1', '1.9.1', '3.11'],
  ['1.10.0', '1.10.0', '3.11'],
  ['1.11.0', '1.11.0', '3.11'],
  ['2.0.0', '2.0.0', '3.11'],
  ['unstable', '0.0.0+unstable', '3.11'],
];
const CLIENT_PYTHONS = ['3.9.18', '3.10.14', '3.11.9'];

describe("what MLRun's client asks for is what the family builds, in the python it promises", () => {
  test.each(VERSIONS)('MLRUN_VERSION=%s (a %s client), no checkout', async (version, clientVersion, unsuffixed) => {
    const { units } = await listed(bare, { MLRUN_VERSION: version });
    for (const image of RUNTIME_IMAGES) {
      for (const python of CLIENT_PYTHONS) {
        const reference = await resolved(image, clientVersion, python);
        const unit = units.find((candidate) => candidate.reference === reference);
        expect(unit, `${reference} (asked by a python ${python} client of ${clientVersion}) is not in \`list\``).toBeDefined();
        const promised = /-py(\d)(\d+)$/.exec(reference);
        expect(unit!.variant.MLRUN_PYTHON_VERSION, reference).toBe(promised ? `${promised[1]}.${promised[2]}` : unsuffixed);
      }
    }
    // No tag of our own: every runtime image's tag is one a client of some python asks for.
    const asked = new Set<string>();
    for (const image of RUNTIME_IMAGES) for (const python of CLIENT_PYTHONS) asked.add(await resolved(image, clientVersion, python));
    expect(units.filter((unit) => RUNTIME_IMAGES.includes(unit.image)).map((unit) => unit.reference)).toEqual(
      units.filter((unit) => asked.has(unit.reference)).map((unit) => unit.reference),
    );
  });

  test.each([
    ['1.7.x', '1.7.2', '1.7.2'],
    ['development', '1.9.1', '1.9.1'],
    ['development', '1.10.0', '1.10.0'],
    ['development', 'unstable', '0.0.0+unstable'],
  ] as const)('the %s checkout at MLRUN_VERSION=%s builds what its clients ask for', async (layout, version, clientVersion) => {
    const project = copyOfProject('mlrun-images-asked-', layout);
    try {
      const { units, stderr } = await listed(project, { MLRUN_VERSION: version });
      expect(stderr).toBe('');
      for (const image of RUNTIME_IMAGES) {
        for (const python of CLIENT_PYTHONS) expect(units.map((unit) => unit.reference)).toContain(await resolved(image, clientVersion, python));
      }
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  test("MLRUN_VERSION=1.4.0 builds what `make docker-images` builds, and says which of MLRun's pythons it leaves out", async () => {
    const { units, stderr } = await listed(bare, { MLRUN_VERSION: '1.4.0' });
    // make docker-images: api, mlrun, mlrun-gpu, jupyter, base and log-collector, in the Makefile's python (3.9), no suffix.
    expect(units.filter((unit) => unit.image !== 'mlrun-ui').map((unit) => [unit.reference, unit.variant.MLRUN_PYTHON_VERSION])).toEqual([
      ['mlrun/mlrun:1.4.0', '3.9'],
      ['mlrun/mlrun-gpu:1.4.0', '3.9'],
      ['mlrun/ml-base:1.4.0', '3.9'],
      ['mlrun/jupyter:1.4.0', '3.9'],
      ['mlrun/mlrun-api:1.4.0', '3.9'],
      ['mlrun/log-collector:1.4.0', '3.9'],
    ]);
    expect(stderr).toContain('MLRun 1.4.0 also publishes python 3.7 (1.4.0-py37) images; images.yaml does not build `mlrun` in 3.7');
  });

  test("the Makefile's variables work as upstream's: MLRUN_PYTHON_VERSION builds one python, INCLUDE_PYTHON_VERSION_SUFFIX suffixes it", async () => {
    const { units } = await listed(bare, { MLRUN_VERSION: '1.9.1', MLRUN_PYTHON_VERSION: '3.9', INCLUDE_PYTHON_VERSION_SUFFIX: 'true' });
    expect(units.filter((unit) => RUNTIME_IMAGES.includes(unit.image)).map((unit) => unit.reference)).toEqual([
      'mlrun/mlrun:1.9.1-py39',
      'mlrun/mlrun-gpu:1.9.1-py39',
      'mlrun/ml-base:1.9.1-py39',
    ]);
    expect(units.find((unit) => unit.image === 'jupyter')).toMatchObject({ reference: 'mlrun/jupyter:1.9.1', variant: { MLRUN_PYTHON_VERSION: '3.9' } });
  });
});

describe('what is version-specific follows the checkout being built', () => {
  /** What a 1.7.x checkout and a development checkout say, as the build passes it. */
  const FACTS: Record<CheckoutLayout, { buildArgs: string[]; tests: string[] }> = {
    '1.7.x': {
      buildArgs: [
        'MLRUN_PIP_VERSION=24.0',
        'MLRUN_GPU_CUDA_VERSION=11.7.1-cudnn8-devel-ubuntu20.04',
        'MLRUN_API_PYTHONPATH=',
        'MLRUN_DEMOS_REF=1.7.x',
        'MLRUN_LOG_COLLECTOR_GO_VERSION=1.21',
        'MLRUN_PYTHON_VERSION=3.9',
      ],
      tests: ['"import server.api.main"', '/home/jovyan/mlrun/server/api/uvicorn_log_config.yaml'],
    },
    development: {
      buildArgs: [
        'MLRUN_PIP_VERSION=24.2',
        'MLRUN_GPU_CUDA_VERSION=11.8.0-cudnn8-devel-ubuntu22.04',
        'MLRUN_API_PYTHONPATH=server/py',
        'MLRUN_DEMOS_REF=development',
        'MLRUN_LOG_COLLECTOR_GO_VERSION=1.23',
        'MLRUN_PYTHON_VERSION=3.11',
        'MLRUN_PYTHON_VERSION=3.9',
      ],
      tests: ['"import services.api.main"', '/home/jovyan/mlrun/server/py/services/api/uvicorn_log_config.yaml'],
    },
  };

  test.each(Object.keys(FACTS) as CheckoutLayout[])('the %s checkout generates, lints clean and dry-runs with its own facts and tests', async (layout) => {
    const project = copyOfProject('mlrun-images-layout-', layout);
    try {
      const env = { MLRUN_UI_SOURCE: UI_CHECKOUT };
      // generate needs no checkout, and writes the same files whatever the checkout says.
      expect((await runCli(project, ['generate'], { env })).code).toBe(0);
      expect(readFileSync(join(project, 'generated', 'mlrun', 'Dockerfile'), 'utf8')).toBe(
        readFileSync(join(PACKAGE_ROOT, 'generated', 'mlrun', 'Dockerfile'), 'utf8'),
      );
      const lint = await runCli(project, ['lint'], { env });
      expect(lint.code, lint.stdout + lint.stderr).toBe(0);
      expect(lint.stdout).toMatch(/^0 error\(s\)/m);
      const dryRun = await runCli(project, ['build', '--dry-run', '--test', '--engine', 'docker'], { env });
      expect(dryRun.code, dryRun.stderr).toBe(0);
      for (const buildArg of FACTS[layout].buildArgs) expect(dryRun.stdout).toContain(`--build-arg ${buildArg} `);
      for (const test of FACTS[layout].tests) expect(dryRun.stdout).toContain(test);
      // `list --json -` says what the checkout said, and where.
      const facts = JSON.parse((await runCli(project, ['list', '--json', '-'], { env })).stdout).facts as Record<string, { value: string; origin: string }>;
      expect(facts.MLRUN_PIP_VERSION).toEqual({ value: FACTS[layout].buildArgs[0]!.split('=')[1], origin: "the mlrun checkout's Makefile:7" });
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  test("the ui checkout's commit and commit date reach the UI's build", async () => {
    const ui = join(scratch, 'ui-git');
    cpSync(UI_CHECKOUT, ui, { recursive: true });
    const git = (...args: string[]) => runGit(ui, args);
    git('init', '-q');
    git('add', '.');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'ui', '--date', '2025-12-03T10:03:01Z');
    const commit = git('rev-parse', '--short', 'HEAD');
    const project = copyOfProject('mlrun-images-ui-git-');
    try {
      const dryRun = await runCli(project, ['build', '--dry-run', '--engine', 'docker', 'mlrun-ui'], { env: { MLRUN_UI_SOURCE: ui } });
      expect(dryRun.code, dryRun.stderr).toBe(0);
      expect(dryRun.stdout).toContain(`--build-arg MLRUN_UI_COMMIT=${commit} `);
      expect(dryRun.stdout).toContain('--build-arg MLRUN_UI_DATE=2025-12-03T10:03:01+00:00 ');
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });
});

describe('a full check of the checkout before any engine runs', () => {
  /** Every path the family copies from the mlrun checkout, and the API's log config (a path the checkout names). */
  function copiedPaths(): string[] {
    const family = load(MANIFEST);
    const paths = family.order
      .filter((image) => family.graph.image(image).spec.source === 'mlrun')
      .flatMap((image) => layersOfImage(family.images.get(image)!).filter((layer) => layer.params.from === undefined))
      .flatMap((layer) => contextPathsOf([layer]))
      .filter((path) => path !== '.');
    return [...new Set(paths)];
  }

  test('the family copies these paths', () => {
    expect(copiedPaths()).toEqual(
      expect.arrayContaining([
        'requirements.txt',
        'docs/_static/images/MLRun-logo.png',
        'dockerfiles/mlrun-api/start_api.sh',
        'pipeline-adapters/mlrun-pipelines-kfp-v1-8',
      ]),
    );
  });

  const LAYOUT_CASES = (Object.keys(MLRUN_CHECKOUTS) as CheckoutLayout[]).flatMap((layout) => {
    const logConfig = layout === '1.7.x' ? 'server/api/uvicorn_log_config.yaml' : 'server/py/services/api/uvicorn_log_config.yaml';
    return [...copiedPaths(), logConfig].map((path) => [layout, path] as const);
  });

  test.each(LAYOUT_CASES)('the %s checkout without %s: lint and build fail before the engine, naming the path', async (layout, path) => {
    const project = copyOfProject('mlrun-images-missing-', layout);
    try {
      rmSync(join(project, path), { recursive: true });
      const env = { MLRUN_UI_SOURCE: UI_CHECKOUT };
      const lint = await runCli(project, ['lint'], { env });
      expect(lint.code).toBe(2);
      expect(lint.stderr).toContain(`\`${path}\``);
      expect(lint.stderr).toMatch(/images\.yaml:\d+:\d+: /);
      const { runner, calls } = recordingRunner();
      const build = await runCli(project, ['build', '--engine', 'docker'], { env, runner });
      expect(build.code).toBe(2);
      expect(build.stderr).toBe(lint.stderr);
      expect(calls).toEqual([]);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  test("a path the ui checkout lacks names the image, the layer and the path; the checkout's .dockerignore counts", async () => {
    const ui = join(scratch, 'ui-missing');
    cpSync(UI_CHECKOUT, ui, { recursive: true });
    rmSync(join(ui, 'config.json.tmpl'));
    writeFileSync(join(ui, '.dockerignore'), 'nginx/run_nginx\n');
    const project = copyOfProject('mlrun-images-ui-missing-');
    const lint = await runCli(project, ['lint'], { env: { MLRUN_UI_SOURCE: ui } });
    rmSync(project, { recursive: true, force: true });
    expect(lint.code).toBe(2);
    expect(lint.stderr).toMatch(/images\.yaml:\d+:\d+: image `mlrun-ui`, layer `copy`: `config\.json\.tmpl` is not in the ui checkout/);
    expect(lint.stderr).toMatch(/image `mlrun-ui`, layer `copy`: `nginx\/run_nginx` is left out of the build by the ui checkout's \.dockerignore/);
  });
});

function runGit(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_COMMITTER_DATE: '2025-12-03T10:03:01Z' } }).trim();
}
