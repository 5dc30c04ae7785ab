/**
 * A value that reads a build argument at build time (a release variable) is carried through the pipeline as
 * the expression `${NAME}` fenced by NUL characters, which no manifest value may contain; the quoting functions
 * turn the fence into the right syntax for where the value lands.
 */
export const BUILD_ARG_FENCE = '\u0000';
const BUILD_ARG_PATTERN = /\u0000\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}\u0000]*)?\}\u0000/g;

/** The fenced expression that reads build argument `name` (`${NAME}` or `${NAME:-fallback}` as written). */
export function fenced(expression: string): string {
  return `${BUILD_ARG_FENCE}${expression}${BUILD_ARG_FENCE}`;
}

/** The build arguments a value (or any value nested in it) reads. */
export function buildArgsIn(value: unknown): string[] {
  const names = new Set<string>();
  const collect = (item: unknown): void => {
    if (typeof item === 'string') for (const match of item.matchAll(BUILD_ARG_PATTERN)) names.add(match[1]!);
    else if (item !== null && typeof item === 'object') Object.values(item).forEach(collect);
  };
  collect(value);
  return [...names];
}

/** Split a value into literal text and build-argument expressions (`${NAME}`). */
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

/** The value as a person wrote it, for messages: the fences removed. */
export function asWritten(value: string): string {
  return value.replaceAll(BUILD_ARG_FENCE, '');
}

/** The names a Dockerfile declares with `ARG NAME` or `ARG NAME=default` (instructions are case-insensitive, and may be indented). */
export function declaredArgs(dockerfile: string): Set<string> {
  return new Set([...dockerfile.matchAll(/^[ \t]*ARG[ \t]+([A-Za-z_][A-Za-z0-9_]*)/gim)].map((match) => match[1]!));
}
