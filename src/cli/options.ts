/**
 * The one table of command-line options: the parser, the usage text and the README's option tables all come from it.
 */

export const COMMAND_NAMES = ['generate', 'list', 'graph', 'build', 'status', 'test', 'bake', 'ci', 'resolve', 'lint', 'lock'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export interface OptionSpec {
  name: string;
  short?: string;
  type: 'string' | 'boolean';
  multiple?: boolean;
  /** The value's placeholder in help (`FILE`). */
  value?: string;
  /** The value names a file or folder: an empty value is refused. */
  path?: boolean;
  /** The commands it means something to; `all` for every command. */
  commands: readonly CommandName[] | 'all';
  /**
   * The environment variable read when the option is not given (for every command the option belongs to): a flag is on
   * when it is non-empty; a value is taken when non-empty, or also when empty with `emptyIsValue`.
   */
  env?: string;
  /** An empty environment variable is a value (MLRun's own variables, which `resolve` reads as MLRun does). */
  emptyIsValue?: boolean;
  /** The default, as the README's tables show it. */
  default?: string;
  /** One line for `--help`. */
  help: string;
  /** The README's description, when it says more than the help line. */
  doc?: string;
}

export const OPTIONS = [
  {
    name: 'manifest',
    short: 'f',
    type: 'string',
    value: 'FILE',
    path: true,
    commands: 'all',
    help: 'the manifest (default: images.yaml)',
    doc: 'the manifest (default `images.yaml` in the current folder)',
  },
  {
    name: 'out',
    short: 'o',
    type: 'string',
    value: 'DIR',
    path: true,
    commands: ['generate', 'bake', 'ci'],
    help: 'where generate writes (default: generated/), or the file bake and ci write',
    doc: 'where `generate` writes (default `generated/` beside the manifest); the file `bake` writes (default `docker-bake.json` beside the manifest) or `ci github` writes (default `.github/workflows/mlrun-images.yml`)',
  },
  {
    name: 'set',
    type: 'string',
    multiple: true,
    value: 'NAME=VALUE',
    commands: 'all',
    help: 'set a variable (overrides the environment and the default); repeatable',
    doc: 'give a variable a value; repeatable; beats the environment and the default',
  },
  {
    name: 'check',
    type: 'boolean',
    commands: ['generate', 'lock'],
    help: 'exit 1 with a diff when the output (or images.lock.yaml) is not what would be written',
  },
  {
    name: 'locked',
    type: 'boolean',
    commands: ['generate', 'build', 'bake'],
    help: 'fail when a base image is not in images.lock.yaml',
    doc: 'fail when an external base is missing from `images.lock.yaml` (locked bases are always built by digest)',
  },
  {
    name: 'engine',
    type: 'string',
    value: 'NAME',
    commands: ['build', 'test', 'status'],
    env: 'MLRUN_BUILD_ENGINE',
    help: 'docker, docker-classic, bake, podman or buildah (default: MLRUN_BUILD_ENGINE, else the first that answers)',
    doc: '`docker`, `docker-classic`, `bake`, `podman` or `buildah` (see [Engines](#engines)); default the environment variable `MLRUN_BUILD_ENGINE`, else the first of docker, podman and buildah that answers: docker with its buildx plugin then builds the selection as one graph, as `bake` does (image by image where bake cannot name an image), and without it with the classic builder. `--engine docker` builds image by image with BuildKit',
  },
  {
    name: 'builder',
    type: 'string',
    value: 'NAME',
    commands: ['build'],
    help: 'the buildx builder for docker and bake (a docker-container, remote or kubernetes builder)',
    doc: "the buildx builder the `docker` and `bake` engines build on: a `docker-container`, `remote` (`tcp://…`) or `kubernetes` builder made with `docker buildx create`, or another docker context. Default: buildx's current builder. The images come back to the local engine (`--load`) to be tested and pushed; see [Scaling out](#scaling-out)",
  },
  {
    name: 'concurrency',
    type: 'string',
    value: 'N',
    commands: ['build', 'test'],
    help: 'images built at the same time (default: the CPU count, at least 2)',
  },
  {
    name: 'no-deps',
    type: 'boolean',
    commands: ['build', 'bake'],
    help: "build only the named images, on their parents' references as they are",
    doc: "build only the named images, on their parents' references as they are (pulled or built before)",
  },
  {
    name: 'push',
    type: 'boolean',
    commands: ['build'],
    help: 'push each image as soon as it is built',
    doc: "push each image as soon as it is built (its children may still be building). A failed push is tried 3 times (waiting 2 s, then 5 s) unless the registry refuses the credentials. Credentials come from the engine's own login (`docker login`) and never appear in output or logs",
  },
  {
    name: 'no-cache',
    type: 'boolean',
    commands: ['build', 'bake'],
    env: 'MLRUN_NO_CACHE',
    help: "build without the engine's cache (also when MLRUN_NO_CACHE is non-empty)",
    doc: "build without the engine's cache; also when `MLRUN_NO_CACHE` is non-empty (MLRun's convention)",
  },
  {
    name: 'pull',
    type: 'boolean',
    commands: ['build', 'bake'],
    help: 'refresh external base images',
    doc: 'refresh external base images (never the parent of a `from` image: it may exist only locally)',
  },
  {
    name: 'cache-from',
    type: 'string',
    multiple: true,
    value: 'REF',
    commands: ['build', 'bake'],
    help: 'use REF as build cache; repeatable (MLRUN_DOCKER_CACHE_FROM_TAG adds <prefix>/<image>:<tag>)',
    doc: "use REF as build cache; repeatable (podman and buildah are given REF's repository: they refuse a tag). With `MLRUN_DOCKER_CACHE_FROM_TAG=TAG` (MLRun's convention) each image first pulls its cache image `<registry><repo>/<image>:TAG` (with the variant's `-pyXY`; a failed pull is not an error) and uses it as cache; `MLRUN_DOCKER_CACHE_FROM_REGISTRY` names the cache images' registry (default: the images'), and `MLRUN_PUSH_DOCKER_CACHE_IMAGE` non-empty with `--push` tags each pushed image as its cache image and pushes that too",
  },
  {
    name: 'cache-to',
    type: 'string',
    value: 'REPO',
    commands: ['build', 'bake'],
    help: "BuildKit: export each image's build cache to REPO:<image> (mode=max) and import it from there",
    doc: "BuildKit engines (`docker`, `bake`): each image exports its build cache to the registry at `REPO:<image>` (BuildKit's `type=registry,mode=max`: every layer, intermediate stages too) and imports it from there, so machines that build the family share their layers. On BuildKit, MLRun's cache image (`MLRUN_DOCKER_CACHE_FROM_TAG`) is such a cache too: imported without a pull, and exported instead of pushing a copy of the image when `MLRUN_PUSH_DOCKER_CACHE_IMAGE` is set",
  },
  {
    name: 'bake',
    type: 'boolean',
    commands: ['ci'],
    help: 'one job that builds the family with docker buildx bake, instead of a job per image',
  },
  {
    name: 'base-registry',
    type: 'string',
    value: 'PREFIX',
    commands: ['build', 'lock', 'bake', 'status', 'list'],
    env: 'MLRUN_BASE_REGISTRY',
    help: 'prefix every external base with PREFIX, a mirror (default: MLRUN_BASE_REGISTRY)',
    doc: "prefix every external `base` (and stage base) with PREFIX, as MLRun's vendor registry does: `--base-registry mirror.local:5000` builds `python:3.9-slim` from `mirror.local:5000/python:3.9-slim`. Default: `MLRUN_BASE_REGISTRY`. This is how air-gapped sites build",
  },
  {
    name: 'registry-timeout',
    type: 'string',
    value: 'SECONDS',
    commands: ['build', 'lock', 'status'],
    env: 'MLRUN_IMAGES_REGISTRY_TIMEOUT',
    default: '30',
    help: 'give up on a registry request after SECONDS (default: MLRUN_IMAGES_REGISTRY_TIMEOUT, else 30)',
    doc: 'how long one request to a registry (a manifest, a token) may take before it is given up, in seconds: a registry that answers slowly or never is reported, naming it. Default: `MLRUN_IMAGES_REGISTRY_TIMEOUT`, else 30',
  },
  {
    name: 'json',
    type: 'string',
    value: 'FILE',
    path: true,
    commands: ['build', 'test', 'status', 'list'],
    help: 'write a summary: per image its reference, status, duration, image id, pushed digest and input digest (`-`: standard output, for status and list)',
    doc: 'write a summary: per image its reference, status, duration, start and end, image id, pushed digest, input digest, log file. For `status`: per image its reference, state, input digest, the digest found and why it is stale. For `list`: per image and variant its reference and the values of its variant variables (its python). `-` writes it to standard output instead of the table',
  },
  {
    name: 'force',
    type: 'boolean',
    commands: ['build'],
    help: 'build every selected image, also those the engine (or, with --push, the registry) has with the same inputs',
    doc: 'build every selected image, also those whose image already carries the same input digest (see [Incremental builds](#incremental-builds)); `--no-cache` and `--pull` imply it',
  },
  {
    name: 'changed-since',
    type: 'string',
    value: 'REF',
    commands: ['build', 'list', 'status'],
    help: 'only the images whose inputs changed since the git commit REF, and the images built on them',
    doc: 'only the images whose input digest differs from the one the manifest at git commit `REF` gives (the images built on them follow); decided without an engine. `build` builds exactly those, on their unchanged parents as they are (as `--no-deps` does)',
  },
  {
    name: 'remote',
    type: 'boolean',
    commands: ['status'],
    help: 'compare with the images in their registry instead of the local engine',
  },
  {
    name: 'test',
    type: 'boolean',
    commands: ['build'],
    help: "run each image's tests right after it is built, before it is pushed",
    doc: "run each image's tests (see [Testing images](#testing-images)) right after it is built and before it is pushed; an image whose tests fail is not pushed, counts as failed, and the images built on it are skipped",
  },
  {
    name: 'junit',
    type: 'string',
    value: 'FILE',
    path: true,
    commands: ['build', 'test'],
    help: 'write the test results as JUnit XML (one testsuite per image, one testcase per test)',
  },
  {
    name: 'dry-run',
    type: 'boolean',
    commands: ['build'],
    help: 'print the engine commands in order and run nothing',
    doc: 'print the engine commands in order and run nothing (the engine is not asked; pass `--engine` for podman or buildah)',
  },
  {
    name: 'production',
    type: 'boolean',
    commands: ['build', 'lint'],
    help: 'the pinning rules are errors (exit 1); build --production refuses what lint rejects',
    doc: 'run `lint --production` first and refuse to build when it finds an error',
  },
  { name: 'format', type: 'string', value: 'text|json', commands: ['lint'], help: 'text (default) or json' },
  {
    name: 'update',
    type: 'boolean',
    commands: ['lock'],
    help: "resolve the digests again (of every base, or of the named images' bases: lock --update IMAGE...)",
  },
  { name: 'images-tag', type: 'string', value: 'TAG', commands: ['resolve'], env: 'MLRUN_IMAGES_TAG', emptyIsValue: true, help: 'the images tag' },
  { name: 'client-version', type: 'string', value: 'V', commands: ['resolve'], help: "the client's MLRun version" },
  { name: 'client-python-version', type: 'string', value: 'V', commands: ['resolve'], help: "the client's python version" },
  { name: 'server-version', type: 'string', value: 'V', commands: ['resolve'], help: "the server's MLRun version" },
  {
    name: 'images-registry',
    type: 'string',
    value: 'R',
    commands: ['resolve'],
    env: 'MLRUN_IMAGES_REGISTRY',
    emptyIsValue: true,
    help: 'the registry of MLRun images',
  },
  {
    name: 'vendor-images-registry',
    type: 'string',
    value: 'R',
    commands: ['resolve'],
    env: 'MLRUN_VENDOR_IMAGES_REGISTRY',
    emptyIsValue: true,
    help: 'the registry of other images',
  },
  {
    name: 'images-to-enrich-registry',
    type: 'string',
    value: 'PATTERNS',
    commands: ['resolve'],
    env: 'MLRUN_IMAGES_TO_ENRICH_REGISTRY',
    emptyIsValue: true,
    default: '^mlrun/*,python:3.9',
    help: 'comma-separated patterns of the images the registries are put in front of',
  },
  { name: 'help', short: 'h', type: 'boolean', commands: 'all', help: 'this help', doc: 'usage' },
  { name: 'version', short: 'v', type: 'boolean', commands: 'all', help: "the tool's version", doc: 'version' },
] as const satisfies readonly OptionSpec[];

export type OptionName = (typeof OPTIONS)[number]['name'];
export type OptionValues = Partial<Record<OptionName, string | boolean | string[]>>;

export function optionSpec(name: string): OptionSpec | undefined {
  return (OPTIONS as readonly OptionSpec[]).find((option) => option.name === name);
}

/** The commands an option belongs to. */
export function commandsOf(option: OptionSpec): readonly CommandName[] {
  return option.commands === 'all' ? COMMAND_NAMES : option.commands;
}

/** `-f, --manifest FILE` as help and the README write it. */
export function optionSignature(option: OptionSpec): string {
  return `${option.short ? `-${option.short}, ` : ''}--${option.name}${option.value ? ` ${option.value}` : ''}`;
}

/** The parser's option table (node:util parseArgs). */
export function parserOptions(): Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> {
  return Object.fromEntries(
    OPTIONS.map((option: OptionSpec) => [
      option.name,
      { type: option.type, ...(option.short ? { short: option.short } : {}), ...(option.multiple ? { multiple: true } : {}) },
    ]),
  );
}
