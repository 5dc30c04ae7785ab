import { parseReference, TAG } from './reference.js';

/** Variables with a meaning in MLRun's image naming; every manifest has them, with these defaults. */
export const NAMING_DEFAULTS = {
  MLRUN_VERSION: 'unstable',
  MLRUN_DOCKER_REPO: 'mlrun',
  MLRUN_DOCKER_REGISTRY: '',
  MLRUN_PYTHON_VERSION: '3.9',
  INCLUDE_PYTHON_VERSION_SUFFIX: '',
} as const;

export type NamingValues = Record<keyof typeof NAMING_DEFAULTS, string>;

export type Named = { ok: true; value: string } | { ok: false; variable: keyof NamingValues; problem: string };

/** MLRun's tag: the version with `+` turned into `-`, plus `-pyXY` when the suffix is asked for. */
export function imageTag(values: NamingValues): Named {
  const version = values.MLRUN_VERSION.replace(/\+/g, '-');
  let suffix = '';
  if (values.INCLUDE_PYTHON_VERSION_SUFFIX !== '') {
    const match = /^(\d+)\.(\d+)/.exec(values.MLRUN_PYTHON_VERSION);
    if (!match) {
      return {
        ok: false,
        variable: 'MLRUN_PYTHON_VERSION',
        problem: `\`${values.MLRUN_PYTHON_VERSION}\` is not MAJOR.MINOR, so no -pyXY tag suffix can be made from it`,
      };
    }
    suffix = `-py${match[1]}${match[2]}`;
  }
  const tag = `${version}${suffix}`;
  if (!TAG.test(tag)) {
    return {
      ok: false,
      variable: 'MLRUN_VERSION',
      problem: `\`${values.MLRUN_VERSION}\` cannot form an image tag (\`${tag}\`): a tag is up to 128 letters, digits, _ . - (\`+\` becomes \`-\`), not starting with . or -`,
    };
  }
  return { ok: true, value: tag };
}

/** `<registry/><repo>`: the registry gets its trailing `/` when it was written without one. */
export function imagePrefix(values: Pick<NamingValues, 'MLRUN_DOCKER_REGISTRY' | 'MLRUN_DOCKER_REPO'>): string {
  const registry = values.MLRUN_DOCKER_REGISTRY.trim();
  return `${registry === '' || registry.endsWith('/') ? registry : `${registry}/`}${values.MLRUN_DOCKER_REPO.trim()}`;
}

/** The full reference an image of the family is tagged with: `<registry><repo>/<name>:<tag>`. */
export function imageReference(name: string, values: NamingValues): Named {
  const tag = imageTag(values);
  if (!tag.ok) return tag;
  const reference = `${imagePrefix(values)}/${name}:${tag.value}`;
  const parsed = parseReference(reference);
  if (!parsed.ok) {
    const registryOnly = imagePrefix({ MLRUN_DOCKER_REGISTRY: values.MLRUN_DOCKER_REGISTRY, MLRUN_DOCKER_REPO: 'repo' });
    const variable = parseReference(`${registryOnly}/image`).ok ? 'MLRUN_DOCKER_REPO' : 'MLRUN_DOCKER_REGISTRY';
    return { ok: false, variable, problem: `\`${reference}\` is not a valid image reference: ${parsed.problem}` };
  }
  return { ok: true, value: reference };
}
