/**
 * scripts/dev-engine.sh says `ready` only when the registry serves the base to every client the tests and the product use.
 * These tests hold it to that: it asks the registry as the product's client does, and what it set up answers them all.
 */
import { execa, execaSync } from 'execa';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { PACKAGE_ROOT } from '../../src/cli/files.js';
import { ACCEPTED_MANIFEST_TYPES, resolveDigest } from '../../src/registry/client.js';
import { baseImageProblem, probeManifest, REGISTRY } from './support.js';

const SCRIPT = readFileSync(join(PACKAGE_ROOT, 'scripts', 'dev-engine.sh'), 'utf8');

test("dev-engine.sh asks the registry for every manifest type the product's client accepts, and no other", () => {
  const written = /^MANIFEST_TYPES='([^']*)'$/m.exec(SCRIPT)?.[1];
  expect(written?.split(', ')).toEqual([...ACCEPTED_MANIFEST_TYPES]);
  // No probe of its own with a shorter list.
  expect(SCRIPT.match(/Accept: /g)).toHaveLength(1);
});

describe('what dev-engine.sh set up', () => {
  const problem = execaSync('docker', ['info'], { reject: false }).exitCode !== 0 ? 'docker does not answer' : baseImageProblem();
  if (problem && process.env.CI) throw new Error(`the engine dev-engine.sh sets up: ${problem}; CI must run scripts/dev-engine.sh first`);

  test.skipIf(problem !== undefined)("the registry serves the base to the product's client, to docker and to podman, as one image", async () => {
    const probe = probeManifest('debian', 'bookworm');
    expect(probe.status).toBe(200);
    expect(ACCEPTED_MANIFEST_TYPES).toContain(probe.mediaType);

    const resolved = await resolveDigest(`${REGISTRY}/debian:bookworm`);
    expect(resolved.mediaType).toBe(probe.mediaType);
    const repoDigests = (await execa('docker', ['image', 'inspect', '--format', '{{json .RepoDigests}}', `${REGISTRY}/debian:bookworm`])).stdout;
    expect(JSON.parse(repoDigests)).toContain(`${REGISTRY}/debian@${resolved.digest}`);
    const podman = await execa('podman', ['pull', '--quiet', '--tls-verify=false', `${REGISTRY}/debian@${resolved.digest}`], { reject: false });
    expect(podman.exitCode, podman.stderr).toBe(0);
  });

  test.skipIf(problem !== undefined)('a probe says what the registry answered: the status and its own message', () => {
    expect(probeManifest('debian', 'no-such-tag')).toEqual({ status: 404, mediaType: 'application/json', message: 'manifest unknown' });
  });
});

test('a probe of a registry that is not there says so, with status 0', () => {
  const probe = probeManifest('debian', 'bookworm', '127.0.0.1:9');
  expect(probe.status).toBe(0);
  expect(probe.message).toMatch(/Failed to connect|Connection refused/);
});
