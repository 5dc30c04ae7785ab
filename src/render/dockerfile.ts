import { posix, sep } from 'node:path';
import { BUILD_ARG_FENCE, buildArgsIn, fenced } from '../dockerfile/build-args.js';
import { baseArgName } from '../dockerfile/instructions.js';
import { dockerfileValue, execForm, instructionKey, UnsafeText } from '../dockerfile/quote.js';
import type { Diagnostic } from '../errors.js';
import { type InheritedImage, layersOfImage } from '../family/inherit.js';
import { contextPathsOf } from '../layers/index.js';
import type { ParsedManifest } from '../manifest/load.js';
import type { ResolvedLayer, ValueMap } from '../manifest/types.js';
import { type CompiledTemplates, isTemplateException, MissingTemplateValue, tidy } from './templates.js';

export interface RenderInputs {
  manifest: ParsedManifest;
  templates: CompiledTemplates;
  /** Declared defaults of every variable: what build arguments default to in the Dockerfile. */
  defaults: Readonly<Record<string, string>>;
  /** The reference an image of this manifest has with the default release variables (for `from`). */
  defaultReference: (name: string) => string;
  /** An external base as the Dockerfile names it: `<ref>@sha256:…` when images.lock.yaml pins it. */
  pinBase: (reference: string) => string;
}

export interface RenderedImage {
  dockerfile: string;
  /** Present when the image copies from its build context: ignore everything else. */
  dockerignore?: string;
}

export class RenderError extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(diagnostic.message);
  }
}

interface Pair {
  name: string;
  value: string;
}

function pairs(map: ValueMap | undefined): Pair[] {
  return Object.entries(map ?? {})
    .filter(([, value]) => value !== null)
    .map(([name, value]) => ({ name: instructionKey(name), value: dockerfileValue(value) }));
}

/**
 * The `ARG` lines a stage needs for the release variables its values read, each declared once, just before its first
 * use (so the build cache above it survives a version bump).
 */
function argDeclarations(defaults: Readonly<Record<string, string>>) {
  return (declared: Set<string>, value: unknown): string[] =>
    buildArgsIn(value)
      .filter((name) => !declared.has(name) && declared.add(name))
      .map((name) => `ARG ${name}=${dockerfileValue(defaults[name] ?? '')}`);
}

/** A layer's template failed: say what the layer lacks, or what the template did wrong. */
function layerProblem(layer: ResolvedLayer, error: unknown): string {
  const template = `templates/layers/${layer.kind}.hbs`;
  const message = (error as Error).message;
  if (error instanceof UnsafeText) return `the ${layer.kind} layer: ${message}`;
  if (error instanceof MissingTemplateValue) {
    return `the ${layer.kind} layer does not set a parameter that ${template}${error.line === undefined ? '' : `:${error.line}`} passes to \`${error.helper}\``;
  }
  const missing = /^"([^"]+)" not defined/.exec(message)?.[1];
  if (missing) return `the ${layer.kind} layer needs \`${missing}\`, which it does not set (${template} uses it)`;
  return `${template} failed for this layer: ${message}`;
}

interface StageInput {
  name?: string;
  base: string;
  args?: ValueMap;
  env?: ValueMap;
  workdir?: string;
  user?: string;
  layers: ResolvedLayer[];
}

/** What rendering one image shares across its stages: the inputs, and the global ARGs its FROM lines read. */
interface ImageRendering {
  image: InheritedImage;
  inputs: RenderInputs;
  declare: ReturnType<typeof argDeclarations>;
  globalArgs: Set<string>;
  globalArgLines: string[];
}

function renderLayer(layer: ResolvedLayer, stageArgs: Set<string>, stageName: string | undefined, { image, inputs, declare }: ImageRendering): string {
  const buildArgs = new Set(buildArgsIn(layer.params));
  const template = inputs.templates.layers.get(layer.kind)!;
  let text: string;
  try {
    text = template(layer.params, { data: { image: { name: image.name }, stage: stageName ?? null, defaults: inputs.defaults, buildArgs } });
  } catch (error) {
    throw new RenderError({ location: inputs.manifest.locate(layer.path, 'key'), message: layerProblem(layer, error) });
  }
  // The template may read release variables (buildArg): their ARGs go just before the layer.
  return [
    ...declare(
      stageArgs,
      [...buildArgs].map((name) => fenced(`\${${name}}`)),
    ),
    text.trim(),
  ].join('\n');
}

function renderStage(stage: StageInput, rendering: ImageRendering) {
  const { declare } = rendering;
  const args = new Set<string>();
  const baseArg = baseArgName(stage.name);
  rendering.globalArgLines.push(...declare(rendering.globalArgs, stage.base), `ARG ${baseArg}=${dockerfileValue(stage.base)}`);
  const argLines = declare(args, stage.args);
  for (const { name, value } of pairs(stage.args)) {
    args.add(name);
    argLines.push(`ARG ${name}=${value}`);
  }
  const envArgs = declare(args, stage.env);
  return {
    name: stage.name ?? null,
    baseArg,
    args: argLines,
    envArgs,
    env: pairs(stage.env),
    workdir: stage.workdir ?? null,
    user: stage.user ?? null,
    layers: stage.layers.map((layer) => renderLayer(layer, args, stage.name, rendering)),
    argsDeclared: args,
  };
}

/**
 * Render one image's Dockerfile (and .dockerignore) from its resolved definition. A value the quoting refuses, or a
 * failing skeleton or partial template, is a problem at the image.
 */
export function renderImage(image: InheritedImage, inputs: RenderInputs): RenderedImage {
  try {
    return renderImageParts(image, inputs);
  } catch (error) {
    if (error instanceof RenderError) throw error;
    const location = inputs.manifest.locate(['images', image.name], 'key');
    if (error instanceof UnsafeText) throw new RenderError({ location, message: `image \`${image.name}\`: ${error.message}` });
    if (isTemplateException(error)) {
      throw new RenderError({ location, message: `templates/Dockerfile.hbs (or a partial) failed for image \`${image.name}\`: ${error.message}` });
    }
    throw error;
  }
}

function renderImageParts(image: InheritedImage, inputs: RenderInputs): RenderedImage {
  const { manifest, templates } = inputs;
  const rendering: ImageRendering = { image, inputs, declare: argDeclarations(inputs.defaults), globalArgs: new Set(), globalArgLines: [] };
  const { spec } = image;
  const stages = image.stages.map((stage) => renderStage({ ...stage, base: inputs.pinBase(stage.base) }, rendering));
  const base = spec.from !== undefined ? inputs.defaultReference(spec.from) : inputs.pinBase(spec.base!);
  const final = renderStage({ base, args: spec.args, env: spec.env, workdir: spec.workdir, layers: image.layers }, rendering);
  const dockerfile = tidy(
    templates.skeleton({
      // The file's own name, not the path it was read by: the header must not depend on where generate ran.
      manifestFile: posix.basename(manifest.file.split(sep).join('/')),
      name: image.name,
      description: spec.description ?? null,
      from: spec.from ?? null,
      globalArgs: rendering.globalArgLines,
      stages,
      final: {
        ...final,
        labelArgs: rendering.declare(final.argsDeclared, spec.labels),
        labels: pairs(spec.labels),
        expose: (spec.expose ?? []).map(String),
        volumes: spec.volumes ?? [],
        runAs: spec.user ?? null,
        entrypoint: spec.entrypoint ? execForm(spec.entrypoint) : null,
        cmd: spec.cmd ? execForm(spec.cmd) : null,
      },
    }),
  );
  if (dockerfile.includes(BUILD_ARG_FENCE)) {
    throw new RenderError({
      location: manifest.locate(['images', image.name], 'key'),
      message: `image \`${image.name}\`: a template printed a value that reads a build argument without the \`sh\` or \`dq\` helper`,
    });
  }
  return { dockerfile, ...dockerignoreFor(image) };
}

/** What every file this tool writes starts with; only such files are ever replaced or removed. */
export const GENERATED_MARKER = '# Generated by mlrun-images';

function dockerignoreFor(image: InheritedImage): { dockerignore?: string } {
  const paths = contextPathsOf(layersOfImage(image));
  // Copying the whole context (`.`) needs all of it: no ignore file then.
  if (paths.length === 0 || paths.some((path) => path === '' || path === '.' || path === './')) return {};
  return {
    dockerignore: [`${GENERATED_MARKER}: the build of \`${image.name}\` sends only what it copies.`, '*', ...paths.sort().map((path) => `!${path}`), ''].join(
      '\n',
    ),
  };
}
