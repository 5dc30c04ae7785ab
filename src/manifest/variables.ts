import { fenced } from '../dockerfile/build-args.js';
import type { Diagnostic } from '../errors.js';
import { didYouMean } from '../suggest.js';
import type { NodePath, ParsedManifest } from './load.js';

/** A variable's value read from a source checkout, and where it was read (`the mlrun checkout's Makefile:36`). */
export interface CheckoutValue {
  value: string;
  origin: string;
}

export interface VariableInputs {
  /** Defaults declared under `variables:`. */
  declared: Readonly<Record<string, string>>;
  /** The process environment; only declared names are read from it. */
  env: Readonly<Record<string, string | undefined>>;
  /** `--set NAME=VALUE` from the command line. */
  overrides: Readonly<Record<string, string>>;
}

/** Declared default, then the environment, then `--set`: the value each variable has for this run. */
export function resolveVariableValues({ declared, env, overrides }: VariableInputs): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, fallback] of Object.entries(declared)) {
    values[name] = overrides[name] ?? env[name] ?? fallback;
  }
  return values;
}

/** `--set` names that the manifest does not declare (a typo the user wants to hear about), as one message. */
export function checkOverrides(declared: readonly string[], overrides: Readonly<Record<string, string>>): string | undefined {
  const unknown = Object.keys(overrides).filter((name) => !declared.includes(name));
  if (unknown.length === 0) return undefined;
  return unknown.map((name) => `--set ${name}: no such variable is declared under \`variables:\`${didYouMean(name, declared)}`).join('\n');
}

/** Whether a layer kind's parameter may hold a release variable (its module says so). */
export type LayerParamPolicy = (kind: string, parameter: string) => boolean;

/**
 * How a build-argument variable is read at a place: as a build argument (values rendered through the quoting helpers), with
 * its value for this run (image tests, which run after the build), or not at all.
 */
function releaseVariableUse(path: NodePath, layerAccepts: LayerParamPolicy): 'build-arg' | 'value' | 'refused' {
  const [top, , field] = path;
  if (top === 'images' && field === 'tests') return 'value';
  return acceptsBuildArgs(path, layerAccepts) ? 'build-arg' : 'refused';
}

/** Where a build-argument variable may stand as one: values rendered through the quoting helpers. */
function acceptsBuildArgs(path: NodePath, layerAccepts: LayerParamPolicy): boolean {
  const [top, , field, ...rest] = path;
  if (top !== 'images') return false;
  const inStage = field === 'stages';
  const [stageField, ...stageRest] = inStage ? rest.slice(1) : [field, ...rest];
  if (stageField === 'base' || stageField === 'env' || stageField === 'labels' || stageField === 'args') return true;
  if (stageField !== 'layers') return false;
  const [, kind, parameter] = stageRest;
  return layerAccepts(String(kind), String(parameter));
}

const REFERENCE = /\$(\$?)\{([^}]*)\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** How variables are read: their values, and which of them reach Dockerfiles as build arguments. */
export interface InterpolationPolicy {
  /** Whether a layer kind's parameter may hold a build argument. */
  layerAccepts: LayerParamPolicy;
  /** The variables read at build time, as build arguments (MLRun's release variables, and those the manifest names). */
  buildArgs: ReadonlySet<string>;
  /** Whether the value at a path is a regular expression: a variable's value goes into it as literal text. */
  isPattern?: (path: NodePath) => boolean;
}

interface Interpolation extends InterpolationPolicy {
  values: Readonly<Record<string, string>>;
  /** Report a problem at the value at `path`; the reference is left as written. */
  report(path: NodePath, message: string): void;
}

/** The value of one `${…}` reference in the value at `path`: text, a build-argument expression, or itself when it is a problem. */
function referenceValue(whole: string, inner: string, path: NodePath, { values, layerAccepts, buildArgs, isPattern, report }: Interpolation): string {
  const problem = (message: string): string => {
    report(path, message);
    return whole;
  };
  const separator = inner.indexOf(':-');
  const name = separator === -1 ? inner : inner.slice(0, separator);
  const fallback = separator === -1 ? undefined : inner.slice(separator + 2);
  if (!NAME.test(name))
    return problem(`\`${whole}\` is not a variable reference: write \`\${NAME}\` or \`\${NAME:-fallback}\` (and \`$\${\` for a literal \`\${\`)`);
  if (!(name in values)) return problem(`undefined variable \`${name}\`${didYouMean(name, Object.keys(values))}: declare it under \`variables:\``);
  const use = buildArgs.has(name) ? releaseVariableUse(path, layerAccepts) : 'value';
  if (use === 'build-arg') {
    if (fallback !== undefined && !/^[A-Za-z0-9._:/@+-]*$/.test(fallback))
      return problem(`the fallback of \`${name}\` may hold only letters, digits and . _ : / @ + -`);
    return fenced(whole);
  }
  if (use === 'refused') {
    return problem(
      `\`${name}\` is passed at build time and cannot be used here; it can be used in base, env, labels, args, run commands, pip packages, the python and pip of a miniconda layer, and image tests; the mlrun layer writes MLRUN_VERSION into the version file of the source it installs`,
    );
  }
  const value = values[name] === '' && fallback !== undefined ? fallback : values[name]!;
  return isPattern?.(path) ? value.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&') : value;
}

/** One string value with its references replaced; `$${` stands for a literal `${`. */
function interpolateText(text: string, path: NodePath, interpolation: Interpolation): string {
  if (!text.includes('$')) return text;
  const unclosed = /(?<!\$)\$\{[^}]*$/.exec(text);
  if (unclosed) {
    interpolation.report(path, `unclosed variable reference \`${unclosed[0]}\`: end it with \`}\` (or write \`$\${\` for a literal \`\${\`)`);
    return text;
  }
  return text.replace(REFERENCE, (whole, escaped: string, inner: string) => (escaped ? whole.slice(1) : referenceValue(whole, inner, path, interpolation)));
}

/**
 * Interpolate `${NAME}` and `${NAME:-fallback}` in every string value of the manifest (not in keys: names must be
 * known as written). Release variables become build-argument expressions where they may stand.
 */
export function interpolate(
  manifest: ParsedManifest,
  values: Readonly<Record<string, string>>,
  policy: InterpolationPolicy,
): { data: unknown; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const interpolation: Interpolation = {
    values,
    ...policy,
    report: (path, message) => diagnostics.push({ location: manifest.locate(path), message }),
  };
  const walk = (value: unknown, path: NodePath): unknown => {
    if (typeof value === 'string') return interpolateText(value, path, interpolation);
    // Image values are text in a Dockerfile: a number is kept as written (3.10, 0755), not as JavaScript reads it.
    // Image tests are judged, not written into a Dockerfile: their numbers stay numbers.
    if (typeof value === 'number' && path[0] === 'images' && path[2] !== 'tests') return manifest.sourceOf(path) ?? String(value);
    if (Array.isArray(value)) return value.map((item, index) => walk(item, [...path, index]));
    if (value === null || typeof value !== 'object') return value;
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const keyPath = [...path, key];
      if (key.includes('${')) {
        diagnostics.push({
          location: manifest.locate(keyPath, 'key'),
          message: `\`${key}\`: variables cannot be used in keys; names must be known as written`,
        });
      }
      result[key] = walk(item, keyPath);
    }
    return result;
  };
  const { variables, ...rest } = manifest.data as Record<string, unknown>;
  const interpolated = walk(rest, []) as Record<string, unknown>;
  return { data: { ...interpolated, ...(variables === undefined ? {} : { variables }) }, diagnostics };
}
