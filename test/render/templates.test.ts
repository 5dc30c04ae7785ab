import { describe, expect, test } from 'vitest';
import { copyPaths, dockerfileValue, shellWord } from '../../src/dockerfile/quote.js';
import { compileTemplates, layerKindsOf, MissingTemplateValue, tidy } from '../../src/render/templates.js';

const fenced = (expression: string) => `\u0000${expression}\u0000`;

describe('shellWord', () => {
  test.each([
    ['pandas==1.4.0', 'pandas==1.4.0'],
    ['mlrun[complete]==1.7.0', "'mlrun[complete]==1.7.0'"],
    ['pip~=24.2', "'pip~=24.2'"],
    ["it's", "'it'\\''s'"],
    ['$(rm -rf /)', "'$(rm -rf /)'"],
    ['a; b', "'a; b'"],
    ['', "''"],
    [`mlrun==${fenced('${MLRUN_VERSION}')}`, 'mlrun=="${MLRUN_VERSION}"'],
    [`${fenced('${MLRUN_VERSION:-1.0}')}[x]`, `"\${MLRUN_VERSION:-1.0}"'[x]'`],
  ])('%j → %s', (value, expected) => {
    expect(shellWord(value)).toBe(expected);
  });
});

describe('dockerfileValue', () => {
  test.each([
    ['1', '1'],
    ['/opt/conda/bin:$PATH', '/opt/conda/bin:$PATH'],
    ['two words', '"two words"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['back\\slash', '"back\\\\slash"'],
    ['', '""'],
    [`v${fenced('${MLRUN_VERSION}')}`, 'v${MLRUN_VERSION}'],
  ])('%j → %s', (value, expected) => {
    expect(dockerfileValue(value)).toBe(expected);
  });
});

test('copyPaths uses the JSON form only when a path needs quoting', () => {
  expect(copyPaths(['a.txt', 'dir/b'], '/dest/')).toBe('a.txt dir/b /dest/');
  expect(copyPaths('my file.txt', '/dest/')).toBe('["my file.txt","/dest/"]');
});

test('layerKindsOf lists the .hbs files under layers/, sorted', () => {
  expect(layerKindsOf({ 'layers/pip.hbs': '', 'layers/apt.hbs': '', 'layers/notes.md': '', 'partials/x.hbs': '', 'Dockerfile.hbs': '' })).toEqual([
    'apt',
    'pip',
  ]);
});

test('tidy trims line ends, folds blank runs and ends with one newline', () => {
  expect(tidy('\n\nA  \n\n\n\nB\t\n\n')).toBe('A\n\nB\n');
});

describe('the template helpers', () => {
  /** The skeleton `source` rendered with `data` (the skeleton is not a layer: it may print without quoting). */
  const render = (source: string, data: Record<string, unknown> = {}, buildArgs?: Set<string>) =>
    compileTemplates({ 'Dockerfile.hbs': source }).skeleton(data, buildArgs ? { data: { buildArgs } } : {});

  test.each([
    ['{{#if (or a b)}}y{{else}}n{{/if}}', { a: 0, b: 'x' }, 'y'],
    ['{{#if (or a b)}}y{{else}}n{{/if}}', { a: 0, b: '' }, 'n'],
    ['{{#if (and a b)}}y{{else}}n{{/if}}', { a: 1, b: 'x' }, 'y'],
    ['{{#if (and a b)}}y{{else}}n{{/if}}', { a: 1, b: 0 }, 'n'],
    ['{{#if (not a)}}y{{else}}n{{/if}}', { a: '' }, 'y'],
    ['{{#if (not a)}}y{{else}}n{{/if}}', { a: 'x' }, 'n'],
    ['{{#if (eq a b)}}y{{else}}n{{/if}}', { a: 1, b: 1 }, 'y'],
    ['{{#if (eq a b)}}y{{else}}n{{/if}}', { a: 1, b: '1' }, 'n'],
    ['{{#if (ne a b)}}y{{else}}n{{/if}}', { a: 1, b: '1' }, 'y'],
    ['{{#if (ne a b)}}y{{else}}n{{/if}}', { a: 2, b: 2 }, 'n'],
    ['{{#each (list a)}}<{{this}}>{{/each}}', { a: 'one' }, '<one>'],
    ['{{#each (list a)}}<{{this}}>{{/each}}', { a: ['x', 'y'] }, '<x><y>'],
    ['{{#each (list a)}}<{{this}}>{{/each}}', { a: undefined }, ''],
    ['{{upper a}}', { a: 'pip' }, 'PIP'],
    ['{{concat a "-" b c}}', { a: 'x', b: 1, c: null }, 'x-1'],
    ['{{concat a b}}', { a: undefined, b: 'z' }, 'z'],
    ['{{bracketed a}}', { a: ['api', 's3'] }, '[api,s3]'],
    ['{{bracketed a}}', { a: [] }, ''],
    ['{{bracketed a}}', { a: 'api' }, ''],
    ['{{default a "d"}}', { a: undefined }, 'd'],
    ['{{default a "d"}}', { a: null }, 'd'],
    ['{{default a "d"}}', { a: 0 }, '0'],
    ['{{join a " "}}', { a: ['x', 'y'] }, 'x y'],
    ['{{join a 3}}', { a: ['x', 'y'] }, 'x,y'],
    ['{{join a ";"}}', { a: 'x' }, ''],
    ['{{json a}}', { a: ['x', 1] }, '["x",1]'],
    ['{{sh a}}', { a: "it's" }, "'it'\\''s'"],
    ['{{dq a}}', { a: 'a b' }, '"a b"'],
    ['{{argRef "MLRUN_VERSION"}}', {}, '${MLRUN_VERSION}'],
    ['{{releaseVersions}}', {}, '[0-9]*.[0-9]*.[0-9]*'],
  ])('%s with %j is %j', (source, data, expected) => {
    expect(render(source, data)).toBe(expected);
  });

  test('buildArg prints the reference and records the argument the Dockerfile needs', () => {
    const needed = new Set<string>();
    expect(render('{{buildArg "MLRUN_PIP_VERSION"}} {{buildArg "B"}}', {}, needed)).toBe('${MLRUN_PIP_VERSION} ${B}');
    expect([...needed]).toEqual(['MLRUN_PIP_VERSION', 'B']);
  });

  test.each([
    ['{{argRef "1X"}}', '`1X` is not a build argument name'],
    ['{{argRef "A-B"}}', '`A-B` is not a build argument name'],
    ['{{buildArg "A B"}}', '`A B` is not a build argument name'],
    ['{{sh missing}}', 'sh'],
  ])('%s is refused', (source, message) => {
    expect(() => render(source, {})).toThrow(message);
  });

  test('a printing helper refuses a missing value, naming itself and the line', () => {
    expect(() => render('x\n{{dq nothing}}', {})).toThrow(/dq.*line 2|line 2.*dq/);
  });

  test.each([
    { line: 4, message: '`sh` got no value (line 4)' },
    { line: undefined, message: '`sh` got no value' },
  ])('a missing value at line $line reads $message', ({ line, message }) => {
    const error = new MissingTemplateValue('sh', line);
    expect(error.message).toBe(message);
    expect([error.helper, error.line]).toEqual(['sh', line]);
  });

  test.each(['sh', 'dq', 'raw', 'comment', 'json'])('%s refuses a missing value, naming itself', (helper) => {
    expect(() => render(`{{${helper} missing}}`)).toThrow(`\`${helper}\` got no value (line 1)`);
  });

  test('copyPaths refuses a missing destination even when the sources are there', () => {
    expect(() => render('x\n\n{{copyPaths sources missing}}', { sources: ['a'] })).toThrow('`copyPaths` got no value (line 3)');
  });

  test('an unknown helper is reported with the helpers templates may call (not Handlebars internals)', () => {
    expect(() => compileTemplates({ 'Dockerfile.hbs': '{{shh x}}' })).toThrow(
      'templates/Dockerfile.hbs:1:1: unknown helper `shh` (did you mean `sh`?); the helpers are: if, unless, each, with, lookup, log, sh, dq, raw, comment, json, copyPaths, join, default, eq, ne, or, and, not, list, upper, concat, bracketed, argRef, releaseVersions, buildArg',
    );
  });

  test('only .hbs files under partials/ are partials', () => {
    const sources = { 'Dockerfile.hbs': '{{> notes}}', 'partials/notes.hbs': 'kept', 'partials/notes.txt': 'draft', 'layers/notes.hbs': 'layer' };
    expect(compileTemplates(sources).skeleton({})).toBe('kept');
    expect(() => compileTemplates({ 'Dockerfile.hbs': '{{> notes}}', 'partials/notes.txt': 'draft' })).toThrow(
      'templates/Dockerfile.hbs:1:1: no partial `notes`: add templates/partials/notes.hbs',
    );
  });

  test('a partial is looked up under partials/ only: a layer of that name is not one', () => {
    expect(() => compileTemplates({ 'Dockerfile.hbs': '{{> e}}', 'layers/e.hbs': 'x' })).toThrow(
      'templates/Dockerfile.hbs:1:1: no partial `e`: add templates/partials/e.hbs',
    );
  });

  test('without the skeleton the templates folder is incomplete', () => {
    expect(() => compileTemplates({ 'partials/x.hbs': 'x' })).toThrow('templates: Dockerfile.hbs is missing from the templates folder');
  });

  test('partials and layers are compiled under their names', () => {
    const compiled = compileTemplates({ 'Dockerfile.hbs': 'A{{> part}}', 'partials/part.hbs': 'B', 'layers/thing.hbs': 'RUN {{sh value}}' });
    expect(compiled.skeleton({})).toBe('AB');
    expect([...compiled.layers.keys()]).toEqual(['thing']);
    expect(compiled.layers.get('thing')!({ value: 'a b' })).toBe("RUN 'a b'");
  });
});
