/**
 * A GitHub Actions workflow that builds the family: a job per image whose `needs` are the family graph (its parent's
 * job), with a matrix over the image's variants but its python (each job builds every python the run's version is
 * published in); or, with `bake`, one job that bakes the whole family. Every job
 * sets up BuildKit, logs in to the registry from secrets, shares a registry cache, and pushes on tags and main only.
 */
import { stringify } from 'yaml';
import { UsageError } from '../errors.js';
import type { FamilySet, Unit } from '../family/variants.js';
import type { SourceSpec } from '../manifest/types.js';
import { GENERATED_MARKER } from '../render/dockerfile.js';

export interface WorkflowOptions {
  /** One bake job instead of a job per image. */
  bake: boolean;
  /** The manifest, from the repository's root (`images.yaml`). */
  manifest: string;
}

/** A job id GitHub accepts (`^[A-Za-z_][A-Za-z0-9_-]*$`) for an image name. */
export function jobIdOf(image: string): string {
  const id = image.replace(/[^A-Za-z0-9_-]/g, '-');
  return /^[A-Za-z_]/.test(id) ? id : `image-${id}`;
}

/**
 * Text from the manifest that lands in the workflow. GitHub evaluates `${{ … }}` wherever it stands (a matrix value, a
 * `run:` script), so a value holding one would run as an expression (`${{ github.token }}` would hand the token to a
 * build argument): such text is refused, never escaped.
 */
function literal(text: string, what: string): string {
  if (text.includes('${{')) {
    throw new UsageError(
      `${what} \`${text}\` holds \`\${{\`, which GitHub Actions would evaluate as an expression; the workflow cannot hold it: change the value`,
    );
  }
  return text;
}

/** A word of a `run:` script: single-quoted unless plain (and never an expression). */
function shellArgument(text: string, what: string): string {
  literal(text, what);
  return /^[A-Za-z0-9@%+=:,./_-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

const PUSH = "${{ github.event_name == 'push' && (github.ref == 'refs/heads/main' || startsWith(github.ref, 'refs/tags/')) }}";

/** `https://github.com/mlrun/ui.git#v1.7.2` → `mlrun/ui` at `v1.7.2`. */
function githubRepository(url: string): { repository: string; ref?: string } | undefined {
  const match = /^(?:https:\/\/github\.com\/|git@github\.com:)([^/]+\/[^/#]+?)(?:\.git)?(?:#(.+))?$/.exec(url);
  if (!match) return undefined;
  return { repository: match[1]!, ...(match[2] ? { ref: match[2] } : {}) };
}

/** The checkout of a source: its git URL's repository, else the repository variables `<VARIABLE>_REPOSITORY` and `_REF`. */
function sourceCheckout(name: string, source: SourceSpec) {
  const fromGit = source.git ? githubRepository(literal(source.git, `the git URL of source \`${name}\``)) : undefined;
  const repository = fromGit?.repository ?? `\${{ vars.${source.variable}_REPOSITORY }}`;
  const ref = fromGit?.ref ?? `\${{ vars.${source.variable}_REF }}`;
  const path = `.sources/${literal(name, 'the source name')}`;
  return { name: `Check out the ${name} source`, uses: 'actions/checkout@v4', with: { repository, ref, path } };
}

function commonSteps(set: FamilySet, images: readonly string[]) {
  const { family } = set;
  const sources = [...new Set(images.map((image) => family.graph.image(image).spec.source).filter((source) => source !== undefined))] as string[];
  return [
    { uses: 'actions/checkout@v4' },
    ...sources.map((name) => sourceCheckout(name, family.sources[name]!)),
    { uses: 'actions/setup-node@v4', with: { 'node-version': 20, cache: 'npm' } },
    { run: 'npm ci' },
    { name: 'Set up BuildKit', uses: 'docker/setup-buildx-action@v3' },
    {
      name: 'Log in to the registry',
      if: `env.PUSH == 'true'`,
      uses: 'docker/login-action@v3',
      with: { registry: '${{ vars.REGISTRY }}', username: '${{ secrets.REGISTRY_USERNAME }}', password: '${{ secrets.REGISTRY_PASSWORD }}' },
    },
    {
      name: 'The version: the tag (without its v), else unstable',
      run: 'if [ "$GITHUB_REF_TYPE" = tag ]; then echo "MLRUN_VERSION=${GITHUB_REF_NAME#v}" >> "$GITHUB_ENV"; else echo MLRUN_VERSION=unstable >> "$GITHUB_ENV"; fi',
    },
  ];
}

function sourceEnv(set: FamilySet): Record<string, string> {
  return Object.fromEntries(Object.entries(set.family.sources).map(([name, source]) => [source.variable, `.sources/${literal(name, 'the source name')}`]));
}

/**
 * The variant values of an image's units, when they differ: its job's matrix. The python is left to the run: which
 * pythons MLRun publishes depends on the version the run builds (the tag), so each job builds every one of them.
 */
function matrixOf(units: readonly Unit[]): Record<string, string>[] | undefined {
  const rows = units.map(({ variant: { MLRUN_PYTHON_VERSION: _python, ...rest } }) => rest);
  const distinct = [...new Map(rows.map((row) => [JSON.stringify(row), row])).values()];
  const varying = Object.keys(distinct[0] ?? {}).filter((variable) => new Set(distinct.map((row) => row[variable])).size > 1);
  if (varying.length === 0) return undefined;
  return distinct.map((row) =>
    Object.fromEntries(varying.map((variable) => [variable, literal(row[variable]!, `the value of the variant variable ${variable}`)])),
  );
}

// The shared cache is written (and read) only by runs that logged in: those that push.
const buildCommand = (manifest: string, args: string) =>
  `npx --no-install mlrun-images build -f ${shellArgument(manifest, 'the manifest path')} ${args} $([ "$PUSH" = true ] && echo --push \${MLRUN_IMAGES_CACHE:+--cache-to "$MLRUN_IMAGES_CACHE"})`.replace(
    / {2,}/g,
    ' ',
  );

/** The workflow, as YAML text. */
export function githubWorkflow(set: FamilySet, { bake, manifest }: WorkflowOptions): string {
  const { family } = set;
  const images = family.order;
  const jobs: Record<string, unknown> = {};
  if (bake) {
    jobs.images = {
      'runs-on': 'ubuntu-latest',
      steps: [...commonSteps(set, images), { name: 'Build every image as one graph', run: buildCommand(manifest, '--engine bake') }],
    };
  } else {
    for (const image of images) {
      const matrix = matrixOf(set.units.filter((unit) => unit.image === image));
      const variables = Object.keys(matrix?.[0] ?? {});
      const parent = family.graph.parentOf(image);
      jobs[jobIdOf(image)] = {
        ...(parent !== undefined ? { needs: [jobIdOf(parent)] } : {}),
        'runs-on': 'ubuntu-latest',
        ...(matrix ? { strategy: { 'fail-fast': false, matrix: { include: matrix } } } : {}),
        ...(matrix ? { env: Object.fromEntries(variables.map((variable) => [variable, `\${{ matrix.${variable} }}`])) } : {}),
        steps: [
          // Without --no-deps (runs that do not push) the job builds the ancestors too, from their sources.
          ...commonSteps(set, family.graph.ancestorsOf(image).concat(image)),
          {
            name: `Build ${image}`,
            // Pushed runs build on the parent its job pushed; the others build the parent again, from the shared cache.
            run: `if [ "$PUSH" = true ]; then deps=--no-deps; fi\n${buildCommand(manifest, `${shellArgument(image, 'the image name')} $deps`)}`,
          },
        ],
      };
    }
  }
  const workflow = {
    name: 'images',
    on: { push: { branches: ['main'], tags: ['v*'] }, pull_request: {}, workflow_dispatch: {} },
    permissions: { contents: 'read', packages: 'write' },
    env: {
      PUSH,
      MLRUN_DOCKER_REGISTRY: '${{ vars.MLRUN_DOCKER_REGISTRY }}',
      MLRUN_DOCKER_REPO: "${{ vars.MLRUN_DOCKER_REPO || 'mlrun' }}",
      MLRUN_IMAGES_CACHE: '${{ vars.MLRUN_IMAGES_CACHE }}',
      ...sourceEnv(set),
    },
    jobs,
  };
  const header = [
    `${GENERATED_MARKER} from ${manifest}: run \`mlrun-images ci github${bake ? ' --bake' : ''}\` again after changing it.`,
    '# Repository variables: REGISTRY (the host to log in to), MLRUN_DOCKER_REGISTRY (with its slash: ghcr.io/),',
    '# MLRUN_DOCKER_REPO, MLRUN_IMAGES_CACHE (a repository for the shared BuildKit cache: ghcr.io/org/mlrun-cache), and',
    '# for a source without a git URL <VARIABLE>_REPOSITORY and <VARIABLE>_REF (MLRUN_SOURCE_REPOSITORY=mlrun/mlrun).',
    '# Secrets: REGISTRY_USERNAME, REGISTRY_PASSWORD. Images are pushed on main and on tags (v1.7.0 builds 1.7.0).',
  ];
  return `${header.join('\n')}\n${stringify(workflow, { lineWidth: 0 })}`;
}
