import { describe, expect, test } from 'vitest';
import { loadFamilySet, singleFamilySet } from '../../src/family/variants.js';
import { planBuild, type BuildOptions, type BuildStep } from '../../src/scheduler/plan.js';
import { UsageError } from '../../src/errors.js';
import { buildOptions, load, PLANNED_FAMILY, yaml } from '../helpers.js';

const MANIFEST = PLANNED_FAMILY;

const family = load(MANIFEST);
/** The same family without a base that reads MLRUN_DOCKER_REGISTRY, for registries written without their trailing slash. */
const PLAIN_MANIFEST = MANIFEST.replace('${MLRUN_DOCKER_REGISTRY:-docker.io/}library/debian:bookworm', 'debian:bookworm');

const options = buildOptions;

function stepsOf(overrides: Partial<BuildOptions> = {}, of = family): Map<string, BuildStep> {
  return new Map(planBuild(singleFamilySet(of), options(overrides)).steps.map((step) => [step.name, step]));
}

describe('selection', () => {
  test('planBuild refuses unknown names too', () => {
    expect(() => planBuild(singleFamilySet(family), options({ selected: ['sit'] }))).toThrow(UsageError);
    expect(() => planBuild(singleFamilySet(family), options({ selected: ['sit'] }))).toThrow(/did you mean `site`/);
  });
});

describe('planBuild: steps', () => {
  test('one step per selected image, in build order, with its reference, Dockerfile and context', () => {
    const plan = planBuild(singleFamilySet(family), options({ selected: ['plugin'] }));
    expect(plan.steps.map((step) => step.name)).toEqual(['core', 'app', 'plugin']);
    const core = plan.steps[0]!;
    expect(core.reference).toBe('mlrun/core:1.7.0');
    expect(core.dockerfile).toBe('/work/.build/dockerfiles/core/Dockerfile');
    expect(core.context).toBe('/work/context/core');
    expect(plan.steps.map((step) => step.reference)).toEqual(['mlrun/core:1.7.0', 'mlrun/app:1.7.0', 'mlrun/plugin:1.7.0']);
  });

  test('push becomes a phase after build, and noCache is passed through, for every step', () => {
    for (const step of stepsOf({ push: true, noCache: true }).values()) expect(step).toMatchObject({ phases: ['build', 'push'], noCache: true });
    for (const step of stepsOf().values()) expect(step).toMatchObject({ phases: ['build'], noCache: false });
  });
});

describe('planBuild: build arguments', () => {
  test('the release variables are passed with their current values', () => {
    const current = load(MANIFEST, { env: { MLRUN_DOCKER_REPO: 'team' }, overrides: { MLRUN_VERSION: '1.8.0-rc1', MLRUN_DOCKER_REGISTRY: 'quay.io/' } });
    for (const step of stepsOf({}, current).values()) {
      expect(step.buildArgs).toMatchObject({ MLRUN_VERSION: '1.8.0-rc1', MLRUN_DOCKER_REPO: 'team', MLRUN_DOCKER_REGISTRY: 'quay.io/' });
    }
    expect(stepsOf({}, current).get('core')!.reference).toBe('quay.io/team/core:1.8.0-rc1');
  });

  test('the defaults when nothing is set: the empty registry is passed as an empty value', () => {
    expect(stepsOf().get('core')!.buildArgs).toEqual({
      MLRUN_VERSION: '1.7.0',
      MLRUN_DOCKER_REPO: 'mlrun',
      MLRUN_DOCKER_REGISTRY: '',
      BASE_IMAGE: 'python:3.9-slim',
    });
  });

  test('an image built `from` another gets the full reference of its parent as BASE_IMAGE', () => {
    const current = load(PLAIN_MANIFEST, { overrides: { MLRUN_DOCKER_REGISTRY: 'registry.example.com:5000' } });
    const steps = stepsOf({}, current);
    expect(steps.get('app')!.buildArgs.BASE_IMAGE).toBe('registry.example.com:5000/mlrun/core:1.7.0');
    expect(steps.get('plugin')!.buildArgs.BASE_IMAGE).toBe('registry.example.com:5000/mlrun/app:1.7.0');
  });

  test('BASE_IMAGE of a `from` image is the parent reference even when the parent is not built in this run', () => {
    expect(stepsOf({ selected: ['plugin'], noDeps: true }).get('plugin')!.buildArgs.BASE_IMAGE).toBe('mlrun/app:1.7.0');
  });

  test('the parent reference is never rewritten by --base-registry', () => {
    expect(stepsOf({ baseRegistry: '127.0.0.1:5000' }).get('app')!.buildArgs.BASE_IMAGE).toBe('mlrun/core:1.7.0');
  });

  test('an external base is passed as it is without --base-registry', () => {
    const steps = stepsOf();
    expect(steps.get('core')!.buildArgs.BASE_IMAGE).toBe('python:3.9-slim');
    expect(steps.get('site')!.buildArgs.BASE_IMAGE).toBe('nginx:1.27');
  });

  test('an external base reading a release variable gets its current value (or the fallback)', () => {
    expect(stepsOf().get('tool')!.buildArgs.BASE_IMAGE).toBe('docker.io/library/debian:bookworm');
    const current = load(MANIFEST, { overrides: { MLRUN_DOCKER_REGISTRY: 'quay.io/' } });
    expect(stepsOf({}, current).get('tool')!.buildArgs.BASE_IMAGE).toBe('quay.io/library/debian:bookworm');
  });

  test.each(['127.0.0.1:5000', '127.0.0.1:5000/'])('--base-registry %s rewrites external bases', (baseRegistry) => {
    const steps = stepsOf({ baseRegistry });
    expect(steps.get('core')!.buildArgs.BASE_IMAGE).toBe('127.0.0.1:5000/python:3.9-slim');
    expect(steps.get('tool')!.buildArgs.BASE_IMAGE).toBe('127.0.0.1:5000/docker.io/library/debian:bookworm');
    expect(steps.get('site')!.buildArgs.BASE_IMAGE).toBe('127.0.0.1:5000/nginx:1.27');
  });

  test('a stage base is passed as <STAGE>_BASE_IMAGE and rewritten by --base-registry too', () => {
    expect(stepsOf().get('site')!.buildArgs).toMatchObject({ BUILD_BASE_IMAGE: 'node:20-alpine', BASE_IMAGE: 'nginx:1.27' });
    expect(stepsOf({ baseRegistry: 'mirror.example.com/' }).get('site')!.buildArgs).toMatchObject({
      BUILD_BASE_IMAGE: 'mirror.example.com/node:20-alpine',
      BASE_IMAGE: 'mirror.example.com/nginx:1.27',
    });
    expect(Object.keys(stepsOf().get('core')!.buildArgs)).not.toContain('BUILD_BASE_IMAGE');
  });
});

describe('planBuild: parents and pulls', () => {
  test('`parent` is set only when the parent is built in the same run', () => {
    const all = stepsOf();
    expect(all.get('core')!.parent).toBeUndefined();
    expect(all.get('app')!.parent).toBe('core');
    expect(all.get('plugin')!.parent).toBe('app');
    expect(all.get('tool')!.parent).toBeUndefined();
    expect('parent' in all.get('tool')!).toBe(false);

    const alone = stepsOf({ selected: ['plugin', 'core'], noDeps: true });
    expect(alone.get('plugin')!.parent).toBeUndefined();
    expect('parent' in alone.get('plugin')!).toBe(false);
  });

  test('--pull refreshes external bases, never a base that this run builds', () => {
    const steps = stepsOf({ pull: true });
    expect(Object.fromEntries([...steps].map(([name, step]) => [name, step.pull]))).toEqual({
      core: true,
      app: false,
      tool: true,
      site: true,
      plugin: false,
    });
  });

  test('--pull never pulls a family parent, even with --no-deps (it may exist only locally)', () => {
    const steps = stepsOf({ pull: true, selected: ['plugin', 'core'], noDeps: true });
    expect(steps.get('plugin')!.pull).toBe(false);
    expect(steps.get('core')!.pull).toBe(true);
  });

  test('without --pull nothing is pulled', () => {
    for (const step of stepsOf().values()) expect(step.pull).toBe(false);
  });
});

describe('planBuild: labels', () => {
  test('title, description and version; no revision or source when they are not known; no timestamps', () => {
    const steps = stepsOf();
    expect(steps.get('core')!.labels).toEqual({
      'org.opencontainers.image.title': 'core',
      'org.opencontainers.image.description': 'The core image',
      'org.opencontainers.image.version': '1.7.0',
    });
    expect(steps.get('tool')!.labels).toEqual({
      'org.opencontainers.image.title': 'tool',
      'org.opencontainers.image.version': '1.7.0',
    });
  });

  test('revision and source when given', () => {
    const labels = stepsOf({ revision: 'abc123', source: 'https://github.com/mlrun/mlrun' }).get('app')!.labels;
    expect(labels).toEqual({
      'org.opencontainers.image.title': 'app',
      'org.opencontainers.image.description': 'The application',
      'org.opencontainers.image.version': '1.7.0',
      'org.opencontainers.image.revision': 'abc123',
      'org.opencontainers.image.source': 'https://github.com/mlrun/mlrun',
    });
  });

  test('the version label follows the current MLRUN_VERSION', () => {
    const current = load(MANIFEST, { overrides: { MLRUN_VERSION: '1.9.0' } });
    expect(stepsOf({}, current).get('core')!.labels['org.opencontainers.image.version']).toBe('1.9.0');
  });

  test('planning twice gives the same plan (nothing depends on the clock)', async () => {
    const first = planBuild(singleFamilySet(family), options({ revision: 'abc', push: true, pull: true }));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(planBuild(singleFamilySet(family), options({ revision: 'abc', push: true, pull: true }))).toEqual(first);
  });
});

describe('planBuild: cache', () => {
  test('no cache image by default', () => {
    for (const step of stepsOf().values()) {
      expect(step.cacheFrom).toEqual([]);
      expect(step.pullForCache).toBeUndefined();
    }
  });

  test('--cache-from references are used by every step', () => {
    for (const step of stepsOf({ cacheFrom: ['quay.io/mlrun/cache:a', 'quay.io/mlrun/cache:b'] }).values()) {
      expect(step.cacheFrom).toEqual(['quay.io/mlrun/cache:a', 'quay.io/mlrun/cache:b']);
    }
  });

  test('MLRUN_DOCKER_CACHE_FROM_TAG: pull <prefix>/<name>:<tag> first and use it as cache', () => {
    const steps = stepsOf({ cacheFromTag: 'cache', cacheFrom: ['extra:1'] });
    expect(steps.get('core')!.pullForCache).toBe('mlrun/core:cache');
    expect(steps.get('core')!.cacheFrom).toEqual(['extra:1', 'mlrun/core:cache']);
    expect(steps.get('plugin')!.pullForCache).toBe('mlrun/plugin:cache');
  });

  test("MLRUN_DOCKER_CACHE_FROM_REGISTRY names the cache images' registry (empty: Docker Hub); the images keep theirs", () => {
    const onQuay = load(MANIFEST, { overrides: { MLRUN_DOCKER_REGISTRY: 'quay.io/' } });
    const app = stepsOf({ cacheFromTag: 'cache', cacheFromRegistry: 'ghcr.io/' }, onQuay).get('app')!;
    expect(app.pullForCache).toBe('ghcr.io/mlrun/app:cache');
    expect(app.reference).toBe('quay.io/mlrun/app:1.7.0');
    expect(stepsOf({ cacheFromTag: 'cache', cacheFromRegistry: '' }, onQuay).get('app')!.pullForCache).toBe('mlrun/app:cache');
    expect(() => stepsOf({ cacheFromTag: 'cache', cacheFromRegistry: 'not a registry/' })).toThrow(
      /^MLRUN_DOCKER_CACHE_FROM_REGISTRY: the cache image is not a valid image reference/,
    );
    expect(() => stepsOf({ cacheFromTag: 'no:colons' })).toThrow(/^MLRUN_DOCKER_CACHE_FROM_TAG: the cache image /);
  });

  test("a python variant's cache image carries its suffix, as its reference does", () => {
    const varied = load(yaml('version: 1', 'variants:', '  MLRUN_PYTHON_VERSION: ["3.9", "3.11"]', 'images:', '  app:', '    base: python:3.9-slim'));
    const set = loadFamilySet(varied, {
      given: new Set(),
      load: (values) =>
        load(yaml('version: 1', 'variants:', '  MLRUN_PYTHON_VERSION: ["3.9", "3.11"]', 'images:', '  app:', '    base: python:3.9-slim'), {
          overrides: values,
        }),
    });
    const steps = planBuild(set, options({ cacheFromTag: 'cache' })).steps;
    // A development build: python 3.11 without a suffix, python 3.9 with -py39, as MLRun's client asks.
    expect(steps.map((step) => [step.reference, step.pullForCache])).toEqual([
      ['mlrun/app:unstable', 'mlrun/app:cache'],
      ['mlrun/app:unstable-py39', 'mlrun/app:cache-py39'],
    ]);
  });

  test('the cache reference carries the registry, with its slash added when missing', () => {
    const withSlash = load(MANIFEST, { overrides: { MLRUN_DOCKER_REGISTRY: 'quay.io/', MLRUN_DOCKER_REPO: 'team' } });
    expect(stepsOf({ cacheFromTag: 'latest' }, withSlash).get('app')!.pullForCache).toBe('quay.io/team/app:latest');
    const withoutSlash = load(PLAIN_MANIFEST, { overrides: { MLRUN_DOCKER_REGISTRY: 'localhost:5000' } });
    expect(stepsOf({ cacheFromTag: 'latest' }, withoutSlash).get('app')!.pullForCache).toBe('localhost:5000/mlrun/app:latest');
    expect(stepsOf({ cacheFromTag: 'latest' }, withoutSlash).get('app')!.cacheFrom).toEqual(['localhost:5000/mlrun/app:latest']);
  });
});
