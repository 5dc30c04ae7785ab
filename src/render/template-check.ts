/**
 * Templates are checked before they are used: a syntax error, or a helper that does not exist, is reported at its
 * line and column. Layer templates (the extension point) must print every value through a printing helper, so no
 * parameter reaches a Dockerfile unquoted.
 */
import Handlebars from 'handlebars';
import type { Diagnostic } from '../errors.js';
import { didYouMean } from '../suggest.js';

/** Helpers Handlebars brings. */
const BUILTIN_HELPERS = ['if', 'unless', 'each', 'with', 'lookup', 'log'];

/** Helpers whose output is quoted, refused when unsafe, or made by this tool: the only ones a layer template may print. */
export const PRINTING_HELPERS = ['sh', 'dq', 'raw', 'json', 'copyPaths', 'comment', 'buildArg', 'argRef', 'releaseVersions'];

type Node = hbs.AST.Node & { loc?: hbs.AST.SourceLocation };
type Call = hbs.AST.MustacheStatement | hbs.AST.SubExpression | hbs.AST.BlockStatement;

/** A Handlebars parse error at its place: `Parse error on line 3:\n…\n-----^\nExpecting 'X', got 'Y'`. */
function syntaxProblem(file: string, error: Error): Diagnostic {
  const lines = error.message.split('\n');
  const line = Number(/line (\d+)/.exec(lines[0] ?? '')?.[1] ?? 1);
  const caret = lines.find((text) => /^-*\^$/.test(text));
  const expected = lines.at(-1) ?? error.message;
  return {
    location: { file, line, col: caret ? caret.length : 1 },
    message: `Handlebars syntax error: ${expected.replace(/^Expecting /, 'expected ').replace(/'/g, '`')}`,
  };
}

function headName(call: Call): string | undefined {
  return call.path.type === 'PathExpression' && !(call.path as hbs.AST.PathExpression).data ? (call.path as hbs.AST.PathExpression).original : undefined;
}

export interface TemplateNames {
  /** The helpers templates may call. */
  helpers: readonly string[];
  /** The partials there are (`partials/NAME.hbs`). */
  partials: readonly string[];
}

/** Every problem of one template; `layer` templates also must print through PRINTING_HELPERS. */
export function checkTemplate(file: string, source: string, { helpers, partials }: TemplateNames, { layer }: { layer: boolean }): Diagnostic[] {
  let ast: hbs.AST.Program;
  try {
    ast = Handlebars.parse(source);
  } catch (error) {
    return [syntaxProblem(file, error as Error)];
  }
  const known = [...new Set([...BUILTIN_HELPERS, ...helpers])];
  const problems: Diagnostic[] = [];
  const at = (node: Node) => ({ file, line: node.loc?.start.line ?? 1, col: (node.loc?.start.column ?? 0) + 1 });
  const visitor = new Handlebars.Visitor();
  const checkCall = (call: Call, printed: boolean) => {
    const name = headName(call);
    const isCall = call.params.length > 0 || call.hash !== undefined || call.type === 'SubExpression';
    if (name !== undefined && isCall && !known.includes(name)) {
      problems.push({ location: at(call), message: `unknown helper \`${name}\`${didYouMean(name, known)}; the helpers are: ${known.join(', ')}` });
    } else if (layer && printed && (name === undefined || !PRINTING_HELPERS.includes(name))) {
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
    const name = node.name.type === 'PathExpression' ? (node.name as hbs.AST.PathExpression).original : undefined;
    if (name !== undefined && !partials.includes(name)) {
      problems.push({ location: at(node), message: `no partial \`${name}\`${didYouMean(name, partials)}: add templates/partials/${name}.hbs` });
    }
    Handlebars.Visitor.prototype.PartialStatement.call(this, node);
  };
  visitor.accept(ast);
  return problems;
}
