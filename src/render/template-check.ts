/**
 * Templates are checked before they are used: a syntax error, or a helper that does not exist, is reported at its
 * line and column. Layer templates (the extension point) must print every value through a printing helper, so no
 * parameter reaches a Dockerfile unquoted.
 */
import { createRequire } from 'node:module';
import type { Diagnostic } from '../errors.js';
import { didYouMean } from '../suggest.js';

/**
 * Handlebars with its compiler, loaded when a template is checked or compiled at run time: the package's own templates
 * are checked and precompiled at build time, so most runs need only its runtime.
 */
export const handlebarsCompiler = (): typeof import('handlebars') => createRequire(import.meta.url)('handlebars') as typeof import('handlebars');

/** Helpers Handlebars brings. */
const BUILTIN_HELPERS = ['if', 'unless', 'each', 'with', 'lookup', 'log'];

/** Helpers whose output is quoted, refused when unsafe, or made by this tool: the only ones a layer template may print. */
export const PRINTING_HELPERS = ['sh', 'dq', 'raw', 'json', 'copyPaths', 'comment', 'buildArg', 'argRef', 'releaseVersions'];

type Call = hbs.AST.MustacheStatement | hbs.AST.SubExpression | hbs.AST.BlockStatement;

/** Handlebars' parser (jison): after a parse error its lexer still holds the place of the token it stopped at. */
interface HandlebarsParser {
  lexer: { yylloc: { first_line: number; first_column: number } };
}

/** `Expecting 'CLOSE', 'ID', got 'INVALID'` as `expected \`CLOSE\`, \`ID\`, got \`INVALID\``. */
function expectedTokens(line: string): string {
  const tokens = line.replace(/'([A-Z_]+)'/g, '`$1`');
  return tokens.startsWith('Expecting ') ? `expected ${tokens.slice('Expecting '.length)}` : tokens;
}

/**
 * A Handlebars error at its place. A block mismatch (`{{#if}}…{{/each}}`) carries its place; a parse error
 * (`Parse error on line 3:\n…\n-----^\nExpecting 'X', got 'Y'`) is placed where the parser's lexer stopped, since the
 * caret line shows up to 20 earlier characters with their line breaks dropped.
 */
function syntaxProblem(file: string, error: Error & { lineNumber?: number; column?: number }): Diagnostic {
  if (error.lineNumber !== undefined) {
    return {
      location: { file, line: error.lineNumber, col: error.column! + 1 },
      message: `Handlebars syntax error: ${error.message.replace(/ - \d+:\d+$/, '')}`,
    };
  }
  const stopped = (handlebarsCompiler() as unknown as { Parser: HandlebarsParser }).Parser.lexer.yylloc;
  const message = error.message.startsWith('Lexical error')
    ? // `Lexical error on line 2. Unrecognized text.` (an unclosed `{{!--`, say) ends with the caret line.
      'text it cannot read (an unclosed `{{!--` comment or `{{{{raw}}}}` block?)'
    : error.message.endsWith("got 'EOF'")
      ? error.message.includes("'OPEN_ENDBLOCK'")
        ? 'the file ends inside a block: a `{{/…}}` is missing'
        : 'the file ends inside a `{{…}}`: it is not closed'
      : expectedTokens(error.message.split('\n').at(-1)!);
  return { location: { file, line: stopped.first_line, col: stopped.first_column + 1 }, message: `Handlebars syntax error: ${message}` };
}

/**
 * The name a call or partial is looked up by: a path (`sh`, `foo.bar`) or a literal (`{{"sh" x}}`, `{{1 x}}`,
 * `{{> "header"}}`); none for a data variable (`@index`), `null`, `undefined` or a subexpression.
 */
function nameOf(expression: hbs.AST.Expression): string | undefined {
  if ((expression as hbs.AST.PathExpression).data) return undefined;
  const original = (expression as { original?: unknown }).original;
  return original === undefined || original === null ? undefined : String(original);
}

/** Printing helpers that print the value they are given: without one (`{{sh}}`) they would print nothing useful. */
const VALUE_HELPERS: readonly (string | undefined)[] = PRINTING_HELPERS.filter((name) => name !== 'releaseVersions');

export interface TemplateNames {
  /** The helpers templates may call. */
  helpers: readonly string[];
  /** The partials there are (`partials/NAME.hbs`). */
  partials: readonly string[];
}

/** Every problem of one template; `layer` templates also must print through PRINTING_HELPERS. */
export function checkTemplate(file: string, source: string, { helpers, partials }: TemplateNames, { layer }: { layer: boolean }): Diagnostic[] {
  const Handlebars = handlebarsCompiler();
  let ast: hbs.AST.Program;
  try {
    ast = Handlebars.parse(source);
  } catch (error) {
    return [syntaxProblem(file, error as Error)];
  }
  const known = [...new Set([...BUILTIN_HELPERS, ...helpers])];
  const problems: Diagnostic[] = [];
  const at = (node: hbs.AST.Node) => ({ file, line: node.loc.start.line, col: node.loc.start.column + 1 });
  const visitor = new Handlebars.Visitor();
  const checkCall = (call: Call, printed: boolean) => {
    const name = nameOf(call.path);
    const isCall = call.params.length > 0 || call.hash !== undefined || call.type === 'SubExpression';
    if (name !== undefined && isCall && !known.includes(name)) {
      problems.push({ location: at(call), message: `unknown helper \`${name}\`${didYouMean(name, known)}; the helpers are: ${known.join(', ')}` });
    } else if (VALUE_HELPERS.includes(name) && call.params.length === 0) {
      problems.push({ location: at(call), message: `\`{{${name}}}\` is given no value to print: write \`{{${name} NAME}}\`` });
    } else if (layer && printed && !(PRINTING_HELPERS as readonly (string | undefined)[]).includes(name)) {
      const shown = name ?? (call.path as { original?: unknown }).original ?? 'this value';
      problems.push({
        location: at(call),
        message: `\`{{${String(shown)}}}\` prints a value as it is: print it through \`sh\` (a shell word), \`dq\` (a Dockerfile value) or \`raw\``,
      });
    }
  };
  visitor.MustacheStatement = function (node) {
    checkCall(node, true);
    Handlebars.Visitor.prototype.MustacheStatement.call(this, node);
  };
  visitor.SubExpression = function (node) {
    checkCall(node, false);
    Handlebars.Visitor.prototype.SubExpression.call(this, node);
  };
  visitor.BlockStatement = function (node) {
    checkCall(node, false);
    Handlebars.Visitor.prototype.BlockStatement.call(this, node);
  };
  visitor.PartialStatement = function (node) {
    const name = nameOf(node.name as hbs.AST.Expression);
    if (name !== undefined && !partials.includes(name)) {
      problems.push({ location: at(node), message: `no partial \`${name}\`${didYouMean(name, partials)}: add templates/partials/${name}.hbs` });
    }
    Handlebars.Visitor.prototype.PartialStatement.call(this, node);
  };
  visitor.accept(ast);
  return problems;
}
