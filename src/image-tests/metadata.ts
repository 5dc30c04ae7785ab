import type { TestKind } from './kind.js';

/** An image's configuration, as engines report it (OCI and docker alike). */
export interface ImageConfig {
  env: Record<string, string>;
  labels: Record<string, string>;
  user: string;
  workdir: string;
  entrypoint: string[];
  cmd: string[];
  /** `8080/tcp` */
  expose: string[];
  volumes: string[];
}

/** The configuration as docker, podman and buildah print it (`Env: ["A=b"]`, `ExposedPorts: {"80/tcp": {}}`, …). */
export function imageConfigOf(config: Record<string, unknown> | null | undefined): ImageConfig {
  const c = config ?? {};
  const env: Record<string, string> = {};
  for (const entry of (c.Env as string[] | null) ?? []) {
    const equals = entry.indexOf('=');
    env[equals === -1 ? entry : entry.slice(0, equals)] = equals === -1 ? '' : entry.slice(equals + 1);
  }
  return {
    env,
    labels: (c.Labels as Record<string, string> | null) ?? {},
    user: (c.User as string | undefined) ?? '',
    workdir: (c.WorkingDir as string | undefined) ?? '',
    entrypoint: (c.Entrypoint as string[] | null) ?? [],
    cmd: (c.Cmd as string[] | null) ?? [],
    expose: Object.keys((c.ExposedPorts as object | null) ?? {}),
    volumes: Object.keys((c.Volumes as object | null) ?? {}),
  };
}

/** `metadata`: a subset of the image's configuration. */
export const metadata: TestKind = {
  name: 'metadata',
  flat: false,
  schema: {
    properties: {
      env: { $ref: '#/definitions/stringMap' },
      labels: { $ref: '#/definitions/stringMap' },
      user: { type: 'string' },
      workdir: { type: 'string' },
      entrypoint: { type: 'array', items: { type: 'string' } },
      cmd: { type: 'array', items: { type: 'string' } },
      expose: { type: 'array', items: { $ref: '#/definitions/port' } },
      volumes: { type: 'array', items: { type: 'string' } },
    },
  },
  docs: {
    parameters: '`env`, `labels`, `user`, `workdir`, `entrypoint`, `cmd`, `expose`, `volumes`',
    checks: "a subset of the image's configuration: each entry given must be there, as given",
  },
  check: () => [],
  run: async (runtime, image, params, options) => judgeMetadata(params, imageConfigOf(await runtime.config(image, options.signal))),
};

const listed = (list: readonly string[]) => (list.length === 0 ? '(none)' : JSON.stringify(list));

/** What went wrong with a metadata test; empty when the configuration holds every entry given. */
export function judgeMetadata(params: Record<string, unknown>, config: ImageConfig): string[] {
  const problems: string[] = [];
  for (const field of ['env', 'labels'] as const) {
    for (const [name, value] of Object.entries((params[field] as Record<string, unknown> | undefined) ?? {})) {
      const actual = config[field][name];
      if (actual === undefined) problems.push(`${field} has no ${name}`);
      else if (actual !== String(value)) problems.push(`${field} ${name} is ${JSON.stringify(actual)}, expected ${JSON.stringify(String(value))}`);
    }
  }
  for (const field of ['user', 'workdir'] as const) {
    if (params[field] !== undefined && config[field] !== String(params[field]))
      problems.push(`${field} is ${JSON.stringify(config[field])}, expected ${JSON.stringify(String(params[field]))}`);
  }
  for (const field of ['entrypoint', 'cmd'] as const) {
    const wanted = (params[field] as unknown[] | undefined)?.map(String);
    if (wanted !== undefined && JSON.stringify(wanted) !== JSON.stringify(config[field]))
      problems.push(`${field} is ${listed(config[field])}, expected ${listed(wanted)}`);
  }
  for (const port of ((params.expose as unknown[] | undefined) ?? []).map(String)) {
    const normal = port.includes('/') ? port : `${port}/tcp`;
    if (!config.expose.includes(normal)) problems.push(`port ${normal} is not exposed (exposed: ${listed(config.expose)})`);
  }
  for (const volume of ((params.volumes as unknown[] | undefined) ?? []).map(String)) {
    if (!config.volumes.includes(volume)) problems.push(`${volume} is not a volume (volumes: ${listed(config.volumes)})`);
  }
  return problems;
}
