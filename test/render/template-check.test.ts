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
    {
      // Handlebars' marker line shows the 20 characters before with their line breaks dropped: it is not the column.
      mistake: 'an error after text on earlier lines',
      source: `${'x\n'.repeat(10)}{{foo}`,
      problem: `templates/t.hbs:11:6: Handlebars syntax error: ${EXPECTED_CLOSE}`,
    },
    {
      mistake: 'an error after a long line',
      source: `${'y'.repeat(40)}\nab {{foo bar=}}`,
      problem:
        'templates/t.hbs:2:14: Handlebars syntax error: expected `OPEN_SEXPR`, `ID`, `STRING`, `NUMBER`, `BOOLEAN`, `UNDEFINED`, `NULL`, `DATA`, got `CLOSE`',
    },
    {
      mistake: 'an unclosed comment (a lexical error: no list of what was expected)',
      source: 'a\nb {{!-- x',
      problem: 'templates/t.hbs:2:3: Handlebars syntax error: text it cannot read (an unclosed `{{!--` comment or `{{{{raw}}}}` block?)',
    },
    {
      mistake: 'an unclosed raw block',
      source: 'a\n{{{{raw}}}} x',
      problem: 'templates/t.hbs:2:8: Handlebars syntax error: text it cannot read (an unclosed `{{!--` comment or `{{{{raw}}}}` block?)',
    },
    {
      mistake: 'a second `else` where the block must close',
      source: '{{#if x}}a{{else}}b{{else}}c{{/if}}',
      problem: 'templates/t.hbs:1:20: Handlebars syntax error: expected `OPEN_ENDBLOCK`, got `INVERSE`',
    },
    {
      mistake: 'a mustache never closed at the end of the file',
      source: 'FROM x\nRUN echo {{sh name\n',
      problem: 'templates/t.hbs:3:1: Handlebars syntax error: the file ends inside a `{{…}}`: it is not closed',
    },
    {
      mistake: 'a block never closed (placed at the end of the file)',
      source: '{{#if x}}\n  y\n',
      problem: 'templates/t.hbs:3:1: Handlebars syntax error: the file ends inside a block: a `{{/…}}` is missing',
    },
    {
      mistake: 'a block closed by another name, placed at the block it closes',
      source: 'a\n  {{#if x}}{{/each}}',
      problem: "templates/t.hbs:2:6: Handlebars syntax error: if doesn't match each",
    },
    {
      mistake: 'a raw block closed by another name',
      source: 'a\n  {{{{raw}}}} {{{{/raw2}}}}',
      problem: "templates/t.hbs:2:7: Handlebars syntax error: raw doesn't match raw2",
    },
    {
      mistake: 'a block mismatch past line 9 and column 9',
      source: `${'\n'.repeat(11)}             {{#if x}}{{/each}}`,
      problem: "templates/t.hbs:12:17: Handlebars syntax error: if doesn't match each",
    },
    {
      mistake: 'a block whose name reads like a place (only the place Handlebars adds at the end is dropped)',
      source: '{{#[x - 1:2]}}{{/y}}',
      problem: "templates/t.hbs:1:4: Handlebars syntax error: x - 1:2 doesn't match y",
    },
    {
      mistake: "a block closed by a name that reads `Expecting` (Handlebars' words are kept as they are)",
      source: '{{#x}}{{/Expecting}}',
      problem: "templates/t.hbs:1:4: Handlebars syntax error: x doesn't match Expecting",
    },
  ])('$mistake', ({ source, problem }) => {
    expect(problemsOf(source)).toEqual([problem]);
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
    { call: 'called with a hash only', source: 'x {{nope a=1}}', col: 3 },
    { call: 'called as a subexpression without arguments', source: 'x {{sh (nope)}}', col: 8 },
    { call: 'called as a subexpression in a block', source: '{{#if (nope x)}}y{{/if}}', col: 7 },
    { call: 'named by a string literal', source: 'x {{"nope" value}}', col: 3 },
    { call: 'named by a string literal in a subexpression', source: 'x {{sh ("nope" value)}}', col: 8 },
    { call: 'named by a number', source: 'x {{1 value}}', col: 3, name: '1' },
    { call: 'named by a boolean', source: 'x {{true value}}', col: 3, name: 'true' },
  ])('an unknown helper $call is reported', ({ source, col, name = 'nope' }) => {
    expect(problemsOf(source)).toEqual([
      `templates/t.hbs:1:${col}: unknown helper \`${name}\`; the helpers are: if, unless, each, with, lookup, log, sh, dq, raw, upper`,
    ]);
  });

  test('an unknown partial named by a string literal is reported', () => {
    expect(problemsOf('x\n{{> "heder"}}')).toEqual(['templates/t.hbs:2:1: no partial `heder` (did you mean `header`?): add templates/partials/heder.hbs']);
  });

  test.each([
    { source: 'RUN {{sh}}', helper: 'sh', col: 5 },
    { source: 'RUN {{dq a=1}}', helper: 'dq', col: 5 },
    { source: 'x {{sh (raw)}}', helper: 'raw', col: 8 },
    { source: '{{#sh}}x{{/sh}}', helper: 'sh', col: 1 },
  ])('a printing helper given no value ($source) is refused, in any template', ({ source, helper, col }) => {
    const problems = [`templates/t.hbs:1:${col}: \`{{${helper}}}\` is given no value to print: write \`{{${helper} NAME}}\``];
    expect(problemsOf(source)).toEqual(problems);
    expect(problemsOf(source, true)).toEqual(problems);
  });

  test('releaseVersions prints without a value', () => {
    expect(checkTemplate('t.hbs', 'RUN {{releaseVersions}}', { helpers: ['releaseVersions'], partials: [] }, { layer: true })).toEqual([]);
  });

  test.each([
    { what: 'a known partial', source: '{{> header}}' },
    { what: 'a known partial named by a string literal', source: '{{> "header"}}' },
    { what: 'a value named by a string literal', source: '{{"value"}}' },
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
  ])('{{$shown}} in $source is refused', ({ source, shown, col, line = 1 }) => {
    expect(problemsOf(source, true)).toEqual([
      `templates/t.hbs:${line}:${col}: \`{{${shown}}}\` prints a value as it is: print it through \`sh\` (a shell word), \`dq\` (a Dockerfile value) or \`raw\``,
    ]);
  });

  test.each([
    'RUN {{sh value}} {{dq (upper value)}}',
    '{{#if value}}RUN {{raw value}}{{/if}}',
    '{{#each list}}{{sh this}}{{/each}}',
    // A helper named by a literal is that helper.
    'RUN {{"sh" value}}',
  ])('%s prints through printing helpers only', (source) => {
    expect(problemsOf(source, true)).toEqual([]);
  });
});
