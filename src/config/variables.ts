import type { Diagnostic } from '../errors.js';
import { didYouMean } from '../suggest.js';
import type { NodePath, ParsedManifest } from './load.js';

/**
 * MLRun's release variables reach Dockerfiles as build arguments, not as text, so that
 * generated/ stays the same from one release, repository or registry to the next.
 */
export const RELEASE_VARIABLES = ['MLRUN_VERSION', 'MLRUN_DOCKER_REPO', 'MLRUN_DOCKER_REGISTRY'] as const;
export type ReleaseVariable = (typeof RELEASE_VARIABLES)[number];

export function isReleaseVariable(name: string): name is ReleaseVariable {
  return (RELEASE_VARIABLES as readonly string[]).includes(name);
}

/**
 * A release variable inside an interpolated string is kept as the Dockerfile/shell expression
 * that reads the build argument, fenced by NUL characters (which no manifest value may contain);
 * the render helpers turn the fence into the right syntax for where the value lands.
 */
export const BUILD_ARG_FENCE = '\u0000';
const BUILD_ARG_PATTERN = /\u0000\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}\u0000]*)?\}\u0000/g;

/** The release variables a value reads at build time. */
export function buildArgsIn(value: unknown): string[] {
  const names = new Set<string>();
  const collect = (item: unknown): void => {
    if (typeof item === 'string') for (const match of item.matchAll(BUILD_ARG_PATTERN)) names.add(match[1]!);
    else if (item !== null && typeof item === 'object') Object.values(item).forEach(collect);
  };
  collect(value);
  return [...names];
}

/** Split an interpolated value into literal text and build-argument expressions (`${NAME}`). */
export function splitBuildArgs(value: string): { literal: string; expression?: string }[] {
  return value.split(BUILD_ARG_FENCE).map((part, index) => (index % 2 === 1 ? { literal: '', expression: part } : { literal: part }));
}

/** The value with each build argument replaced by its current value: what validation looks at. */
export function withBuildArgValues(value: string, values: Readonly<Record<string, string>>): string {
  return value.replace(BUILD_ARG_PATTERN, (expression, name: string) => {
    const fallback = /:-([^}]*)\}/.exec(expression)?.[1];
    const current = values[name] ?? '';
    return current === '' && fallback !== undefined ? fallback : current;
  });
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

/** Where a release variable may stand: values rendered through the quoting helpers. */
function acceptsBuildArgs(path: NodePath): boolean {
  const [top, , field, ...rest] = path;
  if (top !== 'images') return false;
  const inStage = field === 'stages';
  const [stageField, ...stageRest] = inStage ? rest.slice(1) : [field, ...rest];
  if (stageField === 'base' || stageField === 'env' || stageField === 'labels' || stageField === 'args') return true;
  if (stageField !== 'layers') return false;
  const [, kind, param] = stageRest;
  if (kind === 'run') return param === 'commands';
  if (kind === 'pip') return param === 'packages';
  return !BUILTIN_LAYERS_WITHOUT_BUILD_ARGS.has(String(kind));
}
const BUILTIN_LAYERS_WITHOUT_BUILD_ARGS = new Set(['apt', 'miniconda', 'openmpi', 'copy', 'mlrun']);

const REFERENCE = /\$(\$?)\{([^}]*)\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Interpolate `${NAME}` and `${NAME:-fallback}` in every string of the manifest (keys included).
 * `$${` stands for a literal `${`. Release variables become build-argument expressions.
 */
export function interpolate(manifest: ParsedManifest, values: Readonly<Record<string, string>>): { data: unknown; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];

  const interpolateString = (text: string, path: NodePath, part: 'key' | 'value'): string => {
    if (!text.includes('$')) return text;
    const unclosed = /(?<!\$)\$\{[^}]*$/.exec(text);
    if (unclosed) {
      diagnostics.push({
        location: manifest.locate(path, part),
        message: `unclosed variable reference \`${unclosed[0]}\`: end it with \`}\` (or write \`$\${\` for a literal \`\${\`)`,
      });
      return text;
    }
    return text.replace(REFERENCE, (whole, escaped: string, inner: string) => {
      if (escaped) return whole.slice(1);
      const separator = inner.indexOf(':-');
      const name = separator === -1 ? inner : inner.slice(0, separator);
      const fallback = separator === -1 ? undefined : inner.slice(separator + 2);
      const problem = (message: string): string => {
        diagnostics.push({ location: manifest.locate(path, part), message });
        return whole;
      };
      if (!NAME.test(name))
        return problem(`\`${whole}\` is not a variable reference: write \`\${NAME}\` or \`\${NAME:-fallback}\` (and \`$\${\` for a literal \`\${\`)`);
      if (!(name in values)) {
        return problem(`undefined variable \`${name}\`${didYouMean(name, Object.keys(values))}: declare it under \`variables:\``);
      }
      if (isReleaseVariable(name) && part === 'value' && acceptsBuildArgs(path)) {
        if (fallback !== undefined && !/^[A-Za-z0-9._:/@+-]*$/.test(fallback)) {
          return problem(`the fallback of \`${name}\` may hold only letters, digits and . _ : / @ + -`);
        }
        return `${BUILD_ARG_FENCE}${whole}${BUILD_ARG_FENCE}`;
      }
      if (isReleaseVariable(name)) {
        return problem(
          `\`${name}\` is passed at build time and cannot be used here; it can be used in base, env, labels, args, run commands and pip packages (the mlrun layer installs the matching version)`,
        );
      }
      const value = values[name]!;
      return value === '' && fallback !== undefined ? fallback : value;
    });
  };

  const walk = (value: unknown, path: NodePath): unknown => {
    if (typeof value === 'string') return interpolateString(value, path, 'value');
    // Image values are text in a Dockerfile: a number is kept as written (3.10, 0755), not as JavaScript reads it.
    if (typeof value === 'number' && path[0] === 'images') return manifest.sourceOf(path) ?? String(value);
    if (Array.isArray(value)) return value.map((item, index) => walk(item, [...path, index]));
    if (value !== null && typeof value === 'object') {
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
    }
    return value;
  };

  const data = manifest.data as Record<string, unknown>;
  const { variables, ...rest } = data;
  const interpolated = walk(rest, []) as Record<string, unknown>;
  return { data: { ...interpolated, ...(variables === undefined ? {} : { variables }) }, diagnostics };
}
