import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { MlrunImagesError } from '../../src/errors.js';
import { readDockerConfig, RegistryError, resolveDigest, type DockerConfig } from '../../src/registry/client.js';

const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const ACCEPTED = [OCI_INDEX, 'application/vnd.docker.distribution.manifest.list.v2+json', 'application/vnd.oci.image.manifest.v1+json', DOCKER_MANIFEST];

const sha256 = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;
const fakeDigest = (char: string) => `sha256:${char.repeat(64)}`;
const base64 = (text: string) => Buffer.from(text).toString('base64');

/** Written with odd spacing, so a digest of re-serialised JSON would differ from the digest of these bytes. */
const MANIFEST = `{
   "schemaVersion": 2,
   "mediaType": "${DOCKER_MANIFEST}",
   "config": { "mediaType": "application/vnd.docker.container.image.v1+json", "size": 1, "digest": "${fakeDigest('c')}" },
   "layers": [ { "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 2, "digest": "${fakeDigest('d')}" } ]
}
`;
const MANIFEST_DIGEST = sha256(MANIFEST);

const USER = 'robot-user';
const PASSWORD = 'pa55-SECRET-w0rd';
const BASIC = `Basic ${base64(`${USER}:${PASSWORD}`)}`;
const TOKEN = 'bearer-SECRET-token';
const IDENTITY_TOKEN = 'identity-SECRET-refresh';
const SECRETS = [PASSWORD, base64(`${USER}:${PASSWORD}`), TOKEN, IDENTITY_TOKEN];

interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}
type Handler = (request: Recorded, response: ServerResponse) => void;

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
});

/** An in-process HTTP server on 127.0.0.1; `requests` records what it was asked. */
async function serve(handler: Handler): Promise<{ host: string; port: number; requests: Recorded[]; server: Server }> {
  const requests: Recorded[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const recorded = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, body };
      requests.push(recorded);
      handler(recorded, response);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { host: `127.0.0.1:${port}`, port, requests, server };
}

interface RegistryOptions {
  /** repository → tag → manifest text and its media type */
  manifests: Record<string, Record<string, { body: string; mediaType: string }>>;
  digestHeader?: boolean;
  /** When set, requests without an accepted Authorization header get 401 with this challenge. */
  challenge?: string;
  accepts?: (authorization: string | undefined) => boolean;
}

function registry({ manifests, digestHeader = true, challenge, accepts }: RegistryOptions): Handler {
  return (request, response) => {
    if (challenge && !accepts?.(request.headers.authorization)) {
      response.writeHead(401, { 'WWW-Authenticate': challenge, 'Content-Type': 'application/json' });
      response.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      return;
    }
    const match = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(request.url);
    const manifest = match ? manifests[match[1]!]?.[match[2]!] : undefined;
    if (!manifest) {
      response.writeHead(404, { 'Content-Type': 'application/json' });
      response.end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
      return;
    }
    response.writeHead(200, { 'Content-Type': manifest.mediaType, ...(digestHeader ? { 'Docker-Content-Digest': sha256(manifest.body) } : {}) });
    response.end(manifest.body);
  };
}

const teamApp = { 'team/app': { '1.0': { body: MANIFEST, mediaType: DOCKER_MANIFEST }, latest: { body: MANIFEST, mediaType: DOCKER_MANIFEST } } };

/** The RegistryError `promise` rejects with, checked to hold no credential or token in any printable form. */
async function failure(promise: Promise<unknown>): Promise<RegistryError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(RegistryError);
  const error = caught as RegistryError;
  const printed = [String(error), error.message, error.stack ?? '', inspect(error, { depth: 10 }), JSON.stringify(error)].join('\n');
  for (const secret of SECRETS) expect(printed).not.toContain(secret);
  return error;
}

function configFor(host: string, entry: NonNullable<DockerConfig['auths']>[string]): DockerConfig {
  return { auths: { [host]: entry } };
}

describe('a registry that serves the manifest directly', () => {
  test('the digest comes from Docker-Content-Digest, and the request asks for every manifest type', async () => {
    const { host, requests } = await serve(registry({ manifests: teamApp }));
    const resolved = await resolveDigest(`${host}/team/app:1.0`);
    expect(resolved).toEqual({ reference: `${host}/team/app:1.0`, digest: MANIFEST_DIGEST, mediaType: DOCKER_MANIFEST });
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ method: 'GET', url: '/v2/team/app/manifests/1.0' });
    expect(requests[0]!.headers.accept?.split(',').map((type) => type.trim())).toEqual(ACCEPTED);
    expect(requests[0]!.headers.authorization).toBeUndefined();
  });

  test('without the header, the digest is the sha256 of the body bytes', async () => {
    const { host } = await serve(registry({ manifests: teamApp, digestHeader: false }));
    expect((await resolveDigest(`${host}/team/app:1.0`)).digest).toBe(MANIFEST_DIGEST);
  });

  test('no tag means latest', async () => {
    const { host, requests } = await serve(registry({ manifests: teamApp }));
    expect((await resolveDigest(`${host}/team/app`)).digest).toBe(MANIFEST_DIGEST);
    expect(requests[0]!.url).toBe('/v2/team/app/manifests/latest');
  });

  test('a header that disagrees with the body is an error', async () => {
    const { host } = await serve((_request, response) => {
      response.writeHead(200, { 'Content-Type': DOCKER_MANIFEST, 'Docker-Content-Digest': fakeDigest('e') });
      response.end(MANIFEST);
    });
    const error = await failure(resolveDigest(`${host}/team/app:1.0`));
    expect(error.message).toBe(
      `${host}/team/app:1.0: ${host} says the manifest's digest is ${fakeDigest('e')}, but the manifest it sent hashes to ${MANIFEST_DIGEST}`,
    );
    expect(error).toBeInstanceOf(MlrunImagesError);
    expect(error.exitCode).toBe(1);
  });

  test('a digest of another algorithm than sha256 is refused: the lock could not store it', async () => {
    const { host } = await serve((_request, response) => {
      response.writeHead(200, { 'Content-Type': DOCKER_MANIFEST, 'Docker-Content-Digest': `sha512:${'a'.repeat(128)}` });
      response.end(MANIFEST);
    });
    const error = await failure(resolveDigest(`${host}/team/app:1.0`));
    expect(error.message).toBe(
      `${host}/team/app:1.0: ${host} answered with Docker-Content-Digest \`sha512:${'a'.repeat(93)}\`, which is not sha256:<64 hex digits>`,
    );
  });
});

describe('a bearer-token registry with a separate token server', () => {
  async function tokenProtected(tokenHandler: Handler, token = TOKEN) {
    const tokens = await serve(tokenHandler);
    const challenge = `Bearer realm="http://${tokens.host}/token",service="test-registry",scope="repository:team/app:pull"`;
    const registryServer = await serve(registry({ manifests: teamApp, challenge, accepts: (authorization) => authorization === `Bearer ${token}` }));
    return { tokens, registry: registryServer };
  }
  const giveToken =
    (field: 'token' | 'access_token', check: (request: Recorded) => boolean = () => true): Handler =>
    (request, response) => {
      if (!check(request)) {
        response.writeHead(401, { 'Content-Type': 'application/json' });
        response.end('{"details":"incorrect username or password"}');
        return;
      }
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ [field]: TOKEN, expires_in: 300 }));
    };

  test('an anonymous token, asked for with the service and scope of the challenge', async () => {
    const { tokens, registry: served } = await tokenProtected(giveToken('token'));
    const resolved = await resolveDigest(`${served.host}/team/app:1.0`);
    expect(resolved.digest).toBe(MANIFEST_DIGEST);
    expect(tokens.requests).toHaveLength(1);
    const asked = new URL(tokens.requests[0]!.url, 'http://x');
    expect(asked.pathname).toBe('/token');
    expect(asked.searchParams.get('service')).toBe('test-registry');
    expect(asked.searchParams.get('scope')).toBe('repository:team/app:pull');
    expect(tokens.requests[0]!.headers.authorization).toBeUndefined();
    expect(served.requests.map((request) => request.headers.authorization)).toEqual([undefined, `Bearer ${TOKEN}`]);
  });

  test.each([
    ['host', (host: string) => host, { auth: base64(`${USER}:${PASSWORD}`) }],
    ['https://host', (host: string) => `https://${host}`, { auth: base64(`${USER}:${PASSWORD}`) }],
    ['http://host', (host: string) => `http://${host}`, { username: USER, password: PASSWORD }],
    ['https://host/v1/', (host: string) => `https://${host}/v1/`, { username: USER, password: PASSWORD }],
  ])('credentials under the key %s go to the token server as basic auth; access_token is used', async (_key, key, entry) => {
    const { tokens, registry: served } = await tokenProtected(giveToken('access_token', (request) => request.headers.authorization === BASIC));
    const dockerConfig: DockerConfig = { auths: { 'other.example.com': { auth: base64('someone:else') }, [key(served.host)]: entry } };
    expect((await resolveDigest(`${served.host}/team/app:1.0`, { dockerConfig })).digest).toBe(MANIFEST_DIGEST);
    expect(tokens.requests.map((request) => request.headers.authorization)).toEqual([BASIC]);
    expect(served.requests.at(-1)!.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  test('an identity token is exchanged with an OAuth2 refresh-token grant', async () => {
    const { tokens, registry: served } = await tokenProtected(
      giveToken('access_token', (request) => request.method === 'POST' && new URLSearchParams(request.body).get('refresh_token') === IDENTITY_TOKEN),
    );
    const dockerConfig = configFor(served.host, { username: '00000000-0000-0000-0000-000000000000', identitytoken: IDENTITY_TOKEN });
    expect((await resolveDigest(`${served.host}/team/app:1.0`, { dockerConfig })).digest).toBe(MANIFEST_DIGEST);
    const form = new URLSearchParams(tokens.requests[0]!.body);
    expect(Object.fromEntries(form)).toMatchObject({ grant_type: 'refresh_token', service: 'test-registry', scope: 'repository:team/app:pull' });
  });

  test('credentials the token server refuses: the message says so, and shows no secret', async () => {
    const { registry: served } = await tokenProtected(giveToken('token', () => false));
    const error = await failure(resolveDigest(`${served.host}/team/app:1.0`, { dockerConfig: configFor(served.host, { username: USER, password: PASSWORD }) }));
    expect(error.message).toBe(
      `${served.host}/team/app:1.0: the credentials for ${served.host} in ~/.docker/config.json were refused; log in again with \`docker login ${served.host}\``,
    );
  });

  test('an identity token the token server refuses shows no secret', async () => {
    const { registry: served } = await tokenProtected(giveToken('token', () => false));
    const error = await failure(resolveDigest(`${served.host}/team/app:1.0`, { dockerConfig: configFor(served.host, { identitytoken: IDENTITY_TOKEN }) }));
    expect(error.message).toContain(`the credentials for ${served.host} in ~/.docker/config.json were refused`);
  });

  test('a token server that echoes the credentials in an error: they are blotted out', async () => {
    const { registry: served } = await tokenProtected((request, response) => {
      response.writeHead(500);
      response.end(`internal error handling ${request.headers.authorization} for ${USER}:${PASSWORD}`);
    });
    const error = await failure(resolveDigest(`${served.host}/team/app:1.0`, { dockerConfig: configFor(served.host, { username: USER, password: PASSWORD }) }));
    expect(error.message).toMatch(
      /the token server 127\.0\.0\.1:\d+ of registry 127\.0\.0\.1:\d+ answered 500: internal error handling Basic \*\*\* for robot-user:\*\*\*$/,
    );
  });

  test('a registry that refuses the token and echoes it: refused, and the token is not shown', async () => {
    const tokens = await serve(giveToken('token'));
    const { host } = await serve((request, response) => {
      response.writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://${tokens.host}/token",service="s"` });
      response.end(`token ${request.headers.authorization ?? ''} is not valid`);
    });
    const error = await failure(resolveDigest(`${host}/team/app:1.0`));
    expect(error.message).toBe(
      `${host}/team/app:1.0: ${host} refused access; log in with \`docker login ${host}\`, or check the name: registries also answer so for repositories that do not exist`,
    );
    // Without a scope in the challenge, the token is asked for pulling the repository.
    expect(new URL(tokens.requests[0]!.url, 'http://x').searchParams.get('scope')).toBe('repository:team/app:pull');
  });

  test('a registry that fails and echoes the token: it is blotted out', async () => {
    const tokens = await serve(giveToken('token'));
    const { host } = await serve((request, response) => {
      if (!request.headers.authorization) {
        response.writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://${tokens.host}/token"` });
        response.end();
        return;
      }
      response.writeHead(500);
      response.end(`cannot check ${request.headers.authorization}`);
    });
    const error = await failure(resolveDigest(`${host}/team/app:1.0`));
    expect(error.message).toBe(`${host}/team/app:1.0: ${host} answered 500: cannot check Bearer ***`);
  });

  test('an unreachable token server', async () => {
    const closed = await serve(() => {});
    await new Promise<void>((resolve) => closed.server.close(() => resolve()));
    const { host } = await serve(registry({ manifests: teamApp, challenge: `Bearer realm="http://${closed.host}/token"` }));
    const error = await failure(resolveDigest(`${host}/team/app:1.0`));
    expect(error.message).toBe(`cannot reach the token server ${closed.host} of registry ${host}: connection refused`);
  });
});

describe('a basic-auth registry', () => {
  const challenge = 'Basic realm="registry"';

  test('the credentials from the docker config are sent on the challenge', async () => {
    const { host, requests } = await serve(registry({ manifests: teamApp, challenge, accepts: (authorization) => authorization === BASIC }));
    const resolved = await resolveDigest(`${host}/team/app:1.0`, { dockerConfig: configFor(`https://${host}`, { auth: base64(`${USER}:${PASSWORD}`) }) });
    expect(resolved.digest).toBe(MANIFEST_DIGEST);
    expect(requests.map((request) => request.headers.authorization)).toEqual([undefined, BASIC]);
  });

  test('without credentials: refused, with the login command', async () => {
    const { host } = await serve(registry({ manifests: teamApp, challenge, accepts: () => false }));
    const error = await failure(
      resolveDigest(`${host}/team/app:1.0`, { dockerConfig: configFor('elsewhere.example.com', { username: USER, password: PASSWORD }) }),
    );
    expect(error.message).toContain(`${host}/team/app:1.0: ${host} refused access; log in with \`docker login ${host}\``);
  });

  test('wrong credentials: refused, naming the config, showing no secret', async () => {
    const { host } = await serve(registry({ manifests: teamApp, challenge, accepts: () => false }));
    const error = await failure(resolveDigest(`${host}/team/app:1.0`, { dockerConfig: configFor(host, { username: USER, password: PASSWORD }) }));
    expect(error.message).toContain(`the credentials for ${host} in ~/.docker/config.json were refused`);
  });

  test('a credential helper in the config is named when access is refused', async () => {
    const { host } = await serve(registry({ manifests: teamApp, challenge, accepts: () => false }));
    const error = await failure(resolveDigest(`${host}/team/app:1.0`, { dockerConfig: { auths: { [host]: {} }, credsStore: 'desktop' } }));
    expect(error.message).toContain('docker-credential-desktop');
  });

  test('an `auth` that is not base64 USER:PASSWORD', async () => {
    const { host } = await serve(registry({ manifests: teamApp, challenge, accepts: () => false }));
    const error = await failure(resolveDigest(`${host}/team/app:1.0`, { dockerConfig: configFor(host, { auth: base64(PASSWORD) }) }));
    expect(error.message).toBe(
      `the credentials for ${host} in ~/.docker/config.json are not base64 of USER:PASSWORD; log in again with \`docker login ${host}\``,
    );
  });
});

describe('a multi-platform index', () => {
  const entry = (digest: string, platform: Record<string, string>, annotations?: Record<string, string>) => ({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest,
    size: 100,
    platform,
    ...(annotations ? { annotations } : {}),
  });
  const INDEX = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [
      entry(fakeDigest('1'), { architecture: 'arm64', os: 'linux', variant: 'v8' }),
      entry(fakeDigest('2'), { architecture: 'amd64', os: 'linux' }),
      entry(
        fakeDigest('3'),
        { architecture: 'unknown', os: 'unknown' },
        { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': fakeDigest('2') },
      ),
      entry(fakeDigest('4'), { architecture: 'arm', os: 'linux', variant: 'v7' }),
      entry(
        fakeDigest('5'),
        { architecture: 'unknown', os: 'unknown' },
        { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': fakeDigest('1') },
      ),
    ],
  });

  test('per-platform digests are recorded, sorted, without attestations', async () => {
    const { host } = await serve(registry({ manifests: { python: { '3.9-slim': { body: INDEX, mediaType: OCI_INDEX } } } }));
    expect(await resolveDigest(`${host}/python:3.9-slim`)).toEqual({
      reference: `${host}/python:3.9-slim`,
      digest: sha256(INDEX),
      mediaType: OCI_INDEX,
      platforms: [
        { platform: 'linux/amd64', digest: fakeDigest('2') },
        { platform: 'linux/arm/v7', digest: fakeDigest('4') },
        { platform: 'linux/arm64/v8', digest: fakeDigest('1') },
      ],
    });
  });
});

describe('errors', () => {
  test('404: no such image or tag', async () => {
    const { host } = await serve(registry({ manifests: teamApp }));
    const error = await failure(resolveDigest(`${host}/team/app:nope`));
    expect(error.message).toBe(`${host}/team/app:nope: no such image or tag on ${host}`);
    expect(error.exitCode).toBe(1);
  });

  test('401 without any usable challenge: refused', async () => {
    const { host } = await serve((_request, response) => {
      response.writeHead(401);
      response.end();
    });
    const error = await failure(resolveDigest(`${host}/team/app:1.0`));
    expect(error.message).toContain(`${host}/team/app:1.0: ${host} refused access; log in with \`docker login ${host}\``);
  });

  test('403: refused', async () => {
    const { host } = await serve((_request, response) => {
      response.writeHead(403);
      response.end('denied');
    });
    expect((await failure(resolveDigest(`${host}/team/app:1.0`))).message).toContain(`${host} refused access`);
  });

  test('another status: the status and a short excerpt of the body', async () => {
    const { host } = await serve((_request, response) => {
      response.writeHead(502);
      response.end(`<html>\n  <body>bad gateway ${'x'.repeat(500)}</body>\n</html>`);
    });
    const error = await failure(resolveDigest(`${host}/team/app:1.0`));
    expect(error.message).toMatch(new RegExp(`^${host}/team/app:1.0: ${host} answered 502: <html> <body>bad gateway x+…$`));
    expect(error.message.length).toBeLessThan(300);
  });

  test('an unreachable registry: connection refused', async () => {
    const closed = await serve(() => {});
    await new Promise<void>((resolve) => closed.server.close(() => resolve()));
    const error = await failure(resolveDigest(`${closed.host}/team/app:1.0`));
    expect(error.message).toBe(`cannot reach registry ${closed.host}: connection refused`);
  });

  test('a registry that does not answer in time', async () => {
    const { host } = await serve(() => {});
    const error = await failure(resolveDigest(`${host}/team/app:1.0`, { timeoutMs: 200 }));
    expect(error.message).toBe(`cannot reach registry ${host}: no answer within 0.2 s`);
  });

  test('a host name that does not resolve', async () => {
    const error = await failure(resolveDigest('no-such-host.invalid/team/app:1.0', { timeoutMs: 10_000 }));
    expect(error.message).toBe('cannot reach registry no-such-host.invalid: the host name does not resolve (DNS)');
  });

  test('an invalid reference says which part is wrong', async () => {
    const error = await failure(resolveDigest('python:-3'));
    expect(error.message).toContain('`python:-3` is not a valid image reference: the tag `-3` is invalid');
  });

  test('an invalid mirror prefix is named', async () => {
    const error = await failure(resolveDigest('python:3.9', { mirror: 'bad_host.io' }));
    expect(error.message).toBe(
      '`bad_host.io/python:3.9` (`python:3.9` with the base-registry prefix `bad_host.io`) is not a valid image reference: the registry host `bad_host.io` is not a valid host name',
    );
  });
});

describe('a mirror prefix', () => {
  test.each([
    ['HOST', '/v2/python/manifests/3.9'],
    ['HOST/', '/v2/python/manifests/3.9'],
    ['HOST/dockerhub/', '/v2/dockerhub/python/manifests/3.9'],
  ])('%s is put before the reference as written', async (prefix, path) => {
    const { host, requests } = await serve(
      registry({
        manifests: {
          python: { '3.9': { body: MANIFEST, mediaType: DOCKER_MANIFEST } },
          'dockerhub/python': { '3.9': { body: MANIFEST, mediaType: DOCKER_MANIFEST } },
        },
      }),
    );
    const resolved = await resolveDigest('python:3.9', { mirror: prefix.replace('HOST', host) });
    expect(resolved).toEqual({ reference: 'python:3.9', digest: MANIFEST_DIGEST, mediaType: DOCKER_MANIFEST });
    expect(requests.map((request) => request.url)).toEqual([path]);
  });

  test('errors name the reference as fetched from the mirror', async () => {
    const { host } = await serve(registry({ manifests: {} }));
    expect((await failure(resolveDigest('python:3.9', { mirror: host }))).message).toBe(`${host}/python:3.9: no such image or tag on ${host}`);
  });
});

describe('which URL is requested', () => {
  function fakeFetch() {
    const calls: { url: string; headers: Headers }[] = [];
    const fetch = vi.fn(async (input: string | URL | Request, init?: RequestInit) => {
      calls.push({ url: String(input), headers: new Headers(init?.headers) });
      return new Response(MANIFEST, { status: 200, headers: { 'Content-Type': DOCKER_MANIFEST } });
    });
    return { calls, fetch: fetch as unknown as typeof globalThis.fetch };
  }

  test.each([
    ['python', 'https://registry-1.docker.io/v2/library/python/manifests/latest'],
    ['python:3.9-slim', 'https://registry-1.docker.io/v2/library/python/manifests/3.9-slim'],
    ['docker.io/python:3.9', 'https://registry-1.docker.io/v2/library/python/manifests/3.9'],
    ['index.docker.io/library/python:3.9', 'https://registry-1.docker.io/v2/library/python/manifests/3.9'],
    ['docker.io/mlrun/mlrun:1.7.0', 'https://registry-1.docker.io/v2/mlrun/mlrun/manifests/1.7.0'],
    ['mlrun/mlrun:1.7.0', 'https://registry-1.docker.io/v2/mlrun/mlrun/manifests/1.7.0'],
    ['quay.io/jupyter/scipy-notebook:python-3.11', 'https://quay.io/v2/jupyter/scipy-notebook/manifests/python-3.11'],
    ['quay.io/python:3', 'https://quay.io/v2/python/manifests/3'],
    ['registry.local:5000/team/image', 'https://registry.local:5000/v2/team/image/manifests/latest'],
    ['localhost/base:1', 'http://localhost/v2/base/manifests/1'],
    ['localhost:5000/base:1', 'http://localhost:5000/v2/base/manifests/1'],
    ['127.0.0.1:5000/debian:bookworm', 'http://127.0.0.1:5000/v2/debian/manifests/bookworm'],
    ['127.1.2.3/debian:bookworm', 'http://127.1.2.3/v2/debian/manifests/bookworm'],
    ['[::1]:5000/base', 'http://[::1]:5000/v2/base/manifests/latest'],
    ['128.0.0.1:5000/base', 'https://128.0.0.1:5000/v2/base/manifests/latest'],
  ])('%s → %s', async (reference, url) => {
    const { calls, fetch } = fakeFetch();
    const resolved = await resolveDigest(reference, { fetch });
    expect(calls.map((call) => call.url)).toEqual([url]);
    expect(resolved).toEqual({ reference, digest: MANIFEST_DIGEST, mediaType: DOCKER_MANIFEST });
  });

  test("Docker Hub credentials are found under Docker Hub's key and sent to its token server", async () => {
    const calls: { url: string; authorization: string | null }[] = [];
    const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
      const url = String(input);
      const authorization = new Headers(init?.headers).get('authorization');
      calls.push({ url, authorization });
      if (url.startsWith('https://auth.docker.io/token')) return Response.json({ token: TOKEN });
      if (authorization !== `Bearer ${TOKEN}`) {
        return new Response('{}', {
          status: 401,
          headers: { 'WWW-Authenticate': 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/python:pull"' },
        });
      }
      return new Response(MANIFEST, { status: 200, headers: { 'Content-Type': DOCKER_MANIFEST, 'Docker-Content-Digest': MANIFEST_DIGEST } });
    }) as typeof globalThis.fetch;
    const dockerConfig: DockerConfig = { auths: { 'https://index.docker.io/v1/': { auth: base64(`${USER}:${PASSWORD}`) } } };
    expect((await resolveDigest('python:3.9', { fetch, dockerConfig })).digest).toBe(MANIFEST_DIGEST);
    expect(calls).toEqual([
      { url: 'https://registry-1.docker.io/v2/library/python/manifests/3.9', authorization: null },
      { url: 'https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Alibrary%2Fpython%3Apull', authorization: BASIC },
      { url: 'https://registry-1.docker.io/v2/library/python/manifests/3.9', authorization: `Bearer ${TOKEN}` },
    ]);
  });

  test('a Docker Hub refusal says `docker login` without a host', async () => {
    const fetch = (async () => new Response('', { status: 401 })) as typeof globalThis.fetch;
    const error = await failure(resolveDigest('python:3.9', { fetch }));
    expect(error.message).toContain('python:3.9: registry-1.docker.io refused access; log in with `docker login`,');
  });

  test.each([
    [`python@${fakeDigest('a')}`, fakeDigest('a')],
    [`python:3.9@${fakeDigest('b')}`, fakeDigest('b')],
    [`quay.io/team/app:1@${fakeDigest('c')}`, fakeDigest('c')],
  ])('%s is already pinned: no request', async (reference, digest) => {
    const { calls, fetch } = fakeFetch();
    expect(await resolveDigest(reference, { fetch, mirror: '127.0.0.1:5000' })).toEqual({ reference, digest, mediaType: '' });
    expect(calls).toEqual([]);
  });
});

describe('readDockerConfig', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'mlrun-images-docker-config-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const config: DockerConfig = { auths: { 'https://index.docker.io/v1/': { auth: base64(`${USER}:${PASSWORD}`) } } };

  test('reads the file it is given', () => {
    const file = join(scratch, 'given.json');
    writeFileSync(file, JSON.stringify(config));
    expect(readDockerConfig(file)).toEqual(config);
  });

  test('a missing file is an empty config', () => {
    expect(readDockerConfig(join(scratch, 'missing.json'))).toEqual({});
  });

  test('by default, $DOCKER_CONFIG/config.json', () => {
    const directory = join(scratch, 'docker-config-dir');
    rmSync(directory, { recursive: true, force: true });
    vi.stubEnv('DOCKER_CONFIG', directory);
    try {
      expect(readDockerConfig()).toEqual({});
      mkdirSync(directory);
      writeFileSync(join(directory, 'config.json'), JSON.stringify(config));
      expect(readDockerConfig()).toEqual(config);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  test('a file that is not JSON is an error that does not quote it', () => {
    const file = join(scratch, 'broken.json');
    writeFileSync(file, `{"auths": {"x": {"auth": "${PASSWORD}"}`);
    expect(() => readDockerConfig(file)).toThrow(new RegistryError(`the docker configuration ${file} is not valid JSON`));
  });
});

/** A test needs the registry that scripts/dev-engine.sh runs on 127.0.0.1:5000; elsewhere it is skipped. */
const LOCAL_REFERENCE = '127.0.0.1:5000/debian:bookworm';
async function localRegistryProblem(): Promise<string | undefined> {
  try {
    const answer = await fetch('http://127.0.0.1:5000/v2/', { signal: AbortSignal.timeout(2000) });
    if (answer.status !== 200) return `http://127.0.0.1:5000/v2/ answered ${answer.status}`;
    const manifest = await fetch('http://127.0.0.1:5000/v2/debian/manifests/bookworm', {
      method: 'HEAD',
      headers: { Accept: ACCEPTED.join(', ') },
      signal: AbortSignal.timeout(2000),
    });
    if (manifest.status !== 200) return `the registry on 127.0.0.1:5000 does not serve debian:bookworm (${manifest.status})`;
  } catch {
    return 'no registry answers on http://127.0.0.1:5000 (scripts/dev-engine.sh sets one up)';
  }
  return undefined;
}
const localProblem = await localRegistryProblem();

test(`${LOCAL_REFERENCE} resolves to the digest docker recorded for it`, async (context) => {
  if (localProblem) return context.skip(localProblem);
  const inspected = await execa('docker', ['image', 'inspect', '--format', '{{json .RepoDigests}}', LOCAL_REFERENCE], { reject: false });
  if (inspected.exitCode !== 0) return context.skip(`\`docker image inspect ${LOCAL_REFERENCE}\` failed: ${inspected.stderr.split('\n')[0]}`);
  const repoDigests = JSON.parse(inspected.stdout) as string[];
  const recorded = repoDigests.find((repoDigest) => repoDigest.startsWith('127.0.0.1:5000/debian@'));
  if (!recorded) return context.skip(`docker has no repo digest for 127.0.0.1:5000/debian (it has ${JSON.stringify(repoDigests)})`);
  const resolved = await resolveDigest(LOCAL_REFERENCE);
  expect(resolved.digest).toBe(recorded.slice(recorded.indexOf('@') + 1));
});
