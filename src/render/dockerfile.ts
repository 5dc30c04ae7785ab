import { posix, sep } from 'node:path';
import type { Diagnostic } from '../errors.js';
import type { ParsedManifest } from '../config/load.js';
import type { ValueMap } from '../config/types.js';
import { BUILD_ARG_FENCE, buildArgsIn } from '../config/variables.js';
import type { InheritedImage, ResolvedLayer } from '../graph/inherit.js';
import { lockKey, pinned, type Lock } from '../lock/lockfile.js';
import { dockerfileValue, MissingTemplateValue, tidy, UnsafeRawText, type CompiledTemplates } from './templates.js';

export interface RenderInputs {
  manifest: ParsedManifest;
  templates: CompiledTemplates;
  /** Declared defaults of every variable: what build arguments default to in the Dockerfile. */
  defaults: Readonly<Record<string, string>>;
  /** The reference an image of this manifest has with the default release variables (for `from`). */
  defaultReference: (name: string) => string;
  /** Digests of external bases (images.lock.yaml): a locked base is rendered as `<ref>@sha256:…`. */
  lock?: Lock;
}

export interface RenderedImage {
  dockerfile: string;
  /** Present when the image copies from its build context: ignore everything else. */
  dockerignore?: string;
}

/** The ARG that holds a stage's base image: BASE_IMAGE for the image, <STAGE>_BASE_IMAGE for extra stages. */
export function baseArgName(stage?: string): string {
  return stage === undefined ? 'BASE_IMAGE' : `${stage.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_BASE_IMAGE`;
}

interface Pair {
  name: string;
  value: string;
}

function pairs(map: ValueMap | undefined): Pair[] {
  return Object.entries(map ?? {})
    .filter(([, value]) => value !== null)
    .map(([name, value]) => ({ name, value: dockerfileValue(value) }));
}

function fence(name: string): string {
  return `${BUILD_ARG_FENCE}\${${name}}${BUILD_ARG_FENCE}`;
}

function execForm(words: readonly string[]): string {
  return `[${words.map((word) => JSON.stringify(word)).join(', ')}]`;
}

export class RenderError extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(diagnostic.message);
  }
}

/** Render one image's Dockerfile (and .dockerignore) from its resolved definition. */
export function renderImage(image: InheritedImage, inputs: RenderInputs): RenderedImage {
  const { manifest, templates, defaults } = inputs;
  const declaredArgs = (stage: Set<string>, value: unknown): string[] =>
    buildArgsIn(value)
      .filter((name) => !stage.has(name) && stage.add(name))
      .map((name) => `ARG ${name}=${dockerfileValue(defaults[name] ?? '')}`);

  const globalArgs = new Set<string>();
  const globalArgLines: string[] = [];

  const renderLayers = (layers: ResolvedLayer[], stageArgs: Set<string>, stageName: string | undefined) =>
    layers.map((layer) => {
      const template = templates.layers.get(layer.kind)!;
      let text: string;
      const buildArgs = new Set(buildArgsIn(layer.params));
      try {
        text = template(layer.params, { data: { image: { name: image.name }, stage: stageName ?? null, defaults, buildArgs } });
      } catch (error) {
        const template = `templates/layers/${layer.kind}.hbs`;
        const missing = /^"([^"]+)" not defined/.exec((error as Error).message)?.[1];
        let message = `${template} failed for this layer: ${(error as Error).message}`;
        if (missing) message = `the ${layer.kind} layer needs \`${missing}\`, which it does not set (${template} uses it)`;
        if (error instanceof UnsafeRawText) message = `the ${layer.kind} layer: ${error.message}`;
        if (error instanceof MissingTemplateValue) {
          message = `the ${layer.kind} layer does not set a parameter that ${template}${error.line === undefined ? '' : `:${error.line}`} passes to \`${error.helper}\``;
        }
        throw new RenderError({ location: manifest.locate(layer.path, 'key'), message });
      }
      return [...declaredArgs(stageArgs, [...buildArgs].map(fence)), text.trim()].join('\n');
    });

  const stageOf = (options: { name?: string; base: string; args?: ValueMap; env?: ValueMap; workdir?: string; user?: string; layers: ResolvedLayer[] }) => {
    const args = new Set<string>();
    const baseArg = baseArgName(options.name);
    globalArgLines.push(...declaredArgs(globalArgs, options.base), `ARG ${baseArg}=${dockerfileValue(options.base)}`);
    const argArgs = declaredArgs(args, options.args);
    const argLines = [...argArgs, ...pairs(options.args).map(({ name, value }) => (args.add(name), `ARG ${name}=${value}`))];
    const envArgs = declaredArgs(args, options.env);
    return {
      name: options.name ?? null,
      baseArg,
      args: argLines,
      envArgs,
      env: pairs(options.env),
      workdir: options.workdir ?? null,
      user: options.user ?? null,
      layers: renderLayers(options.layers, args, options.name),
      argsDeclared: args,
    };
  };

  const { spec } = image;
  const external = (reference: string) => pinned(reference, inputs.lock, lockKey(reference, defaults));
  const stages = image.stages.map((stage) => stageOf({ ...stage, base: external(stage.base) }));
  const base = spec.from !== undefined ? inputs.defaultReference(spec.from) : external(spec.base!);
  const final = stageOf({ base, args: spec.args, env: spec.env, workdir: spec.workdir, layers: image.layers });
  const labelArgs = declaredArgs(final.argsDeclared, spec.labels);

  const context = {
    // The file's own name, not the path it was read by: the header must not depend on where generate ran.
    manifestFile: posix.basename(manifest.file.split(sep).join('/')),
    name: image.name,
    description: spec.description ?? null,
    from: spec.from ?? null,
    globalArgs: globalArgLines,
    stages,
    final: {
      ...final,
      labelArgs,
      labels: pairs(spec.labels),
      expose: (spec.expose ?? []).map(String),
      volumes: spec.volumes ?? [],
      runAs: spec.user ?? null,
      entrypoint: spec.entrypoint ? execForm(spec.entrypoint) : null,
      cmd: spec.cmd ? execForm(spec.cmd) : null,
    },
  };
  const dockerfile = tidy(templates.skeleton(context));
  if (dockerfile.includes(BUILD_ARG_FENCE)) {
    throw new RenderError({
      location: manifest.locate(['images', image.name], 'key'),
      message: `image \`${image.name}\`: a template printed a value that reads a build argument without the \`sh\` or \`dq\` helper`,
    });
  }
  return { dockerfile, ...dockerignoreFor(image) };
}

/** Context paths the image copies: the only files its build needs to send. */
export function contextPathsOf(image: InheritedImage): string[] {
  const paths = new Set<string>();
  for (const layer of [...image.stages.flatMap((stage) => stage.layers), ...image.layers]) {
    if (layer.kind === 'pip') for (const file of (layer.params.requirements as string[] | undefined) ?? []) paths.add(file);
    if (layer.kind === 'copy' && layer.params.from === undefined) {
      const sources = layer.params.src;
      for (const source of Array.isArray(sources) ? sources : [sources]) paths.add(String(source).replace(/\/+$/, ''));
    }
  }
  return [...paths];
}

function dockerignoreFor(image: InheritedImage): { dockerignore?: string } {
  const paths = contextPathsOf(image);
  // Copying the whole context (`.`) needs all of it: no ignore file then.
  if (paths.length === 0 || paths.some((path) => path === '' || path === '.' || path === './')) return {};
  return {
    dockerignore: [
      `# Generated by mlrun-images: the build of \`${image.name}\` sends only what it copies.`,
      '*',
      ...paths.sort().map((path) => `!${path}`),
      '',
    ].join('\n'),
  };
}
