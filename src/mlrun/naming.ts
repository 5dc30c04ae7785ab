/**
 * MLRun's naming rules, in one place: how a version becomes a tag, which versions are development builds, what
 * counts as an MLRun image, and how a registry is put in front of a repository. `list`, `build`, `lint`,
 * `resolve` and the mlrun layer all ask here.
 */
import { parseReference, TAG } from '../reference.js';

/** Variables with a meaning in MLRun's image naming; every manifest has them, with these defaults. */
export const NAMING_DEFAULTS = {
  MLRUN_VERSION: 'unstable',
  MLRUN_DOCKER_REPO: 'mlrun',
  MLRUN_DOCKER_REGISTRY: '',
  MLRUN_PYTHON_VERSION: '3.9',
  INCLUDE_PYTHON_VERSION_SUFFIX: '',
} as const;

export type NamingValues = Record<keyof typeof NAMING_DEFAULTS, string>;

/**
 * MLRun's release variables: they reach Dockerfiles as build arguments, not as text, so that generated/ stays the
 * same from one release, repository or registry to the next.
 */
export const RELEASE_VARIABLES = ['MLRUN_VERSION', 'MLRUN_DOCKER_REPO', 'MLRUN_DOCKER_REGISTRY'] as const;
export type ReleaseVariable = (typeof RELEASE_VARIABLES)[number];

export function isReleaseVariable(name: string): name is ReleaseVariable {
  return (RELEASE_VARIABLES as readonly string[]).includes(name);
}

/** The Makefile's tag of a version: `+` becomes `-` (`1.7.0+abc` → `1.7.0-abc`). */
export function makefileTag(version: string): string {
  return version.replace(/\+/g, '-');
}

/** A python package version as MLRun's client tags images with it: the Makefile's tag, then a leading `0.0.0-` dropped. */
export function versionToTag(version: string): string {
  const tag = makefileTag(version);
  return tag.startsWith('0.0.0-') ? tag.slice('0.0.0-'.length) : tag;
}

/** MLRun's client: a tag of a development build (`0.0.0-…`, or one that says `unstable`). */
export function isDevelopmentTag(tag: string): boolean {
  return tag.startsWith('0.0.0-') || tag.includes('unstable');
}

/**
 * The version mlrun's version file holds for MLRUN_VERSION, as MLRun's Makefile writes it before a build
 * (`make update-version-file`): a version that starts `X.Y.Z` as it is, anything else `0.0.0+VERSION`.
 */
export function sourceVersion(version: string): string {
  return /^[0-9].*\.[0-9].*\.[0-9]/.test(version) ? version : `0.0.0+${version}`;
}
/** The versions sourceVersion keeps as they are, as a shell `case` pattern: the image decides at build time. */
export const RELEASE_VERSION_CASE = '[0-9]*.[0-9]*.[0-9]*';

/** A development build: MLRUN_VERSION names no release (`unstable`, `0.0.0…`). */
export function isDevelopmentBuild(version: string): boolean {
  return sourceVersion(version).startsWith('0.0.0');
}

/** MLRun's test for its own images, on the reference as written: the repository is `mlrun` (`mlrun/…`, `…/mlrun/…`). */
export function isMlrunImage(reference: string): boolean {
  return reference.startsWith('mlrun/') || reference.includes('/mlrun/');
}

/** `registry` in front of `rest`, with the `/` between them added when the registry was written without it. */
export function joinRegistry(registry: string, rest: string): string {
  if (registry === '') return rest;
  return `${registry.endsWith('/') ? registry : `${registry}/`}${rest}`;
}

export type Named = { ok: true; value: string } | { ok: false; variable: keyof NamingValues; problem: string };

/**
 * MLRun's tag: the version with `+` turned into `-`, plus `-pyXY` when the suffix is asked for, plus `extra` (the labels
 * of variants other than the python, `-cuda12`, which MLRun's naming does not know).
 */
export function imageTag(values: NamingValues, extra = ''): Named {
  const version = makefileTag(values.MLRUN_VERSION);
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
  const tag = `${version}${suffix}${extra}`;
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
  return joinRegistry(values.MLRUN_DOCKER_REGISTRY.trim(), values.MLRUN_DOCKER_REPO.trim());
}

/** The full reference an image of the family is tagged with: `<registry><repo>/<name>:<tag>`. */
export function imageReference(name: string, values: NamingValues, extra = ''): Named {
  const tag = imageTag(values, extra);
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

/** The naming variables out of all of a run's values (absent ones empty). */
export function namingValues(values: Readonly<Record<string, string>>): NamingValues {
  return Object.fromEntries(Object.keys(NAMING_DEFAULTS).map((name) => [name, values[name] ?? ''])) as NamingValues;
}
