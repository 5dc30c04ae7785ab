/**
 * The one way text reaches a Dockerfile: every value is quoted for where it lands (a shell word, an ENV/LABEL/ARG
 * value, a COPY path list, an exec-form list) or, for raw shell text, refused when it would break out of its line.
 */
import { MlrunImagesError } from '../errors.js';
import { asWritten, splitBuildArgs } from './build-args.js';

/** Line breaks and other control characters: in a Dockerfile they would start new instructions. */
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** Text that would break out of its place in a Dockerfile: refused, never quoted. */
export class UnsafeText extends MlrunImagesError {
  override name = 'UnsafeText';
}

/** Text as a message shows it: control characters escaped, so the message stays one line. */
function shown(text: string): string {
  return CONTROL_CHARACTER.test(text) ? JSON.stringify(text).slice(1, -1) : text;
}

/** The text of a value, refused when it holds a line break or another control character (the build-argument fence aside). */
function safeText(value: unknown): string {
  const text = String(value);
  const outsideFences = text.replace(/\u0000\$\{[^}\u0000]*\}\u0000/g, '');
  if (CONTROL_CHARACTER.test(outsideFences))
    throw new UnsafeText(`\`${shown(asWritten(text))}\` holds a line break or another control character, which would start a new instruction`);
  return text;
}

const SAFE_SHELL_WORD = /^[A-Za-z0-9@%+=:,./_-]+$/;
const SAFE_DOCKERFILE_VALUE = /^[A-Za-z0-9@%+=:,./_${}-]+$/;
const SAFE_PATH = /^[A-Za-z0-9@%+=:,./_*?-]+$/;

/** A shell word: single-quoted unless plain; build arguments become "${NAME}" so the shell expands them. */
export function shellWord(value: unknown): string {
  return (
    splitBuildArgs(safeText(value))
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
  const text = splitBuildArgs(safeText(value))
    .map(({ literal, expression }) => expression ?? literal.replace(/[\\"]/g, '\\$&'))
    .join('');
  return SAFE_DOCKERFILE_VALUE.test(text) ? text : `"${text}"`;
}

/** A value that is text only (a label the build adds): quoted as dockerfileValue, and a `$` is not a variable. */
export function literalDockerfileValue(value: unknown): string {
  return dockerfileValue(value).replace(/\$/g, '\\$');
}

/**
 * What would make raw shell text break out of its line in a Dockerfile: a line break starts a new instruction, a
 * trailing backslash joins the next one, a heredoc (`<<WORD`, `<<-'WORD'`, `<<\\WORD`, `2<<WORD`: any `<<` but a
 * here-string's `<<<`) swallows the lines after it, a comment hides the commands joined after it.
 */
export function rawTextProblem(text: string): string | undefined {
  if (CONTROL_CHARACTER.test(text)) return 'may not hold a line break or another control character: write each command as its own list item';
  if (/\\\s*$/.test(text)) return 'may not end with a backslash: write each command as its own list item';
  if (/(?<!<)<<(?!<)/.test(text)) return 'may not open a heredoc (<<WORD): it would swallow the lines after it; put the text in a file and copy it';
  if (/(^|\s)#/.test(text)) return 'may not hold a # comment: it would hide the commands joined after it; put comments in the YAML';
  return undefined;
}

/** Text printed as written (raw shell), build arguments as `${NAME}` for the shell to expand. */
export function rawText(value: unknown): string {
  const text = splitBuildArgs(String(value))
    .map(({ literal, expression }) => expression ?? literal)
    .join('');
  const problem = rawTextProblem(text);
  if (problem) throw new UnsafeText(`\`${shown(text)}\` ${problem}`);
  return text;
}

/** Text in a `#` comment line (the generated header): printed as written, refused when it would end the line. */
export function commentText(value: unknown): string {
  return safeText(value);
}

/** The source/destination list of COPY: plain words, or the JSON form when a path needs quoting. */
export function copyPaths(sources: unknown, destination: unknown): string {
  const paths = [...(Array.isArray(sources) ? sources : [sources]), destination].map(safeText);
  return paths.every((path) => SAFE_PATH.test(path) && !path.startsWith('-')) ? paths.join(' ') : JSON.stringify(paths);
}

/** The name in `NAME=value` (ENV, LABEL, ARG): letters, digits and . _ / - only, else refused. */
export function instructionKey(name: unknown): string {
  const text = String(name);
  if (!/^[A-Za-z0-9_][A-Za-z0-9_./-]*$/.test(text)) throw new UnsafeText(`\`${shown(text)}\` cannot be a name in a Dockerfile instruction`);
  return text;
}

/** The exec form of ENTRYPOINT and CMD: a JSON list. */
export function execForm(words: readonly string[]): string {
  return `[${words.map((word) => JSON.stringify(safeText(word))).join(', ')}]`;
}
