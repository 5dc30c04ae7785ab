import { readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ManifestError, MlrunImagesError, StaleError, UsageError } from './errors.js';
import { loadFamily, renderFamily, type Family } from './family.js';
import { layerKindsOf } from './render/templates.js';
import { compareOutput, PACKAGE_ROOT, readManifestText, readSchema, readTemplates, writeOutput, type OutputDifference } from './files.js';
import { renderMermaid } from './graph/mermaid.js';
import type { BuildFlags } from './build/command.js';
import type { ProcessRunner } from './build/process.js';
import { didYouMean } from './suggest.js';

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

Options:
  -f, --manifest FILE   the manifest (default: images.yaml)
  -o, --out DIR         where generate writes (default: generated/ beside the manifest)
      --set NAME=VALUE  set a variable (overrides the environment and the default); repeatable
  -h, --help            this help
  -v, --version         the tool's version

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

const COMMANDS = ['generate', 'list', 'graph', 'build'];
/** Options that mean something to one command only; the others take just --manifest and --set. */
const COMMAND_OPTIONS: Record<string, readonly string[]> = {
  generate: ['out', 'check'],
  build: ['engine', 'concurrency', 'no-deps', 'no-cache', 'pull', 'push', 'cache-from', 'base-registry', 'json', 'dry-run'],
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
    const owner = Object.entries(COMMAND_OPTIONS).find(([, options]) => options.includes(option))?.[0];
    if (owner !== undefined && owner !== command && command !== undefined && COMMANDS.includes(command)) {
      throw new UsageError(`--${option} is an option of \`${owner}\`, not of \`${command}\``);
    }
  }
  if (extra.length > 0 && command !== 'build') throw new UsageError(`unexpected argument \`${extra[0]}\`\n\n${USAGE}`);
  const manifestPath = resolve(cwd, values.manifest ?? 'images.yaml');
  return {
    command,
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

function loadFromDisk(invocation: Invocation, env: CliIo['env']): { family: Family; templates: ReturnType<typeof readTemplates> } {
  const templates = readTemplates(dirname(invocation.manifestPath));
  const family = loadFamily({
    source: { file: basename(invocation.manifestPath), text: readManifestText(invocation.manifestPath) },
    schema: readSchema(),
    layerKinds: layerKindsOf(templates),
    env,
    overrides: invocation.overrides,
  });
  return { family, templates };
}

async function unifiedDiff(outDir: string, differences: readonly OutputDifference[], cwd: string): Promise<string> {
  const { createTwoFilesPatch } = await import('diff');
  const shown = relative(cwd, outDir) || '.';
  return differences
    .map(({ path, before, after }) =>
      createTwoFilesPatch(before === undefined ? '/dev/null' : `a/${shown}/${path}`, after === undefined ? '/dev/null' : `b/${shown}/${path}`, before ?? '', after ?? ''),
    )
    .join('');
}

async function generate(invocation: Invocation, io: CliIo): Promise<void> {
  const { family, templates } = loadFromDisk(invocation, io.env);
  const files = renderFamily(family, templates);
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
        const { family } = loadFromDisk(invocation, io.env);
        io.stdout.write(family.order.map((name) => `${family.references.get(name)}\n`).join(''));
        return 0;
      }
      case 'build': {
        const { family, templates } = loadFromDisk(invocation, io.env);
        const files = renderFamily(family, templates);
        // Loaded here: the build's process runner (execa) takes as long to load as the rest of generate.
        const { buildImages } = await import('./build/command.js');
        return await buildImages(family, files, dirname(invocation.manifestPath), invocation.build, {
          env: io.env,
          cwd: io.cwd,
          stdout: io.stdout,
          stderr: io.stderr,
          signal: io.signal ?? new AbortController().signal,
          ...(io.runner ? { runner: io.runner } : {}),
        });
      }
      case 'graph': {
        const { family } = loadFromDisk(invocation, io.env);
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
