import { readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ManifestError, MlrunImagesError, StaleError, UsageError } from './errors.js';
import { loadFamily, renderFamily, type Family } from './family.js';
import { layerKindsOf } from './render/templates.js';
import { compareOutput, PACKAGE_ROOT, readManifestText, readSchema, readTemplates, writeOutput, type OutputDifference } from './files.js';
import { renderMermaid } from './graph/mermaid.js';
import { readLock, requireLocked } from './lock/command.js';
import { LOCK_FILE, type LockFile } from './lock/lockfile.js';
import { selectImages } from './build/plan.js';
import type { BuildFlags } from './build/command.js';
import type { ProcessRunner } from './build/process.js';
import { didYouMean } from './suggest.js';
import { resolveImage, type ResolveOptions } from './resolve.js';

export interface CliIo {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  stdout: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(text: string): unknown };
  /** Aborted on Ctrl-C or SIGTERM: builds stop their engine processes. */
  signal?: AbortSignal;
  /** Runs engine commands (tests may record them instead). */
  runner?: ProcessRunner;
}

const USAGE = `Usage: mlrun-images <command> [options]

Commands:
  generate          render generated/<image>/Dockerfile for every image of the manifest
  generate --check  exit 1 with a diff when generated/ is not what generate would write
  list              print each image's full reference, in build order
  graph             print the image family as a mermaid graph
  build [IMAGE...]  build the images (all, or the named ones and their parents) on a container engine
  resolve IMAGE     print the reference MLRun would use for IMAGE (auto-tag and registry rules)
  lint              report what is not pinned (--production: as errors) and what the generated Dockerfiles show
  lock              pin every external base image to its digest in images.lock.yaml

Options:
  -f, --manifest FILE   the manifest (default: images.yaml)
  -o, --out DIR         where generate writes (default: generated/ beside the manifest)
      --set NAME=VALUE  set a variable (overrides the environment and the default); repeatable
  -h, --help            this help
  -v, --version         the tool's version

Resolve options (each also read from the environment variable MLRun reads; an empty value means empty):
      --images-tag TAG (MLRUN_IMAGES_TAG), --client-version V, --client-python-version V, --server-version V,
      --images-registry R (MLRUN_IMAGES_REGISTRY), --vendor-images-registry R (MLRUN_VENDOR_IMAGES_REGISTRY),
      --images-to-enrich-registry PATTERNS (MLRUN_IMAGES_TO_ENRICH_REGISTRY, default ^mlrun/*,python:3.9)

Lint options:
      --production         the pinning rules are errors (exit 1); build --production refuses what lint rejects
      --format text|json

Lock options:
      --check              exit 1 when images.lock.yaml does not cover the manifest (or holds bases it no longer uses)
      --update [IMAGE...]  resolve the digests again (of every base, or of the named images' bases)
      --locked             (generate, build) fail when a base image is not in images.lock.yaml

Build options:
      --engine NAME        docker, podman or buildah (default: MLRUN_BUILD_ENGINE, else the first that answers)
      --concurrency N      images built at the same time (default: the CPU count, at least 2)
      --no-deps            build only the named images, on their parents' references as they are
      --push               push each image as soon as it is built
      --no-cache           build without the engine's cache (also when MLRUN_NO_CACHE is non-empty)
      --pull               refresh external base images
      --cache-from REF     use REF as build cache; repeatable (MLRUN_DOCKER_CACHE_FROM_TAG adds <prefix>/<image>:<tag>)
      --base-registry PFX  prefix every external base with PFX, a mirror (default: MLRUN_BASE_REGISTRY)
      --json FILE          write a summary: per image its reference, status, duration, image id and pushed digest
      --dry-run            print the engine commands in order and run nothing

Exit codes: 0 done, 1 --check found differences or a build failed, 2 invalid manifest or usage, 130 interrupted.`;

const COMMANDS = ['generate', 'list', 'graph', 'build', 'resolve', 'lint', 'lock'];
/** The commands each option means something to; options not listed (--manifest, --set, --help) go with all. */
const OPTION_COMMANDS: Record<string, readonly string[]> = {
  out: ['generate'],
  check: ['generate', 'lock'],
  locked: ['generate', 'build'],
  production: ['build', 'lint'],
  'base-registry': ['build', 'lock'],
  update: ['lock'],
  format: ['lint'],
  ...Object.fromEntries(['engine', 'concurrency', 'no-deps', 'no-cache', 'pull', 'push', 'cache-from', 'json', 'dry-run'].map((option) => [option, ['build']])),
  ...Object.fromEntries(
    ['images-tag', 'client-version', 'client-python-version', 'server-version', 'images-registry', 'vendor-images-registry', 'images-to-enrich-registry'].map(
      (option) => [option, ['resolve']],
    ),
  ),
};

const OPTIONS = {
  manifest: { type: 'string', short: 'f' },
  out: { type: 'string', short: 'o' },
  set: { type: 'string', multiple: true },
  check: { type: 'boolean' },
  engine: { type: 'string' },
  concurrency: { type: 'string' },
  'no-deps': { type: 'boolean' },
  'no-cache': { type: 'boolean' },
  pull: { type: 'boolean' },
  push: { type: 'boolean' },
  'cache-from': { type: 'string', multiple: true },
  'base-registry': { type: 'string' },
  json: { type: 'string' },
  'dry-run': { type: 'boolean' },
  'images-tag': { type: 'string' },
  'client-version': { type: 'string' },
  'client-python-version': { type: 'string' },
  'server-version': { type: 'string' },
  'images-registry': { type: 'string' },
  'vendor-images-registry': { type: 'string' },
  'images-to-enrich-registry': { type: 'string' },
  format: { type: 'string' },
  production: { type: 'boolean' },
  locked: { type: 'boolean' },
  update: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

function parseOverrides(pairs: readonly string[] = []): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new UsageError(`--set ${pair}: expected NAME=VALUE`);
    overrides[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  return overrides;
}

interface Invocation {
  command: string | undefined;
  /** Arguments after the command: image names for build and lock, the image for resolve. */
  operands: string[];
  values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];
  manifestPath: string;
  outDir: string;
  overrides: Record<string, string>;
  check: boolean;
  build: BuildFlags;
}

function parseCommandLine(argv: readonly string[], cwd: string): Invocation | 'help' | 'version' {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (values.version) return 'version';
  const [command, ...extra] = positionals;
  for (const option of Object.keys(values)) {
    if (command === undefined || !COMMANDS.includes(command)) break;
    const owners = OPTION_COMMANDS[option] ?? COMMANDS;
    if (!owners.includes(command)) {
      throw new UsageError(`--${option} is an option of ${owners.map((owner) => `\`${owner}\``).join(' and ')}, not of \`${command}\``);
    }
  }
  if (extra.length > 0 && !['build', 'resolve', 'lock'].includes(command ?? '')) throw new UsageError(`unexpected argument \`${extra[0]}\`\n\n${USAGE}`);
  const manifestPath = resolve(cwd, values.manifest ?? 'images.yaml');
  return {
    command,
    operands: extra,
    values,
    manifestPath,
    outDir: resolve(cwd, values.out ?? join(dirname(manifestPath), 'generated')),
    overrides: parseOverrides(values.set),
    check: values.check ?? false,
    build: {
      images: extra,
      ...(values.engine !== undefined ? { engine: values.engine } : {}),
      ...(values.concurrency !== undefined ? { concurrency: values.concurrency } : {}),
      noDeps: values['no-deps'] ?? false,
      noCache: values['no-cache'] ?? false,
      pull: values.pull ?? false,
      push: values.push ?? false,
      cacheFrom: values['cache-from'] ?? [],
      ...(values['base-registry'] !== undefined ? { baseRegistry: values['base-registry'] } : {}),
      ...(values.json !== undefined ? { json: resolve(cwd, values.json) } : {}),
      dryRun: values['dry-run'] ?? false,
    },
  };
}

function loadFromDisk(invocation: Invocation, env: CliIo['env'], cwd: string): { family: Family; templates: ReturnType<typeof readTemplates> } {
  const templates = readTemplates(dirname(invocation.manifestPath));
  const family = loadFamily({
    // Messages name the manifest as the user reaches it from here, so editors and CI can open the place.
    source: { file: relative(cwd, invocation.manifestPath) || basename(invocation.manifestPath), text: readManifestText(invocation.manifestPath) },
    schema: readSchema(),
    layerKinds: layerKindsOf(templates),
    env,
    overrides: invocation.overrides,
  });
  return { family, templates };
}

/** images.lock.yaml, for the commands that build on it (generate, build, lint); `--locked` requires it to cover every base. */
function lockFor(invocation: Invocation, family: Family): LockFile | undefined {
  const lock = readLock(dirname(invocation.manifestPath));
  if (invocation.values.locked) requireLocked(family, lock?.bases);
  return lock;
}

async function unifiedDiff(outDir: string, differences: readonly OutputDifference[], cwd: string): Promise<string> {
  const { createTwoFilesPatch } = await import('diff');
  const shown = relative(cwd, outDir) || '.';
  return differences
    .map(({ path, before, after }) =>
      createTwoFilesPatch(
        before === undefined ? '/dev/null' : `a/${shown}/${path}`,
        after === undefined ? '/dev/null' : `b/${shown}/${path}`,
        before ?? '',
        after ?? '',
      ),
    )
    .join('');
}

async function generate(invocation: Invocation, io: CliIo): Promise<void> {
  const { family, templates } = loadFromDisk(invocation, io.env, io.cwd);
  const files = renderFamily(family, templates, lockFor(invocation, family)?.bases);
  const differences = await compareOutput(invocation.outDir, files);
  const shown = relative(io.cwd, invocation.outDir) || '.';
  if (invocation.check) {
    if (differences.length === 0) {
      io.stdout.write(`${shown}/ is up to date (${family.order.length} images)\n`);
      return;
    }
    io.stdout.write(await unifiedDiff(invocation.outDir, differences, io.cwd));
    throw new StaleError(`${shown}/ is stale: ${differences.length} file(s) differ from ${basename(invocation.manifestPath)}; run \`npm run generate\``);
  }
  await writeOutput(invocation.outDir, differences);
  io.stdout.write(`generated ${family.order.length} images into ${shown}/ (${differences.length} file(s) changed)\n`);
}

/** The mirror for external bases: --base-registry, else MLRUN_BASE_REGISTRY (build and lock read it alike). */
function baseRegistryOf(invocation: Invocation, env: CliIo['env']): string | undefined {
  return invocation.values['base-registry'] ?? (env.MLRUN_BASE_REGISTRY || undefined);
}

/** `resolve`: each option from its flag, else from the environment variable MLRun reads; an empty flag means empty. */
function resolveFromCommandLine({ operands, values }: Invocation, env: CliIo['env']): string {
  if (operands.length !== 1) throw new UsageError(`resolve takes one image, e.g. \`mlrun-images resolve mlrun/mlrun\`; got ${operands.length}`);
  const option = (flag: keyof typeof values, variable?: string): string | undefined =>
    (values[flag] as string | undefined) ?? (variable ? env[variable] : undefined);
  const options: ResolveOptions = {};
  const given = (name: keyof ResolveOptions, value: string | undefined) => {
    if (value !== undefined) options[name] = value;
  };
  given('imagesTag', option('images-tag', 'MLRUN_IMAGES_TAG'));
  given('clientVersion', option('client-version'));
  given('clientPythonVersion', option('client-python-version'));
  given('serverVersion', option('server-version'));
  given('imagesRegistry', option('images-registry', 'MLRUN_IMAGES_REGISTRY'));
  given('vendorImagesRegistry', option('vendor-images-registry', 'MLRUN_VENDOR_IMAGES_REGISTRY'));
  given('imagesToEnrichRegistry', option('images-to-enrich-registry', 'MLRUN_IMAGES_TO_ENRICH_REGISTRY'));
  return resolveImage(operands[0]!, options);
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The command-line edge: the one place that turns errors into messages and exit codes. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const invocation = parseCommandLine(argv, io.cwd);
    if (invocation === 'help') {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (invocation === 'version') {
      io.stdout.write(`${packageVersion()}\n`);
      return 0;
    }
    switch (invocation.command) {
      case 'generate':
        await generate(invocation, io);
        return 0;
      case 'list': {
        const { family } = loadFromDisk(invocation, io.env, io.cwd);
        io.stdout.write(family.order.map((name) => `${family.references.get(name)}\n`).join(''));
        return 0;
      }
      case 'build': {
        const { family, templates } = loadFromDisk(invocation, io.env, io.cwd);
        const lockFile = lockFor(invocation, family);
        const lock = lockFile?.bases;
        const baseRegistry = baseRegistryOf(invocation, io.env);
        if (lockFile && lockFile.bases.size > 0 && (lockFile.mirror ?? '') !== (baseRegistry ?? '')) {
          io.stderr.write(
            `mlrun-images: warning: ${LOCK_FILE} was read ${lockFile.mirror ? `through the mirror ${lockFile.mirror}` : 'without a mirror'}, and this build uses ${baseRegistry ? `the mirror ${baseRegistry}` : 'none'}: its digests may not be there\n`,
          );
        }
        const files = renderFamily(family, templates, lock);
        if (invocation.values.production) {
          const { collectFindings, formatFindings } = await import('./lint/command.js');
          const images = selectImages(family, invocation.build.images, invocation.build.noDeps);
          const findings = await collectFindings(family, files, dirname(invocation.manifestPath), true, io.cwd, images);
          const errors = findings.filter((finding) => finding.severity === 'error' && !finding.suppressed);
          if (errors.length > 0) {
            io.stderr.write(`${formatFindings(errors)}mlrun-images: build --production refuses to build what lint --production rejects\n`);
            return 1;
          }
        }
        // Loaded here: the build's process runner (execa) takes as long to load as the rest of generate.
        const { buildImages } = await import('./build/command.js');
        const buildFlags = { ...invocation.build, ...(baseRegistry ? { baseRegistry } : {}), ...(lock ? { lock } : {}) };
        return await buildImages(family, files, dirname(invocation.manifestPath), buildFlags, {
          env: io.env,
          cwd: io.cwd,
          stdout: io.stdout,
          stderr: io.stderr,
          signal: io.signal ?? new AbortController().signal,
          ...(io.runner ? { runner: io.runner } : {}),
        });
      }
      case 'resolve': {
        io.stdout.write(`${resolveFromCommandLine(invocation, io.env)}\n`);
        return 0;
      }
      case 'lock': {
        const { family } = loadFromDisk(invocation, io.env, io.cwd);
        const { lockCommand } = await import('./lock/command.js');
        const baseRegistry = baseRegistryOf(invocation, io.env);
        return await lockCommand(family, dirname(invocation.manifestPath), {
          check: invocation.check,
          update: invocation.values.update ?? false,
          images: invocation.operands,
          ...(baseRegistry ? { baseRegistry } : {}),
          cwd: io.cwd,
          stdout: io.stdout,
        });
      }
      case 'lint': {
        const { family, templates } = loadFromDisk(invocation, io.env, io.cwd);
        const { lintCommand } = await import('./lint/command.js');
        return await lintCommand(family, renderFamily(family, templates, lockFor(invocation, family)?.bases), dirname(invocation.manifestPath), {
          production: invocation.values.production ?? false,
          format: invocation.values.format ?? 'text',
          cwd: io.cwd,
          stdout: io.stdout,
        });
      }
      case 'graph': {
        const { family } = loadFromDisk(invocation, io.env, io.cwd);
        io.stdout.write(renderMermaid(family));
        return 0;
      }
      case undefined:
        throw new UsageError(`a command is needed\n\n${USAGE}`);
      default:
        throw new UsageError(`unknown command \`${invocation.command}\`${didYouMean(invocation.command, COMMANDS)}\n\n${USAGE}`);
    }
  } catch (error) {
    if (error instanceof ManifestError) {
      io.stderr.write(`${error.message}\n${error.diagnostics.length} problem(s) found; nothing was written.\n`);
      return error.exitCode;
    }
    if (error instanceof MlrunImagesError) {
      io.stderr.write(`mlrun-images: ${error.message}\n`);
      return error.exitCode;
    }
    const { code, syscall } = error as NodeJS.ErrnoException;
    if (typeof code === 'string' && syscall !== undefined) {
      io.stderr.write(`mlrun-images: ${(error as Error).message}\n`);
      return 2;
    }
    throw error;
  }
}
