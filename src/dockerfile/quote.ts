/**
 * The one way text reaches a Dockerfile: every value is quoted for where it lands (a shell word, an ENV/LABEL/ARG
 * value, a COPY path list, an exec-form list) or, for raw shell text, refused when it would break out of its line.
 */
import { splitBuildArgs } from './build-args.js';

/** Line breaks and other control characters: in a Dockerfile they would start new instructions. */
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

const SAFE_SHELL_WORD = /^[A-Za-z0-9@%+=:,./_-]+$/;
const SAFE_DOCKERFILE_VALUE = /^[A-Za-z0-9@%+=:,./_${}-]+$/;
const SAFE_PATH = /^[A-Za-z0-9@%+=:,./_*?-]+$/;

/** A shell word: single-quoted unless plain; build arguments become "${NAME}" so the shell expands them. */
export function shellWord(value: unknown): string {
  return (
    splitBuildArgs(String(value))
      .map(({ literal, expression }) => {
        if (expression !== undefined) return `"${expression}"`;
        if (literal === '') return '';
        return SAFE_SHELL_WORD.test(literal) ? literal : `'${literal.replace(/'/g, `'\\''`)}'`;
      })
      .join('') || "''"
  );
}

/** A value for ENV, LABEL or ARG: double-quoted unless plain; `$NAME` is left for the Dockerfile to expand. */
export function dockerfileValue(value: unknown): string {
  const text = splitBuildArgs(String(value))
    .map(({ literal, expression }) => expression ?? literal.replace(/[\\"]/g, '\\$&'))
    .join('');
  return SAFE_DOCKERFILE_VALUE.test(text) ? text : `"${text}"`;
}

/** A value that is text only (a label the build adds): quoted as dockerfileValue, and a `$` is not a variable. */
export function literalDockerfileValue(value: unknown): string {
  return dockerfileValue(value).replace(/\$/g, '\\$');
}

/**
 * What would make raw shell text break out of its line in a Dockerfile: a trailing backslash joins the
 * next instruction, a heredoc swallows the lines after it, a comment hides the commands joined after it.
 */
export function rawTextProblem(text: string): string | undefined {
  if (/\\\s*$/.test(text)) return 'may not end with a backslash: write each command as its own list item';
  if (/<<-?\s*["']?[A-Za-z_]/.test(text)) return 'may not open a heredoc (<<WORD): it would swallow the lines after it; put the text in a file and copy it';
  if (/(^|\s)#/.test(text)) return 'may not hold a # comment: it would hide the commands joined after it; put comments in the YAML';
  return undefined;
}

/** Raw shell text refused by rawTextProblem. */
export class UnsafeRawText extends Error {}

/** Text printed as written (raw shell), build arguments as `${NAME}` for the shell to expand. */
export function rawText(value: unknown): string {
  const text = splitBuildArgs(String(value))
    .map(({ literal, expression }) => expression ?? literal)
    .join('');
  const problem = rawTextProblem(text);
  if (problem) throw new UnsafeRawText(`\`${text}\` ${problem}`);
  return text;
}

/** The source/destination list of COPY: plain words, or the JSON form when a path needs quoting. */
export function copyPaths(sources: unknown, destination: unknown): string {
  const paths = [...(Array.isArray(sources) ? sources : [sources]), destination].map(String);
  return paths.every((path) => SAFE_PATH.test(path) && !path.startsWith('-')) ? paths.join(' ') : JSON.stringify(paths);
}

/** The exec form of ENTRYPOINT and CMD: a JSON list. */
export function execForm(words: readonly string[]): string {
  return `[${words.map((word) => JSON.stringify(word)).join(', ')}]`;
}
