import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { execa, execaSync } from 'execa';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { copyOfProject, load, runCli, UI_CHECKOUT } from '../helpers.js';

/**
 * `bake` and `ci github` on a copy of this project's family, inside the development fixture checkout: for MLRun 1.9.1
 * its runtime images are built in python 3.11 (no suffix) and 3.9 (`-py39`).
 */
let project: string;
const env = { MLRUN_UI_SOURCE: UI_CHECKOUT };
const run = (args: string[]) => runCli(project, args, { env });
beforeEach(async () => {
  project = copyOfProject('mlrun-images-bake-', 'development');
  expect((await run(['generate'])).code).toBe(0);
});
afterEach(() => rmSync(project, { recursive: true, force: true }));

interface BakeJson {
  variable: Record<string, unknown>;
  group: Record<string, { targets: string[] }>;
  target: Record<
    string,
    {
      context: string;
      dockerfile: string;
      args: Record<string, string>;
      contexts?: Record<string, string>;
      tags: string[];
      labels: Record<string, string>;
      'cache-from'?: string[];
      'cache-to'?: string[];
    }
  >;
}
const bakeJson = (path = 'docker-bake.json') => JSON.parse(readFileSync(join(project, path), 'utf8')) as BakeJson;

const hasBuildx = execaSync('docker', ['buildx', 'version'], { reject: false }).exitCode === 0;
if (!hasBuildx && process.env.CI) throw new Error('CI must have docker buildx (scripts/dev-engine.sh installs it): the bake file is checked by bake itself');

describe('mlrun-images bake', () => {
  test('a target per variant, parents as named contexts, a group per image with its ancestors, and default', async () => {
    const result = await run(['bake', '--set', 'MLRUN_VERSION=1.9.1', '--set', 'MLRUN_DOCKER_REGISTRY=quay.io/']);
    expect(result, result.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(
      'wrote docker-bake.json: 10 target(s), 8 group(s); from its folder: docker buildx bake -f docker-bake.json [TARGET|GROUP...] [--push]\n',
    );
    const file = bakeJson();
    expect(Object.keys(file.target)).toEqual([
      'mlrun-py311',
      'mlrun-py39',
      'mlrun-gpu-py311',
      'mlrun-gpu-py39',
      'ml-base-py311',
      'ml-base-py39',
      'jupyter',
      'mlrun-api',
      'mlrun-ui',
      'log-collector',
    ]);
    expect(file.group['ml-base']).toEqual({ targets: ['mlrun-py311', 'ml-base-py311', 'mlrun-py39', 'ml-base-py39'] });
    expect(file.group['mlrun-ui']).toEqual({ targets: ['mlrun-ui'] });
    expect(file.group.default!.targets).toEqual(Object.keys(file.target));
    const mlBase = file.target['ml-base-py39']!;
    expect(mlBase).toMatchObject({
      context: '.',
      dockerfile: 'generated/ml-base/Dockerfile',
      contexts: { 'quay.io/mlrun/mlrun:1.9.1-py39': 'target:mlrun-py39' },
      tags: ['quay.io/mlrun/ml-base:1.9.1-py39'],
      labels: { 'org.opencontainers.image.title': 'ml-base', 'org.opencontainers.image.version': '1.9.1' },
    });
    expect(file.target['ml-base-py311']!.tags).toEqual(['quay.io/mlrun/ml-base:1.9.1']);
    // Each target carries its input digest, as `build` labels the image: build and status know what bake made.
    const digests = Object.values(file.target).map((target) => target.labels['org.mlrun-images.inputs']);
    for (const digest of digests) expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(new Set(digests).size).toBe(digests.length);
    // The parent's reference is what the Dockerfile's FROM names: the named context replaces it.
    expect(mlBase.args.BASE_IMAGE).toBe('quay.io/mlrun/mlrun:1.9.1-py39');
    expect(file.target['mlrun-py39']!.args.MLRUN_PYTHON_VERSION).toBe('3.9');
    // Each target is passed the build arguments its Dockerfile declares: the checkout's facts among them.
    expect(file.target['mlrun-api']!.args).toMatchObject({ MLRUN_API_PYTHONPATH: 'server/py', MLRUN_PIP_VERSION: '24.2', MLRUN_PYTHON_VERSION: '3.9' });
    expect(mlBase.args).not.toHaveProperty('MLRUN_UI_COMMIT');
    expect(resolve(project, file.target['mlrun-ui']!.context)).toBe(UI_CHECKOUT);
    expect(file.variable).toHaveProperty('GENERATED_BY_MLRUN_IMAGES');
  });

  test('-o FILE: paths relative to its folder; images named select them with their ancestors; cache settings per target', async () => {
    mkdirSync(join(project, 'ci'));
    const result = await run(['bake', 'ml-base', '-o', 'ci/bake.json', '--cache-to', '127.0.0.1:5000/cache', '--no-cache']);
    expect(result.code, result.stderr).toBe(0);
    const file = bakeJson('ci/bake.json');
    expect(Object.keys(file.target)).toEqual(['mlrun-py311', 'mlrun-py39', 'ml-base-py311', 'ml-base-py39']);
    expect(file.target['ml-base-py39']).toMatchObject({
      context: '..',
      dockerfile: 'generated/ml-base/Dockerfile',
      'cache-from': ['type=registry,ref=127.0.0.1:5000/cache:ml-base-py39'],
      'cache-to': ['type=registry,ref=127.0.0.1:5000/cache:ml-base-py39,mode=max'],
      'no-cache': true,
    });
  });

  test('a literal ${ in a value is escaped as $${ (bake would read it as its own variable)', async () => {
    const result = await run(['bake', 'jupyter', '--set', 'MLRUN_VERSION=1.9.1', '--set', 'MLRUN_CACHE_DATE=${NOT_A_BAKE_VARIABLE}']);
    expect(result.code, result.stderr).toBe(0);
    expect(bakeJson().target.jupyter!.args.MLRUN_CACHE_DATE).toBe('$${NOT_A_BAKE_VARIABLE}');
  });

  test.each([
    [
      'a hand-written docker-bake.json',
      () => writeFileSync(join(project, 'docker-bake.json'), '{"target": {}}\n'),
      2,
      'refusing to replace docker-bake.json: not written by mlrun-images',
    ],
    ['a stale generated/', () => writeFileSync(join(project, 'generated', 'mlrun', 'Dockerfile'), 'FROM x\n'), 1, 'generated/ is stale'],
  ])('refuses %s', async (_what, arrange, code, message) => {
    arrange();
    const result = await run(['bake']);
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(message);
  });

  test.skipIf(!hasBuildx)('docker buildx bake --print reads the file as written, with every target, context and group', async () => {
    expect((await run(['bake', '--set', 'MLRUN_VERSION=1.9.1', '--cache-to', '127.0.0.1:5000/cache', '--set', 'MLRUN_CACHE_DATE=${x}'])).code).toBe(0);
    const written = bakeJson();
    const printed = await execa('docker', ['buildx', 'bake', '-f', 'docker-bake.json', '--print', 'ml-base', 'jupyter'], { cwd: project, reject: false });
    expect(printed.exitCode, printed.stderr).toBe(0);
    const resolved = JSON.parse(printed.stdout) as BakeJson;
    expect(resolved.group['ml-base']!.targets).toEqual(written.group['ml-base']!.targets);
    const base = resolved.target['ml-base-py39']!;
    expect(base.contexts).toEqual(written.target['ml-base-py39']!.contexts);
    expect(base.args).toEqual(written.target['ml-base-py39']!.args);
    expect(base.tags).toEqual(['mlrun/ml-base:1.9.1-py39']);
    // Escaped in the file, the value bake builds with is the literal one.
    expect(written.target.jupyter!.args.MLRUN_CACHE_DATE).toBe('$${x}');
    expect(resolved.target.jupyter!.args).toEqual({ ...written.target.jupyter!.args, MLRUN_CACHE_DATE: '${x}' });
    expect(base['cache-to']).toEqual(['type=registry,ref=127.0.0.1:5000/cache:ml-base-py39,mode=max']);
  });
});

/** The workflow as GitHub reads it: its errors and its jobs. */
async function githubReads(text: string) {
  const parsed = parseWorkflow({ name: 'mlrun-images.yml', content: text }, new NoOperationTraceWriter());
  const template = await convertWorkflowTemplate(parsed.context, parsed.value!);
  return {
    errors: [...parsed.context.errors.getErrors(), ...(template.errors ?? [])].map((error) => ('message' in error ? error.message : error.Message)),
    jobs: template.jobs.map((job) => ({ id: job.id.value, needs: ('needs' in job ? (job.needs ?? []) : []).map((need) => need.value) })),
  };
}

describe('mlrun-images ci github', () => {
  test('a job per image, needs from the family graph, a matrix over variants: what GitHub reads, without errors', async () => {
    const result = await run(['ci', 'github']);
    expect(result, result.stderr).toMatchObject({ code: 0, stdout: 'wrote .github/workflows/mlrun-images.yml\n' });
    const text = readFileSync(join(project, '.github', 'workflows', 'mlrun-images.yml'), 'utf8');
    const { errors, jobs } = await githubReads(text);
    expect(errors).toEqual([]);
    const family = load(readFileSync(join(project, 'images.yaml'), 'utf8'));
    expect(Object.fromEntries(jobs.map((job) => [job.id, job.needs]))).toEqual(
      Object.fromEntries(family.order.map((image) => [image, family.graph.parentOf(image) === undefined ? [] : [family.graph.parentOf(image)]])),
    );
    const workflow = parse(text) as {
      jobs: Record<
        string,
        {
          strategy?: { matrix: { include: Record<string, string>[] } };
          env?: Record<string, string>;
          steps: { uses?: string; run?: string; with?: Record<string, string> }[];
        }
      >;
    };
    // Which pythons an image is built in depends on the version a run builds (the tag): each job builds them all.
    expect(workflow.jobs['ml-base']!.strategy).toBeUndefined();
    expect(workflow.jobs['ml-base']!.env).toBeUndefined();
    expect(workflow.jobs['mlrun-ui']!.strategy).toBeUndefined();
    const steps = workflow.jobs['mlrun-api']!.steps;
    expect(steps.map((step) => step.uses).filter(Boolean)).toEqual([
      'actions/checkout@v4',
      'actions/checkout@v4',
      'actions/setup-node@v4',
      'docker/setup-buildx-action@v3',
      'docker/login-action@v3',
    ]);
    expect(steps[1]!.with!.path).toBe('.sources/mlrun');
    // Only runs that push (and so logged in) write the shared cache.
    expect(steps.at(-1)!.run).toContain(
      'npx --no-install mlrun-images build -f images.yaml mlrun-api $deps $([ "$PUSH" = true ] && echo --push ${MLRUN_IMAGES_CACHE:+--cache-to "$MLRUN_IMAGES_CACHE"})',
    );
    // mlrun-gpu's job builds mlrun too when it does not push: both sources are checked out (here the same one).
    const checkouts = (job: string) => workflow.jobs[job]!.steps.filter((step) => step.with?.path).map((step) => step.with!.path);
    expect(checkouts('mlrun-gpu')).toEqual(['.sources/mlrun']);
    expect(checkouts('mlrun-ui')).toEqual(['.sources/ui']);
    expect(text.startsWith('# Generated by mlrun-images from images.yaml')).toBe(true);
  });

  test('a variant other than the python is a matrix of its own', async () => {
    const manifest = join(project, 'images.yaml');
    writeFileSync(
      manifest,
      readFileSync(manifest, 'utf8')
        .replace(
          'variants:\n  MLRUN_PYTHON_VERSION: ["3.9", "3.11"]',
          'variants:\n  MLRUN_PYTHON_VERSION: ["3.9", "3.11"]\n  MLRUN_KUBECTL_VERSION: ["v1.29.4", "v1.30.0"]',
        )
        .replace('build_args:\n', 'build_args:\n  - MLRUN_KUBECTL_VERSION\n'),
    );
    const result = await run(['ci', 'github']);
    expect(result.code, result.stderr).toBe(0);
    const text = readFileSync(join(project, '.github', 'workflows', 'mlrun-images.yml'), 'utf8');
    expect((await githubReads(text)).errors).toEqual([]);
    const job = (parse(text) as { jobs: Record<string, { strategy?: { matrix: { include: unknown[] } }; env?: unknown }> }).jobs.mlrun!;
    expect(job.strategy!.matrix.include).toEqual([{ MLRUN_KUBECTL_VERSION: 'v1.29.4' }, { MLRUN_KUBECTL_VERSION: 'v1.30.0' }]);
    expect(job.env).toEqual({ MLRUN_KUBECTL_VERSION: '${{ matrix.MLRUN_KUBECTL_VERSION }}' });
  });

  test('--bake: one job that bakes the whole family', async () => {
    expect((await run(['ci', 'github', '--bake', '-o', 'bake.yml'])).code).toBe(0);
    const text = readFileSync(join(project, 'bake.yml'), 'utf8');
    const { errors, jobs } = await githubReads(text);
    expect(errors).toEqual([]);
    expect(jobs).toEqual([{ id: 'images', needs: [] }]);
    expect(text).toContain('--engine bake');
  });

  test.each([
    [['ci'], 'ci: expected the CI system to write a workflow for: `mlrun-images ci github`'],
    [['ci', 'gitlab'], 'ci: expected the CI system to write a workflow for'],
  ])('%j exits 2', async (args, message) => {
    const result = await run(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  test('a workflow someone wrote is never replaced', async () => {
    mkdirSync(join(project, '.github', 'workflows'), { recursive: true });
    writeFileSync(join(project, '.github', 'workflows', 'mlrun-images.yml'), 'name: mine\n');
    const result = await run(['ci', 'github']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('refusing to replace .github/workflows/mlrun-images.yml: not written by mlrun-images');
    expect(readFileSync(join(project, '.github', 'workflows', 'mlrun-images.yml'), 'utf8')).toBe('name: mine\n');
  });
});
