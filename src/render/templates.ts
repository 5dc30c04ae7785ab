import HandlebarsRuntimeModule from 'handlebars/runtime.js';
import { commentText, copyPaths, dockerfileValue, rawText, shellWord, UnsafeText } from '../dockerfile/quote.js';
import { type Diagnostic, InputError, MlrunImagesError } from '../errors.js';
import { RELEASE_VERSION_CASE } from '../mlrun/naming.js';
import { checkTemplate, handlebarsCompiler } from './template-check.js';

/** Template sources by path relative to the templates folder (`Dockerfile.hbs`, `layers/apt.hbs`, `partials/x.hbs`). */
export type TemplateSources = Readonly<Record<string, string>>;

export const SKELETON = 'Dockerfile.hbs';
const LAYER_PREFIX = 'layers/';
const PARTIAL_PREFIX = 'partials/';
const EXTENSION = '.hbs';

export interface CompiledTemplates {
  skeleton: HandlebarsTemplateDelegate;
  layers: ReadonlyMap<string, HandlebarsTemplateDelegate>;
}

/** The layer kinds there are templates for: one file under layers/ each. */
export function layerKindsOf(sources: TemplateSources): string[] {
  return Object.keys(sources)
    .filter((path) => path.startsWith(LAYER_PREFIX) && path.endsWith(EXTENSION))
    .map((path) => path.slice(LAYER_PREFIX.length, -EXTENSION.length))
    .sort();
}

/** A template passed nothing to a helper that prints a value: a parameter the layer does not set. */
export class MissingTemplateValue extends Error {
  constructor(
    readonly helper: string,
    readonly line: number | undefined,
  ) {
    super(`\`${helper}\` got no value${line === undefined ? '' : ` (line ${line})`}`);
  }
}

interface HelperOptions {
  loc?: { start?: { line?: number } };
}

/** Strict mode does not cover helper arguments; printing helpers refuse a missing value themselves. */
function printing(helper: string, print: (...values: unknown[]) => string) {
  return (...args: unknown[]) => {
    const options = args[args.length - 1] as HelperOptions;
    const values = args.slice(0, -1);
    if (values.some((value) => value === undefined)) throw new MissingTemplateValue(helper, options?.loc?.start?.line);
    return print(...values);
  };
}

/** `${NAME}`: a build argument the Dockerfile expands; the name must be one. */
function argumentReference(name: unknown): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(String(name))) throw new UnsafeText(`\`${String(name)}\` is not a build argument name`);
  return `\${${String(name)}}`;
}

/** Strict, and no HTML escaping. */
export const TEMPLATE_OPTIONS = { strict: true, noEscape: true } as const;

const PRECOMPILED_TEMPLATES = './templates.generated.js';

/** Handlebars' runtime: what runs precompiled templates (its types leave out what it shares with the whole package). */
const HandlebarsRuntime = HandlebarsRuntimeModule as unknown as typeof import('handlebars');

/**
 * The package's templates, checked and precompiled at build time (scripts/build-templates.mjs), by their path and
 * text (`precompiledKey`); absent when running from src/.
 */
const precompiled = ((await import(PRECOMPILED_TEMPLATES).catch(() => undefined)) as { precompiled: Map<string, TemplateSpecification> } | undefined)
  ?.precompiled;

export const precompiledKey = (path: string, source: string) => `${path}\n${source}`;

/**
 * Whether Handlebars threw it: its runtime (precompiled templates) and its compiler (templates compiled here) may be
 * two copies of it in the bundle, each with its own Exception.
 */
export function isTemplateException(error: unknown): error is Error {
  return error instanceof HandlebarsRuntime.Exception || error instanceof handlebarsCompiler().Exception;
}

/** A private Handlebars with the helpers templates may use. */
export function compileTemplates(sources: TemplateSources): CompiledTemplates {
  const isPrecompiled = (path: string, source: string) => precompiled?.has(precompiledKey(path, source)) === true;
  // Handlebars' runtime runs precompiled templates; its compiler is loaded only when one must be compiled here.
  const everyPrecompiled = Object.entries(sources).every(([path, source]) => isPrecompiled(path, source));
  const handlebars = (everyPrecompiled ? HandlebarsRuntime : handlebarsCompiler()).create();
  const compile = (path: string, source: string): HandlebarsTemplateDelegate => {
    const spec = precompiled?.get(precompiledKey(path, source));
    return spec ? handlebars.template(spec) : handlebars.compile(source, TEMPLATE_OPTIONS);
  };

  handlebars.registerHelper({
    sh: printing('sh', shellWord),
    dq: printing('dq', dockerfileValue),
    raw: printing('raw', rawText),
    comment: printing('comment', commentText),
    json: printing('json', (value) => JSON.stringify(value)),
    copyPaths: printing('copyPaths', copyPaths),
    join: (list: unknown, separator: unknown) => (Array.isArray(list) ? list.join(typeof separator === 'string' ? separator : ',') : ''),
    default: (value: unknown, fallback: unknown) => (value === undefined || value === null ? fallback : value),
    eq: (a: unknown, b: unknown) => a === b,
    ne: (a: unknown, b: unknown) => a !== b,
    or: (...args: unknown[]) => args.slice(0, -1).some(Boolean),
    and: (...args: unknown[]) => args.slice(0, -1).every(Boolean),
    not: (value: unknown) => !value,
    list: (value: unknown) => (value === undefined ? [] : Array.isArray(value) ? value : [value]),
    upper: (value: unknown) => String(value).toUpperCase(),
    concat: (...args: unknown[]) =>
      args
        .slice(0, -1)
        .map((arg) => (arg === undefined || arg === null ? '' : String(arg)))
        .join(''),
    bracketed: (list: unknown) => (Array.isArray(list) && list.length > 0 ? `[${list.join(',')}]` : ''),
    argRef: (name: unknown) => argumentReference(name),
    releaseVersions: () => RELEASE_VERSION_CASE,
    buildArg: (name: unknown, options: { data?: { buildArgs?: Set<string> } }) => {
      options.data?.buildArgs?.add(String(name));
      return argumentReference(name);
    },
  });

  const names = {
    helpers: Object.keys(handlebars.helpers).filter((name) => !name.endsWith('HelperMissing') && name !== 'helperMissing'),
    partials: Object.keys(sources)
      .filter((path) => path.startsWith(PARTIAL_PREFIX) && path.endsWith(EXTENSION))
      .map((path) => path.slice(PARTIAL_PREFIX.length, -EXTENSION.length)),
  };
  const problems: Diagnostic[] = [];
  for (const [path, source] of Object.entries(sources)) {
    // A precompiled text passed these checks when the package was built.
    if (isPrecompiled(path, source)) continue;
    problems.push(...checkTemplate(`templates/${path}`, source, names, { layer: path.startsWith(LAYER_PREFIX) }));
  }
  if (problems.length > 0) throw new InputError(problems);

  for (const [path, source] of Object.entries(sources)) {
    if (path.startsWith(PARTIAL_PREFIX) && path.endsWith(EXTENSION)) {
      handlebars.registerPartial(path.slice(PARTIAL_PREFIX.length, -EXTENSION.length), compile(path, source));
    }
  }
  const skeletonSource = sources[SKELETON];
  if (skeletonSource === undefined) throw new MlrunImagesError(`templates: ${SKELETON} is missing from the templates folder`);
  return {
    skeleton: compile(SKELETON, skeletonSource),
    layers: new Map(
      layerKindsOf(sources).map((kind) => {
        const path = `${LAYER_PREFIX}${kind}${EXTENSION}`;
        return [kind, compile(path, sources[path]!)];
      }),
    ),
  };
}

/** Tidy rendered text: no trailing spaces, at most one blank line in a row, one final newline. */
export function tidy(text: string): string {
  return `${text
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}
