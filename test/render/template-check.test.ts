import { describe, expect, test } from 'vitest';
import { formatDiagnostic } from '../../src/errors.js';
import { checkTemplate } from '../../src/render/template-check.js';

const NAMES = { helpers: ['sh', 'dq', 'raw', 'upper'], partials: ['header', 'footer'] };
const EXPECTED_CLOSE =
  'expected `CLOSE_RAW_BLOCK`, `CLOSE`, `CLOSE_UNESCAPED`, `OPEN_SEXPR`, `CLOSE_SEXPR`, `ID`, `OPEN_BLOCK_PARAMS`, `STRING`, `NUMBER`, `BOOLEAN`, `UNDEFINED`, `NULL`, `DATA`, `SEP`, got `INVALID`';

/** The `file:line:col: message` lines of a template's problems. */
function problemsOf(source: string, layer = false): string[] {
  return checkTemplate('templates/t.hbs', source, NAMES, { layer }).map(formatDiagnostic);
}

describe('checkTemplate: syntax errors', () => {
  test.each([
    { mistake: 'an unclosed mustache', source: '{{foo}', problem: `templates/t.hbs:1:6: Handlebars syntax error: ${EXPECTED_CLOSE}` },
    {
      mistake: 'an error past line 9',
      source: `${'\n'.repeat(10)}{{foo}`,
      problem: `templates/t.hbs:11:6: Handlebars syntax error: ${EXPECTED_CLOSE}`,
    },
    {
      mistake: 'a caret in the template text (the column is the marker line, not the source line)',
      source: '^{{x}a^',
      problem: `templates/t.hbs:1:5: Handlebars syntax error: ${EXPECTED_CLOSE}`,
    },
  ])('$mistake', ({ source, problem }) => {
    expect(problemsOf(source)).toEqual([problem]);
  });

  // Handlebars reports these without a `line N` and a marker line: the message is Handlebars' own, whole.
  test.each([
    { mistake: 'a block closed by another name', source: 'a\n{{#if x}}{{/each}}', message: /^Handlebars syntax error: if doesn.t match each - 2:3$/ },
    {
      mistake: 'a block closed by a name that reads `Expecting` (only a leading `Expecting` becomes `expected`)',
      source: '{{#x}}{{/Expecting}}',
      message: /^Handlebars syntax error: x doesn.t match Expecting - 1:3$/,
    },
  ])('$mistake', ({ source, message }) => {
    const problems = checkTemplate('templates/t.hbs', source, NAMES, { layer: false });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toMatch(message);
  });
});

describe('checkTemplate: helpers and partials', () => {
  test('an unknown helper is named with a suggestion and the list of helpers, where it is called', () => {
    expect(problemsOf('FROM x\n  {{uper name}}')).toEqual([
      'templates/t.hbs:2:3: unknown helper `uper` (did you mean `upper`?); the helpers are: if, unless, each, with, lookup, log, sh, dq, raw, upper',
    ]);
  });

  test('a helper listed twice is offered once', () => {
    const problems = checkTemplate('t.hbs', '{{nope x}}', { helpers: ['if', 'sh'], partials: [] }, { layer: false });
    expect(problems.map(({ message }) => message)).toEqual(['unknown helper `nope`; the helpers are: if, unless, each, with, lookup, log, sh']);
  });

  test('an unknown partial is named with a suggestion and where to add it', () => {
    expect(problemsOf('x\n{{> heder}}')).toEqual(['templates/t.hbs:2:1: no partial `heder` (did you mean `header`?): add templates/partials/heder.hbs']);
  });

  test.each([
    { call: 'with a hash only', source: 'x {{nope a=1}}', col: 3 },
    { call: 'as a subexpression without arguments', source: 'x {{sh (nope)}}', col: 8 },
    { call: 'as a subexpression in a block', source: '{{#if (nope x)}}y{{/if}}', col: 7 },
  ])('an unknown helper called $call is reported', ({ source, col }) => {
    expect(problemsOf(source)).toEqual([
      `templates/t.hbs:1:${col}: unknown helper \`nope\`; the helpers are: if, unless, each, with, lookup, log, sh, dq, raw, upper`,
    ]);
  });

  test.each([
    { what: 'a known partial', source: '{{> header}}' },
    { what: 'a partial named at render time', source: '{{> (upper "header")}}' },
    { what: 'a plain value', source: '{{value}}' },
    { what: 'a data variable, even given arguments (it is not a helper)', source: '{{@index}} {{@index x}}' },
  ])('$what is fine outside layers', ({ source }) => {
    expect(problemsOf(source)).toEqual([]);
  });
});

describe('checkTemplate: a layer prints only through a printing helper', () => {
  test.each([
    { source: 'RUN {{value}}', shown: 'value', col: 5 },
    { source: 'RUN {{upper value}}', shown: 'upper', col: 5 },
    { source: 'RUN\n  {{@index}}', shown: '@index', col: 3, line: 2 },
    { source: 'RUN {{"text"}}', shown: 'text', col: 5 },
    { source: 'RUN {{null}}', shown: 'this value', col: 5 },
    { source: 'RUN {{@index x}}', shown: '@index', col: 5 },
    { source: 'RUN {{"sh" value}}', shown: 'sh', col: 5 },
  ])('{{$shown}} in $source is refused', ({ source, shown, col, line = 1 }) => {
    expect(problemsOf(source, true)).toEqual([
      `templates/t.hbs:${line}:${col}: \`{{${shown}}}\` prints a value as it is: print it through \`sh\` (a shell word), \`dq\` (a Dockerfile value) or \`raw\``,
    ]);
  });

  test.each(['RUN {{sh value}} {{dq (upper value)}}', '{{#if value}}RUN {{raw value}}{{/if}}', '{{#each list}}{{sh this}}{{/each}}'])(
    '%s prints through printing helpers only',
    (source) => {
      expect(problemsOf(source, true)).toEqual([]);
    },
  );
});
