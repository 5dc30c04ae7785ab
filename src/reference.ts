/**
 * Image references by the distribution reference grammar:
 *   reference := [registry "/"] path [":" tag] ["@" digest]
 * The one parser every command uses.
 */
export interface ImageReference {
  /** Registry host with optional port (`quay.io`, `localhost:5000`); undefined means Docker Hub. */
  registry?: string;
  /** Repository path (`mlrun/mlrun`, `python`). */
  path: string;
  tag?: string;
  digest?: string;
}

export type ParsedReference = { ok: true; reference: ImageReference } | { ok: false; problem: string };

const HOST_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const IPV6 = /^\[[0-9a-fA-F:.]+\]$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
export const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,}$/;
const MAX_NAME_LENGTH = 255;

function looksLikeRegistry(first: string): boolean {
  return first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase();
}

function checkRegistry(registry: string): string | undefined {
  const portAt = registry.startsWith('[') ? registry.indexOf(']:') + 1 : registry.lastIndexOf(':');
  const host = portAt > 0 ? registry.slice(0, portAt) : registry;
  const port = portAt > 0 ? registry.slice(portAt + 1) : undefined;
  if (port !== undefined && !/^[0-9]{1,5}$/.test(port)) return `the registry port \`${port}\` is not a number`;
  if (IPV6.test(host)) return undefined;
  if (!host.split('.').every((component) => HOST_COMPONENT.test(component))) {
    return `the registry host \`${host}\` is not a valid host name`;
  }
  return undefined;
}

export function parseReference(text: string): ParsedReference {
  const fail = (problem: string): ParsedReference => ({ ok: false, problem });
  if (text === '') return fail('it is empty');
  if (/\s/.test(text)) return fail('it contains white space');

  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return fail(`the digest \`${digest}\` is not ALGORITHM:HEX (sha256:…, at least 32 hex digits)`);
  }

  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.indexOf(':', lastSlash + 1);
  if (colon !== -1) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return fail(`the tag \`${tag}\` is invalid: up to 128 letters, digits, _ . -, not starting with . or -`);
  }

  const components = rest.split('/');
  let registry: string | undefined;
  if (components.length > 1 && looksLikeRegistry(components[0]!)) {
    registry = components.shift()!;
    const problem = checkRegistry(registry);
    if (problem) return fail(problem);
  }
  const path = components.join('/');
  if (path === '') return fail('the repository name is missing');
  for (const component of components) {
    if (!PATH_COMPONENT.test(component)) {
      return fail(`the repository path component \`${component}\` is invalid: lowercase letters and digits, separated by . _ __ or -`);
    }
  }
  const nameLength = (registry ? registry.length + 1 : 0) + path.length;
  if (nameLength > MAX_NAME_LENGTH) return fail(`the name is ${nameLength} characters long; at most ${MAX_NAME_LENGTH} are allowed`);

  return { ok: true, reference: { ...(registry ? { registry } : {}), path, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) } };
}

export function formatReference({ registry, path, tag, digest }: ImageReference): string {
  return `${registry ? `${registry}/` : ''}${path}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
}

/** Image names in a manifest become repository path components, so they follow that grammar. */
export function isValidImageName(name: string): boolean {
  return PATH_COMPONENT.test(name) && name.length <= 128;
}
