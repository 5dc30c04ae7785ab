import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { PACKAGE_ROOT } from '../src/cli/files.js';
import { runCli } from './helpers.js';

/** examples/production: a production image derived from an MLRun release, every package pinned. */
const EXAMPLE = join(PACKAGE_ROOT, 'examples', 'production');

let project: string;
beforeEach(() => {
  project = mkdtempSync(join(tmpdir(), 'mlrun-images-example-'));
  cpSync(EXAMPLE, project, { recursive: true });
});
afterEach(() => rmSync(project, { recursive: true, force: true }));

describe('examples/production', () => {
  test('lint --production finds nothing left open: tagged bases, == pins, mlrun a release from PyPI', async () => {
    expect(await runCli(project, ['lint', '--production'])).toEqual({ code: 0, stdout: '0 error(s), 0 warning(s), 0 note(s)\n', stderr: '' });
  });

  test('renders its images: mlrun as the 1.7.0 release with its extras, the requirements before the check', async () => {
    expect((await runCli(project, ['generate'])).code).toBe(0);
    expect(readFileSync(join(project, 'generated/mlrun-client/Dockerfile'), 'utf8')).toContain(
      "RUN python -m pip install --no-cache-dir 'mlrun[s3,redis]==1.7.0'\n",
    );
    const job = readFileSync(join(project, 'generated/training-job/Dockerfile'), 'utf8');
    expect(job).toContain('ARG BASE_IMAGE=mlrun/mlrun:1.7.0\n');
    expect(job.indexOf('-r /tmp/requirements.txt')).toBeLessThan(job.indexOf('pip check'));
    expect((await runCli(project, ['list'])).stdout).toBe('myorg/training-job:1.7.0\nmyorg/mlrun-client:1.7.0\n');
  });

  test('build --locked refuses to build before images.lock.yaml is written (mlrun-images lock)', async () => {
    expect(existsSync(join(project, 'images.lock.yaml'))).toBe(false);
    const result = await runCli(project, ['build', '--locked', '--production', '--dry-run']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('mlrun/mlrun:1.7.0');
  });
});
