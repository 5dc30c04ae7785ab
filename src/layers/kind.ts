/**
 * A layer kind: everything about one `- KIND: {…}` layer of the manifest, beside its template
 * (templates/layers/KIND.hbs). The registry (./index.ts) lists the built-in kinds; a template without a module is a
 * custom kind, whose parameters reach the template as written.
 */
import type { SourceLocation } from '../errors.js';
import type { RuleId } from '../manifest/lint-rules.js';
import type { NodePath } from '../manifest/load.js';
import type { LayerSchema } from '../manifest/schema-document.js';
import { PYTHON_COMMAND } from '../manifest/grammar.js';
import { type LayerParams, paramPath, type ResolvedLayer } from '../manifest/types.js';

/** What a meaning check may look at, and where it reports. */
export interface LayerCheckContext {
  /** The image the layer belongs to. */
  image: string;
  /** The image's stages defined before this layer (`copy: {from: STAGE}` may name them). */
  stagesBefore: readonly string[];
  /** Current variable values, to check values that read build arguments. */
  values: Readonly<Record<string, string>>;
  report(path: NodePath, message: string, part?: 'key' | 'value'): void;
}

/** What a lint check may look at, and where it reports. */
export interface LayerLintContext {
  values: Readonly<Record<string, string>>;
  /** The image's build context folder, relative to the manifest's (undefined: the manifest's folder). */
  context: string | undefined;
  /** Files read for lint (see LayerKind.lintReads), by path from the manifest's folder; a missing file is absent. */
  files: ReadonlyMap<string, string>;
  /** Files outside the image's build context (by path or through a link): not read, reported. */
  outside: ReadonlySet<string>;
  /** How a path from the manifest's folder is shown in a finding. */
  shownPath(path: string): string;
  /** A finding at a manifest node (its value, or its key), or at a place in another file. */
  report(rule: RuleId, where: NodePath | SourceLocation, message: string, part?: 'key' | 'value'): void;
}

export interface LayerKind {
  readonly name: string;
  /** Its parameters: the manifest schema is assembled from these. */
  readonly schema: LayerSchema;
  /** The README's row: the parameters, and what the layer renders. */
  readonly docs: { parameters: string; renders: string };
  /** Parameters that may read a release variable (it becomes a build argument). */
  readonly buildArgParameters: readonly string[] | 'all';
  /** Paths of the build context the layer copies into the image. */
  contextPaths?(params: LayerParams): string[];
  /** Files of the build context lint reads for the layer, relative to the context, and what each one includes. */
  readonly lintReads?: { files(params: LayerParams): string[]; includes(path: string, text: string): string[] };
  /** Meaning checks the schema cannot make. */
  check?(layer: ResolvedLayer, context: LayerCheckContext): void;
  /** Lint findings. */
  lint?(layer: ResolvedLayer, context: LayerLintContext): void;
}

/** A parameter that is a string or a list of strings, as a list. */
export function listParam(params: LayerParams, name: string): string[] {
  const value = params[name];
  return Array.isArray(value) ? (value as string[]) : typeof value === 'string' ? [value] : [];
}

/** The `python` parameter (pip and mlrun run `python -m pip`): a command name or path. */
export function checkPythonCommand(layer: ResolvedLayer, report: LayerCheckContext['report']): void {
  const { python } = layer.params;
  if (python !== undefined && !PYTHON_COMMAND.test(String(python))) {
    report(paramPath(layer, 'python'), `python \`${String(python)}\` must be a command name or path (letters, digits and . _ / + -)`);
  }
}

/** A kind added by a template beside the manifest: no schema of its own, any parameter may read release variables. */
export function customLayerKind(name: string): LayerKind {
  return {
    name,
    schema: { description: 'A layer kind added by a template file.', properties: {} },
    docs: { parameters: 'as the template reads them', renders: `templates/layers/${name}.hbs` },
    buildArgParameters: 'all',
  };
}
