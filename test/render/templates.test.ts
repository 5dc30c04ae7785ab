import { describe, expect, test } from 'vitest';
import { copyPaths, dockerfileValue, shellWord } from '../../src/dockerfile/quote.js';
import { tidy } from '../../src/render/templates.js';

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

test('tidy trims line ends, folds blank runs and ends with one newline', () => {
  expect(tidy('\n\nA  \n\n\n\nB\t\n\n')).toBe('A\n\nB\n');
});
