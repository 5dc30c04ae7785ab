/**
 * End-to-end image tests on each engine: the family in test/e2e/tested is built with --test --push; `web` passes its
 * tests and is pushed, `child` fails a test it inherits (and only it) and is not pushed. Then `test` runs alone.
 */
import { execa } from 'execa';
import { XMLParser } from 'fast-xml-parser';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PACKAGE_ROOT } from '../../src/cli/files.js';
import { mlrunImages, registryHasTag, releaseArgs, requireEngine } from './support.js';

const FIXTURE = join(PACKAGE_ROOT, 'test', 'e2e', 'tested');
const REPO = 'e2e-tested';

interface Summary {
  images: { name: string; status: string; reason?: string; tests?: { name: string; status: string; message?: string; declaredBy: string }[] }[];
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['testsuite', 'testcase'].includes(name) });

for (const engine of ['docker', 'bake', 'podman', 'buildah'] as const) {
  const problem = requireEngine(engine, `the end-to-end image tests on ${engine}`);

  describe.skipIf(problem !== undefined)(`image tests on ${engine}`, () => {
    const version = `${engine}-${Date.now()}`;
    const project = mkdtempSync(join(tmpdir(), `mlrun-images-e2e-tests-${engine}-`));
    let run: Awaited<ReturnType<typeof mlrunImages>>;
    let summary: Summary;
    let junit: ReturnType<XMLParser['parse']>;
    const image = (name: string) => summary.images.find((entry) => entry.name === name)!;
    const statusOf = (name: string) => Object.fromEntries((image(name).tests ?? []).map((test) => [test.name, test.status]));

    beforeAll(async () => {
      cpSync(join(FIXTURE, 'images.yaml'), join(project, 'images.yaml'));
      run = await mlrunImages(project, [
        'build',
        '--test',
        '--push',
        '--engine',
        engine,
        '--json',
        'summary.json',
        '--junit',
        'junit.xml',
        ...releaseArgs(version, REPO),
      ]);
      summary = JSON.parse(readFileSync(join(project, 'summary.json'), 'utf8')) as Summary;
      junit = parser.parse(readFileSync(join(project, 'junit.xml'), 'utf8'));
    }, 600_000);
    afterAll(() => rmSync(project, { recursive: true, force: true }));

    test('web passes its tests and is pushed; child fails a test it inherits and is not pushed: exit 1', async () => {
      expect(run.exitCode, run.all).toBe(1);
      expect(Object.fromEntries(summary.images.map(({ name, status }) => [name, status]))).toEqual({ web: 'pushed', child: 'failed' });
      expect(await registryHasTag(`${REPO}/web`, version)).toBe(true);
      expect(await registryHasTag(`${REPO}/child`, version)).toBe(false);
    });

    test('each kind ran on the real image; what the engine cannot run is said, not passed', () => {
      const http = engine === 'buildah' ? 'not run' : 'passed';
      expect(statusOf('web')).toEqual({ greets: 'passed', version: 'passed', index: 'passed', 'no pip cache': 'passed', configured: 'passed', serves: http });
      expect(statusOf('child')).toEqual({ greets: 'failed', index: 'passed', 'no pip cache': 'passed', configured: 'failed', serves: http });
      const greets = image('child').tests!.find((test) => test.name === 'greets')!;
      expect(greets).toMatchObject({ declaredBy: 'web', message: 'stdout does not match /^hello$/; it was:\nbonjour' });
      expect(image('child').reason).toMatch(/^2 of \d test\(s\) failed/);
      if (engine === 'buildah') expect(run.all).toContain('web: test `serves` (http) not run: buildah runs no container with a published port');
    });

    test('the summary has a tests column; the failing test is printed with what was expected and what came out', () => {
      const summaryLines = run.all!.split('\n');
      const header = summaryLines.find((line) => line.startsWith('image '))!;
      expect(header).toMatch(/status\s+time\s+tests\s+reference/);
      expect(summaryLines.find((line) => line.startsWith('web '))).toMatch(engine === 'buildah' ? /5\/5, 1 not run/ : /6\/6/);
      expect(run.all).toContain('test `greets` (command) failed:\n    stdout does not match /^hello$/; it was:\n    bonjour');
    });

    test('--junit: one testsuite per image, one testcase per test, the failures with their message', () => {
      const suites = junit.testsuites.testsuite as {
        name: string;
        tests: string;
        failures: string;
        testcase: { name: string; failure?: { message: string } }[];
      }[];
      expect(suites.map((suite) => [suite.name, suite.tests, suite.failures])).toEqual([
        ['web', '6', '0'],
        ['child', '5', '2'],
      ]);
      const failed = suites[1]!.testcase.filter((testcase) => testcase.failure).map((testcase) => [testcase.name, testcase.failure!.message]);
      expect(failed).toEqual([
        ['greets', 'stdout does not match /^hello$/; it was:'],
        ['configured', 'env GREETING is "bonjour", expected "hello"'],
      ]);
    });

    test('every container a test started is gone', async () => {
      const listed =
        engine === 'buildah'
          ? await execa('buildah', ['containers', '--format', '{{.ContainerName}}'])
          : await execa(engine === 'bake' ? 'docker' : engine, ['ps', '-a', '--format', '{{.Names}}']);
      expect(listed.stdout.split('\n').filter((name) => name.startsWith('mlrun-images-test-'))).toEqual([]);
    });

    test('`test web` runs the tests alone against the built image: exit 0', async () => {
      const alone = await mlrunImages(project, ['test', 'web', '--engine', engine, '--junit', 'alone.xml', ...releaseArgs(version, REPO).slice(0, 6)]);
      expect(alone.exitCode, alone.all).toBe(0);
      expect(alone.all).toMatch(/web\s+tested/);
      const suites = parser.parse(readFileSync(join(project, 'alone.xml'), 'utf8')).testsuites.testsuite;
      expect(suites.map((suite: { name: string }) => suite.name)).toEqual(['web']);
    }, 300_000);
  });
}
