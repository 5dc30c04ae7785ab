/**
 * A client of the distribution registry HTTP API (v2), just enough to pin an image reference to the
 * digest of its manifest: `GET /v2/<repository>/manifests/<tag>`, with the token and basic
 * authentication registries ask for. Used by `lock` to pin every external base image.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { joinRegistry } from '../mlrun/naming.js';
import { MlrunImagesError } from '../errors.js';
import { formatReference, parseReference } from '../reference.js';

/** `~/.docker/config.json` as `docker login` writes it; only what this client reads. */
export interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  /** Credential helpers are not called; they are only named when a registry refuses access. */
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

export interface ResolvedDigest {
  /** The reference as asked (`python:3.9-slim`), before any mirror prefix. */
  reference: string;
  /** `sha256:…` of the manifest, or of the index / manifest list. */
  digest: string;
  /** Media type of what the digest names; empty when the reference was already pinned (no request made). */
  mediaType: string;
  /** For an index / manifest list: the digest of each platform's manifest, sorted by platform. */
  platforms?: { platform: string; digest: string }[];
}

export interface RegistryClientOptions {
  fetch?: typeof fetch;
  /** Parsed ~/.docker/config.json (the caller reads the file, see readDockerConfig). */
  dockerConfig?: DockerConfig;
  /** Base-registry mirror prefix (`--base-registry`): the reference is fetched from PREFIX + reference. */
  mirror?: string;
  /** Per request; default 30000. */
  timeoutMs?: number;
}

/** A registry could not be asked, or would not say, what a reference points at. */
export class RegistryError extends MlrunImagesError {
  override readonly exitCode = 1;
  override name = 'RegistryError';
}

export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;
/** Every manifest type the client accepts for a tag, in the order of the Accept header it sends. */
export const ACCEPTED_MANIFEST_TYPES: readonly string[] = [
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.dockerManifestList,
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.dockerManifest,
];
const INDEX_TYPES: readonly string[] = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerManifestList];

const DOCKER_HUB_NAMES = new Set(['docker.io', 'index.docker.io']);
const DOCKER_HUB_HOST = 'registry-1.docker.io';
const DOCKER_HUB_CONFIG_KEY = 'https://index.docker.io/v1/';
const DOCKER_HUB_CONFIG_HOSTS = new Set(['index.docker.io', 'docker.io', 'registry-1.docker.io']);
const DEFAULT_TIMEOUT_MS = 30_000;
/** Registries refuse manifests over 4 MiB; no answer this client reads (a manifest, a token, an error) is larger. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/** A response's body, read up to `max` bytes; undefined (and the rest left unread) when it is longer. */
async function boundedBody(response: Response, max: number): Promise<Buffer | undefined> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > max) {
    await response.body?.cancel().catch(() => {});
    return undefined;
  }
  if (response.body === null) return Buffer.alloc(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    total += chunk.value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(chunk.value);
  }
  return Buffer.concat(chunks);
}
const EXCERPT_LENGTH = 200;

/** Where a reference is fetched from, after Docker Hub normalisation. */
export interface RegistryTarget {
  /** `registry-1.docker.io`, `quay.io`, `127.0.0.1:5000` */
  host: string;
  dockerHub: boolean;
  /** `http://…` for a loopback registry, `https://…` otherwise; no trailing slash. */
  origin: string;
  /** `library/python`, `team/app` */
  repository: string;
  tag: string;
}

/** The default place of the docker client configuration: $DOCKER_CONFIG/config.json or ~/.docker/config.json. */
export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG ? join(env.DOCKER_CONFIG, 'config.json') : join(homedir(), '.docker', 'config.json');
}

/** Read a docker client configuration; a missing file is an empty one. */
export function readDockerConfig(path: string = dockerConfigPath()): DockerConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new RegistryError(`cannot read the docker configuration ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The parser's message quotes the text, which may hold credentials.
    throw new RegistryError(`the docker configuration ${path} is not valid JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RegistryError(`the docker configuration ${path} is not a JSON object`);
  }
  const auths = (parsed as { auths?: unknown }).auths;
  if (auths !== undefined && (typeof auths !== 'object' || auths === null || Array.isArray(auths))) {
    throw new RegistryError(`the docker configuration ${path}: \`auths\` is not an object`);
  }
  return parsed as DockerConfig;
}

function isLoopback(host: string): boolean {
  const portAt = host.startsWith('[') ? host.indexOf(']:') + 1 : host.lastIndexOf(':');
  const name = (portAt > 0 ? host.slice(0, portAt) : host).toLowerCase();
  return name === 'localhost' || name === '[::1]' || /^127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$/.test(name);
}

/** Docker Hub normalisation and the scheme: where `reference` (already parsed) is fetched from. */
export function registryTarget(registry: string | undefined, path: string, tag: string | undefined): RegistryTarget {
  const dockerHub = registry === undefined || DOCKER_HUB_NAMES.has(registry.toLowerCase());
  const host = dockerHub ? DOCKER_HUB_HOST : registry;
  const repository = dockerHub && !path.includes('/') ? `library/${path}` : path;
  const origin = `${isLoopback(host) ? 'http' : 'https'}://${host}`;
  return { host, dockerHub, origin, repository, tag: tag ?? 'latest' };
}

interface Credentials {
  /** `user:password` for HTTP basic authentication, when the configuration has them. */
  basic?: { username: string; password: string };
  /** An OAuth2 refresh token (`identitytoken`), as `docker login` stores for some registries. */
  identityToken?: string;
}

/** The host a docker configuration key names: `https://host/v1/` → `host`. */
function configKeyHost(key: string): string {
  return key
    .replace(/^[a-z]+:\/\//i, '')
    .split('/')[0]!
    .toLowerCase();
}

function findAuthEntry(config: DockerConfig | undefined, target: RegistryTarget) {
  const auths = config?.auths;
  if (!auths) return undefined;
  const exact = target.dockerHub ? DOCKER_HUB_CONFIG_KEY : target.host;
  if (auths[exact]) return auths[exact];
  const hosts = target.dockerHub ? DOCKER_HUB_CONFIG_HOSTS : new Set([target.host.toLowerCase()]);
  const key = Object.keys(auths)
    .sort()
    .find((candidate) => hosts.has(configKeyHost(candidate)));
  return key === undefined ? undefined : auths[key];
}

function credentialHelperFor(config: DockerConfig | undefined, target: RegistryTarget): string | undefined {
  const helpers = config?.credHelpers ?? {};
  const hosts = target.dockerHub ? DOCKER_HUB_CONFIG_HOSTS : new Set([target.host.toLowerCase()]);
  const key = Object.keys(helpers).find((candidate) => hosts.has(configKeyHost(candidate)));
  return (key !== undefined ? helpers[key] : undefined) ?? config?.credsStore;
}

interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** `Bearer realm="…",service="…",scope="…"`: the first challenge of a WWW-Authenticate header. */
export function parseChallenge(header: string): Challenge | undefined {
  const match = /^\s*([A-Za-z][\w-]*)\s*(.*)$/s.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  const param = /\s*,?\s*([A-Za-z][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))/gy;
  const rest = match[2]!;
  for (let found = param.exec(rest); found !== null; found = param.exec(rest)) {
    params[found[1]!.toLowerCase()] = found[2] !== undefined ? found[2].replace(/\\(.)/g, '$1') : found[3]!;
  }
  return { scheme: match[1]!.toLowerCase(), params };
}

interface Answer {
  status: number;
  headers: Headers;
  body: Buffer;
}

function excerpt(body: Buffer): string {
  const text = body.toString('utf8').replace(/\s+/g, ' ').trim();
  if (text === '') return '(empty body)';
  return text.length > EXCERPT_LENGTH ? `${text.slice(0, EXCERPT_LENGTH)}…` : text;
}

/** Why a request did not get an answer, in words. */
function networkProblem(error: unknown, timeoutMs: number): string {
  const name = (error as Error | undefined)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${timeoutMs / 1000} s`;
  const causes: unknown[] = [];
  let cause: unknown = error;
  for (let depth = 0; cause && depth < 5; depth++) {
    causes.push(cause);
    const errors = (cause as { errors?: unknown[] }).errors;
    cause = (cause as { cause?: unknown }).cause ?? (Array.isArray(errors) ? errors[0] : undefined);
  }
  for (const candidate of causes) {
    const code = (candidate as { code?: unknown }).code;
    if (typeof code !== 'string') continue;
    if (code === 'ECONNREFUSED') return 'connection refused';
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') return 'the host name does not resolve (DNS)';
    if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return 'the connection timed out';
    if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'the connection was closed before an answer';
    if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'no route to the host';
    if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_SSL/.test(code)) {
      return `TLS failed (${code}); a registry without TLS is only spoken to over http on localhost / 127.0.0.1 / [::1]`;
    }
    return `${(candidate as Error).message || code} (${code})`;
  }
  const last = causes[causes.length - 1] as Error | undefined;
  return last?.message || String(error);
}

/** What one resolveDigest call knows: where to ask, how, and which strings must never be shown. */
class Resolution {
  private readonly secrets = new Set<string>();
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;
  private readonly credentials: Credentials | undefined;

  constructor(
    readonly label: string,
    readonly target: RegistryTarget,
    private readonly options: RegistryClientOptions,
  ) {
    this.fetch = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.credentials = this.readCredentials();
  }

  /** A RegistryError with every credential and token this call has seen taken out. */
  fail(message: string): RegistryError {
    let text = message;
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) text = text.split(secret).join('***');
    return new RegistryError(text);
  }

  private secret(value: string): string {
    if (value !== '') this.secrets.add(value);
    return value;
  }

  private readCredentials(): Credentials | undefined {
    const entry = findAuthEntry(this.options.dockerConfig, this.target);
    if (!entry) return undefined;
    const credentials: Credentials = {};
    if (typeof entry.auth === 'string' && entry.auth !== '') {
      this.secret(entry.auth);
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon <= 0) {
        throw this.fail(
          `the credentials for ${this.target.host} in ~/.docker/config.json are not base64 of USER:PASSWORD; log in again with \`${this.loginCommand}\``,
        );
      }
      credentials.basic = { username: decoded.slice(0, colon), password: this.secret(decoded.slice(colon + 1)) };
    } else if (typeof entry.username === 'string' && typeof entry.password === 'string' && entry.username !== '') {
      credentials.basic = { username: entry.username, password: this.secret(entry.password) };
    }
    if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '') credentials.identityToken = this.secret(entry.identitytoken);
    return credentials.basic || credentials.identityToken ? credentials : undefined;
  }

  get loginCommand(): string {
    return this.target.dockerHub ? 'docker login' : `docker login ${this.target.host}`;
  }

  private basicHeader(): string | undefined {
    const basic = this.credentials?.basic;
    if (!basic) return undefined;
    const encoded = this.secret(Buffer.from(`${basic.username}:${basic.password}`, 'utf8').toString('base64'));
    return `Basic ${encoded}`;
  }

  /** One request, its body read in full; a request that gets no answer is a RegistryError naming `whom`. */
  private async send(url: string, init: RequestInit, whom: string): Promise<Answer> {
    try {
      const response = await this.fetch(url, { ...init, redirect: 'follow', signal: AbortSignal.timeout(this.timeoutMs) });
      const body = await boundedBody(response, MAX_ANSWER_BYTES);
      if (body === undefined) throw this.fail(`${whom} answered with more than ${MAX_ANSWER_BYTES / 1024 / 1024} MiB, more than any manifest or token holds`);
      return { status: response.status, headers: response.headers, body };
    } catch (error) {
      if (error instanceof RegistryError) throw error;
      throw this.fail(`cannot reach ${whom}: ${networkProblem(error, this.timeoutMs)}`);
    }
  }

  private refused(credentialsSent: boolean): RegistryError {
    if (credentialsSent) {
      return this.fail(
        `${this.label}: the credentials for ${this.target.host} in ~/.docker/config.json were refused; log in again with \`${this.loginCommand}\``,
      );
    }
    const helper = credentialHelperFor(this.options.dockerConfig, this.target);
    const helperNote = helper
      ? ` (credentials kept by the credential helper docker-credential-${helper} are not read; \`docker login\` with it unset stores them in the file)`
      : '';
    return this.fail(
      `${this.label}: ${this.target.host} refused access; log in with \`${this.loginCommand}\`${helperNote}, or check the name: registries also answer so for repositories that do not exist`,
    );
  }

  /** The Authorization header a challenge asked for, kept for the requests after it. */
  private authorization: string | undefined;

  /** A GET of the registry, authorised as its challenge asks; a refusal is a RegistryError. */
  private async get(url: string, accept: string): Promise<Answer> {
    const { host } = this.target;
    const headers = (authorization = this.authorization): Record<string, string> => ({
      Accept: accept,
      ...(authorization ? { Authorization: authorization } : {}),
    });
    let answer = await this.send(url, { headers: headers() }, `registry ${host}`);
    if (answer.status === 401) {
      const challenge = parseChallenge(answer.headers.get('www-authenticate') ?? '');
      let credentialsSent = false;
      if (challenge?.scheme === 'bearer') {
        const token = await this.token(challenge);
        credentialsSent = token.credentialsSent;
        this.authorization = `Bearer ${token.token}`;
      } else if (challenge?.scheme === 'basic') {
        const basic = this.basicHeader();
        if (!basic) throw this.refused(false);
        credentialsSent = true;
        this.authorization = basic;
      }
      if (this.authorization !== undefined) answer = await this.send(url, { headers: headers() }, `registry ${host}`);
      if (answer.status === 401 || answer.status === 403) throw this.refused(credentialsSent);
    }
    if (answer.status === 403) throw this.refused(false);
    if (answer.status === 429) {
      throw this.fail(
        `${this.label}: ${host} answered 429 Too Many Requests (a pull rate limit; \`${this.loginCommand}\` may raise it): ${excerpt(answer.body)}`,
      );
    }
    return answer;
  }

  private manifestUrl(reference: string): string {
    return `${this.target.origin}/v2/${this.target.repository}/manifests/${reference}`;
  }

  async resolve(asked: string): Promise<ResolvedDigest> {
    const { host, tag } = this.target;
    const answer = await this.get(this.manifestUrl(tag), ACCEPTED_MANIFEST_TYPES.join(', '));
    if (answer.status === 404) throw this.fail(`${this.label}: no such image or tag on ${host}`);
    if (answer.status !== 200) throw this.fail(`${this.label}: ${host} answered ${answer.status}: ${excerpt(answer.body)}`);
    return this.manifest(asked, answer);
  }

  /**
   * The labels of the image's configuration (of the `platform` manifest, for an index); undefined when the registry
   * has no such tag.
   */
  async labels(platform: string): Promise<Record<string, string> | undefined> {
    const { host, tag, origin, repository } = this.target;
    const json = (answer: Answer, what: string): Record<string, unknown> => {
      if (answer.status !== 200) throw this.fail(`${this.label}: ${host} answered ${answer.status} for its ${what}: ${excerpt(answer.body)}`);
      try {
        return JSON.parse(answer.body.toString('utf8')) as Record<string, unknown>;
      } catch {
        throw this.fail(`${this.label}: ${host} answered with a ${what} that is not JSON`);
      }
    };
    const first = await this.get(this.manifestUrl(tag), ACCEPTED_MANIFEST_TYPES.join(', '));
    if (first.status === 404) return undefined;
    let manifest = json(first, 'manifest');
    if (Array.isArray(manifest.manifests)) {
      const entries = platformsOf(manifest.manifests);
      const chosen = entries.find((entry) => entry.platform === platform) ?? entries[0];
      if (!chosen) throw this.fail(`${this.label}: ${host} has an image index without any platform's image`);
      manifest = json(await this.get(this.manifestUrl(chosen.digest), ACCEPTED_MANIFEST_TYPES.join(', ')), 'manifest');
    }
    const config = (manifest.config as { digest?: unknown } | undefined)?.digest;
    if (typeof config !== 'string') throw this.fail(`${this.label}: ${host} answered with a manifest that names no configuration`);
    const blob = json(await this.get(`${origin}/v2/${repository}/blobs/${config}`, '*/*'), 'image configuration');
    const labels = (blob.config as { Labels?: unknown } | undefined)?.Labels;
    return labels !== null && typeof labels === 'object' ? (labels as Record<string, string>) : {};
  }

  /** A bearer token from the realm a challenge names: anonymously, or with the configured credentials. */
  private async token(challenge: Challenge): Promise<{ token: string; credentialsSent: boolean }> {
    const { realm, service, scope } = challenge.params;
    const { host, repository } = this.target;
    let realmUrl: URL;
    try {
      realmUrl = new URL(realm ?? '');
      if (realmUrl.protocol !== 'https:' && realmUrl.protocol !== 'http:') throw new Error('not http(s)');
    } catch {
      throw this.fail(`${this.label}: ${host} asks for a token but names no usable token server (realm ${JSON.stringify(realm ?? '')})`);
    }
    const whom = `the token server ${realmUrl.host} of registry ${host}`;
    const scopeValue = scope ?? `repository:${repository}:pull`;
    let answer: Answer;
    let credentialsSent = false;
    if (this.credentials?.identityToken) {
      // OAuth2 refresh-token grant, as the docker client does with an identity token.
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: 'mlrun-images',
        refresh_token: this.credentials.identityToken,
        scope: scopeValue,
      });
      if (service !== undefined) form.set('service', service);
      credentialsSent = true;
      answer = await this.send(
        realmUrl.href,
        { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form.toString() },
        whom,
      );
    } else {
      if (service !== undefined) realmUrl.searchParams.set('service', service);
      realmUrl.searchParams.set('scope', scopeValue);
      const basic = this.basicHeader();
      credentialsSent = basic !== undefined;
      answer = await this.send(realmUrl.href, basic ? { headers: { Authorization: basic } } : {}, whom);
    }
    if (answer.status === 401 || answer.status === 403) throw this.refused(credentialsSent);
    if (answer.status !== 200) throw this.fail(`${this.label}: ${whom} answered ${answer.status}: ${excerpt(answer.body)}`);
    let parsed: { token?: unknown; access_token?: unknown };
    try {
      parsed = JSON.parse(answer.body.toString('utf8')) as typeof parsed;
    } catch {
      throw this.fail(`${this.label}: ${whom} answered with something that is not JSON`);
    }
    const token = typeof parsed?.token === 'string' && parsed.token !== '' ? parsed.token : parsed?.access_token;
    if (typeof token !== 'string' || token === '') throw this.fail(`${this.label}: ${whom} answered without a token`);
    if (typeof parsed.token === 'string') this.secret(parsed.token);
    if (typeof parsed.access_token === 'string') this.secret(parsed.access_token);
    return { token: this.secret(token), credentialsSent };
  }

  private manifest(asked: string, answer: Answer): ResolvedDigest {
    const { host } = this.target;
    const computed = `sha256:${createHash('sha256').update(answer.body).digest('hex')}`;
    const header = answer.headers.get('docker-content-digest')?.trim();
    const digest = computed;
    // The lock stores sha256 digests only; a registry that names another algorithm cannot be locked against.
    if (header) {
      if (!/^sha256:[0-9a-f]{64}$/i.test(header)) {
        throw this.fail(`${this.label}: ${host} answered with Docker-Content-Digest \`${header.slice(0, 100)}\`, which is not sha256:<64 hex digits>`);
      }
      if (computed !== header.toLowerCase()) {
        throw this.fail(`${this.label}: ${host} says the manifest's digest is ${header}, but the manifest it sent hashes to ${computed}`);
      }
    }

    let body: { mediaType?: unknown; manifests?: unknown; config?: unknown; layers?: unknown };
    try {
      body = JSON.parse(answer.body.toString('utf8')) as typeof body;
    } catch {
      throw this.fail(`${this.label}: ${host} answered with a manifest that is not JSON`);
    }
    if (typeof body !== 'object' || body === null) throw this.fail(`${this.label}: ${host} answered with a manifest that is not a JSON object`);
    const contentType = (answer.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const mediaType =
      (typeof body.mediaType === 'string' && body.mediaType) ||
      (ACCEPTED_MANIFEST_TYPES.includes(contentType) && contentType) ||
      (Array.isArray(body.manifests) ? MEDIA_TYPES.ociIndex : body.config && Array.isArray(body.layers) ? MEDIA_TYPES.ociManifest : contentType);
    if (!ACCEPTED_MANIFEST_TYPES.includes(mediaType)) {
      throw this.fail(`${this.label}: ${host} answered with a manifest of type \`${mediaType || '(none)'}\`, not one of ${ACCEPTED_MANIFEST_TYPES.join(', ')}`);
    }

    const resolved: ResolvedDigest = { reference: asked, digest, mediaType };
    if (INDEX_TYPES.includes(mediaType)) resolved.platforms = platformsOf(body.manifests);
    return resolved;
  }
}

interface IndexEntry {
  digest?: unknown;
  platform?: { os?: unknown; architecture?: unknown; variant?: unknown };
}

/** `os/architecture[/variant]` of each entry of an index, without attestations (`unknown/unknown`), sorted. */
function platformsOf(manifests: unknown): { platform: string; digest: string }[] {
  if (!Array.isArray(manifests)) return [];
  const platforms: { platform: string; digest: string }[] = [];
  for (const entry of manifests as IndexEntry[]) {
    const { os, architecture, variant } = entry?.platform ?? {};
    if (typeof entry?.digest !== 'string' || typeof os !== 'string' || typeof architecture !== 'string') continue;
    if (os === 'unknown' && architecture === 'unknown') continue;
    const platform = `${os}/${architecture}${typeof variant === 'string' && variant !== '' ? `/${variant}` : ''}`;
    platforms.push({ platform, digest: entry.digest });
  }
  const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return platforms.sort((a, b) => order(a.platform, b.platform) || order(a.digest, b.digest));
}

/** The digest of the manifest (or index) `reference` names, asked of its registry (or of `options.mirror`). */
export async function resolveDigest(reference: string, options: RegistryClientOptions = {}): Promise<ResolvedDigest> {
  const fetched = joinRegistry(options.mirror ?? '', reference);
  const parsed = parseReference(fetched);
  if (!parsed.ok) {
    const as = fetched === reference ? '' : ` (\`${reference}\` with the base-registry prefix \`${options.mirror}\`)`;
    throw new RegistryError(`\`${fetched}\`${as} is not a valid image reference: ${parsed.problem}`);
  }
  const { registry, path, tag, digest } = parsed.reference;
  if (digest) return { reference, digest, mediaType: '' };
  const target = registryTarget(registry, path, tag);
  const label = formatReference({ ...(registry ? { registry } : {}), path, tag: target.tag });
  return new Resolution(label, target, options).resolve(reference);
}

/**
 * The labels of the image `reference` names in its registry (for an index, of its `platform` image, default
 * linux/amd64); undefined when the registry has no such tag.
 */
export async function registryLabels(
  reference: string,
  options: RegistryClientOptions & { platform?: string } = {},
): Promise<Record<string, string> | undefined> {
  const parsed = parseReference(reference);
  if (!parsed.ok) throw new RegistryError(`\`${reference}\` is not a valid image reference: ${parsed.problem}`);
  const { registry, path, tag } = parsed.reference;
  const target = registryTarget(registry, path, tag);
  const label = formatReference({ ...(registry ? { registry } : {}), path, tag: target.tag });
  return new Resolution(label, target, options).labels(options.platform ?? 'linux/amd64');
}
