import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from '../src/engines/engine.js';
import type { ProcessResult, ProcessRunner } from '../src/engines/process.js';
import type { BuildOptions } from '../src/scheduler/plan.js';
import { main } from '../src/cli.js';
import { formatDiagnostic, ManifestError } from '../src/errors.js';
import { loadFamily, renderFamily, type Family, type GeneratedFiles } from '../src/pipeline.js';
import { layerKindsOf } from '../src/render/templates.js';
import { readTemplates, PACKAGE_ROOT } from '../src/cli/files.js';
import { MANIFEST_SCHEMA } from '../src/schema.js';
import type { TemplateSources } from '../src/render/templates.js';
import type { Lock } from '../src/lock/lockfile.js';

export const SCHEMA = MANIFEST_SCHEMA;
export const TEMPLATES: TemplateSources = readTemplates(PACKAGE_ROOT);

export interface LoadOptions {
  env?: Record<string, string | undefined>;
  overrides?: Record<string, string>;
  templates?: TemplateSources;
  lock?: Lock;
}

/** Load a manifest written inline, as the CLI would from images.yaml. */
export function load(text: string, options: LoadOptions = {}): Family {
  return loadFamily({
    source: { file: 'images.yaml', text },
    schema: SCHEMA,
    layerKinds: layerKindsOf(options.templates ?? TEMPLATES),
    env: options.env ?? {},
    overrides: options.overrides ?? {},
  });
}

export function render(text: string, options: LoadOptions = {}): GeneratedFiles {
  return renderFamily(load(text, options), options.templates ?? TEMPLATES, options.lock);
}

/** The `images.yaml:LINE:COL: message` lines a manifest is rejected with (empty when it is accepted). */
export function problemsOf(text: string, options: LoadOptions = {}): string[] {
  try {
    render(text, options);
    return [];
  } catch (error) {
    if (error instanceof ManifestError) return error.diagnostics.map(formatDiagnostic);
    throw error;
  }
}

/** Join lines into a manifest, so tests can count lines for expected locations. */
export function yaml(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

/** The small mlrun and mlrun/ui checkouts (upstream's layout, tiny files) the default family is tested against. */
/** Our stand-ins for an mlrun checkout: the 1.7.x layout and the development layout (the API under server/py). */
export const MLRUN_CHECKOUTS = {
  '1.7.x': join(PACKAGE_ROOT, 'test/fixtures/mlrun-1.7.x'),
  development: join(PACKAGE_ROOT, 'test/fixtures/mlrun-development'),
} as const;
export type CheckoutLayout = keyof typeof MLRUN_CHECKOUTS;
export const MLRUN_CHECKOUT = MLRUN_CHECKOUTS['1.7.x'];
export const UI_CHECKOUT = join(PACKAGE_ROOT, 'test/fixtures/ui-checkout');

/**
 * A temporary copy of this project's manifest inside a copy of the fixture mlrun checkout (so the folder the command
 * runs in is the checkout, as when mlrun-images runs from an mlrun repository), for CLI tests that write.
 */
export function copyOfProject(prefix: string, layout: CheckoutLayout = '1.7.x'): string {
  const project = mkdtempSync(join(tmpdir(), prefix));
  cpSync(MLRUN_CHECKOUTS[layout], project, { recursive: true });
  cpSync(join(PACKAGE_ROOT, 'images.yaml'), join(project, 'images.yaml'));
  return project;
}

/** Run the command line in-process in `cwd`, capturing what it prints. */
export async function runCli(cwd: string, args: string[], { env = {}, runner }: { env?: Record<string, string | undefined>; runner?: ProcessRunner } = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    env,
    cwd,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    ...(runner ? { runner } : {}),
  });
  return { code, stdout, stderr };
}

/** Build options with nothing asked for: tests set what they exercise. */
export function buildOptions(overrides: Partial<BuildOptions> = {}): BuildOptions {
  return {
    selected: [],
    noDeps: false,
    noCache: false,
    pull: false,
    push: false,
    cacheFrom: [],
    dockerfileOf: (name) => `/work/.build/dockerfiles/${name}/Dockerfile`,
    contextOf: (name) => `/work/context/${name}`,
    ...overrides,
  };
}

/**
 * A family listed out of build order on purpose (`app` before its parent `core`):
 *   core → app → plugin, plus the independent `tool` (external base with a release variable)
 *   and `site` (multi-stage: a `build` stage on node, the final image on nginx).
 */
export const PLANNED_FAMILY = yaml(
  'version: 1',
  'variables:',
  '  MLRUN_VERSION: 1.7.0',
  'images:',
  '  app:',
  '    description: The application',
  '    from: core',
  '  core:',
  '    description: The core image',
  '    base: python:3.9-slim',
  '  tool:',
  '    base: ${MLRUN_DOCKER_REGISTRY:-docker.io/}library/debian:bookworm',
  '  site:',
  '    stages:',
  '      - name: build',
  '        base: node:20-alpine',
  '    base: nginx:1.27',
  '  plugin:',
  '    from: app',
);

/** A ProcessRunner that records every command and answers like a healthy docker, running nothing. */
export function recordingRunner() {
  const calls: Command[] = [];
  const runner: ProcessRunner = {
    async run(command: Command): Promise<ProcessResult> {
      calls.push(command);
      const [verb] = command.args;
      if (verb === 'image' || verb === 'inspect') return { exitCode: 0, output: 'sha256:0123456789abcdef\n' };
      if (verb === 'buildx') return { exitCode: 1, output: '' };
      return { exitCode: 0, output: '' };
    },
  };
  return { runner, calls };
}
