/**
 * An image test kind: what a `tests:` entry of that kind may say, how it is checked when the manifest is loaded, and
 * how what came out of the image is judged. Running it is the engines' part (scheduler/image-tests.ts); judging is
 * pure, here.
 */
import type { JsonSchema } from '../manifest/schema-document.js';

export const TEST_KIND_NAMES = ['command', 'file', 'metadata', 'http'] as const;
export type TestKindName = (typeof TEST_KIND_NAMES)[number];

/** One test of an image, as the manifest resolves it. */
export interface ImageTest {
  name: string;
  kind: TestKindName;
  /** The parameters: for `command` the argv (or shell text) is `command`, beside the others. */
  params: Record<string, unknown>;
  /** The image whose manifest entry declares it (the image itself, an image it extends, or an ancestor). */
  declaredBy: string;
}

/** A problem with a test's parameters, at the parameter. */
export type ParamProblem = { param: string; message: string };

export interface TestKind {
  name: TestKindName;
  /** Parameters beside the kind key (`command`) or inside its mapping (the others). */
  schema: { properties: Record<string, JsonSchema>; required?: string[] };
  /** The README's row. */
  docs: { parameters: string; checks: string };
  /** Whether the parameters sit beside the kind key (`command: [...]`, `stdout: …`) instead of inside it. */
  flat: boolean;
  /** Meaning checks the schema cannot make: regular expressions that do not compile, and the like. */
  check(params: Record<string, unknown>): ParamProblem[];
}

/** A regular expression parameter that does not compile, as a problem. */
export function regexProblems(params: Record<string, unknown>, names: readonly string[]): ParamProblem[] {
  const problems: ParamProblem[] = [];
  for (const name of names) {
    const pattern = params[name];
    if (typeof pattern !== 'string') continue;
    try {
      new RegExp(pattern);
    } catch (error) {
      problems.push({
        param: name,
        message: `\`${name}\` is not a valid regular expression: ${(error as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '')}`,
      });
    }
  }
  return problems;
}

/** The first lines of an output, for a failure message. */
export function firstLines(text: string, count = 5): string {
  const lines = text.replace(/\s+$/, '').split('\n');
  const shown = lines.slice(0, count).map((line) => (line.length > 200 ? `${line.slice(0, 200)}…` : line));
  return `${shown.join('\n')}${lines.length > count ? `\n… (${lines.length - count} more line(s))` : ''}`;
}
