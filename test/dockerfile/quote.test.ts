import { describe, expect, test } from 'vitest';
import { commentText, copyPaths, instructionKey, rawText, rawTextProblem, UnsafeText } from '../../src/dockerfile/quote.js';

const fenced = (expression: string) => `\u0000${expression}\u0000`;

/** The UnsafeText `run` throws, or a failure when it returns. */
function refusal(run: () => unknown): UnsafeText {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UnsafeText);
    return error as UnsafeText;
  }
  throw new Error('expected UnsafeText, nothing was thrown');
}

test('an UnsafeText error names its class', () => {
  expect(refusal(() => instructionKey('a b')).name).toBe('UnsafeText');
});

describe('a refused value is shown on one line, control characters escaped', () => {
  test.each([
    {
      what: 'a comment with a line break',
      run: () => commentText('built\nRUN evil'),
      message: '`built\\nRUN evil` holds a line break or another control character, which would start a new instruction',
    },
    {
      what: 'a COPY path with a tab, a build argument shown as written',
      run: () => copyPaths(`dir\t${fenced('${TAG}')}`, '/dest/'),
      message: '`dir\\t${TAG}` holds a line break or another control character, which would start a new instruction',
    },
    {
      what: 'raw shell text with a carriage return',
      run: () => rawText('echo a\recho b'),
      message: '`echo a\\recho b` may not hold a line break or another control character: write each command as its own list item',
    },
    {
      what: 'an instruction key with a line break',
      run: () => instructionKey('A\nB'),
      message: '`A\\nB` cannot be a name in a Dockerfile instruction',
    },
  ])('$what', ({ run, message }) => {
    expect(refusal(run).message).toBe(message);
  });
});

describe('instructionKey', () => {
  test.each(['PATH', '_x', 'org.opencontainers.image.title', 'a/b-c', '9lives'])('%s is a name', (name) => {
    expect(instructionKey(name)).toBe(name);
  });

  test.each(['', '-x', '.hidden', '/abs', 'a b', 'a=b', 'x$', 'é'])('%j is refused', (name) => {
    expect(refusal(() => instructionKey(name)).message).toBe(`\`${name}\` cannot be a name in a Dockerfile instruction`);
  });
});

describe('commentText', () => {
  test('prints text as written, build arguments fenced', () => {
    expect(commentText(`mlrun ${fenced('${MLRUN_VERSION}')} # built`)).toBe(`mlrun ${fenced('${MLRUN_VERSION}')} # built`);
  });

  test('refuses a control character next to a build argument', () => {
    expect(refusal(() => commentText(`${fenced('${A}')}\n`)).message).toBe(
      '`${A}\\n` holds a line break or another control character, which would start a new instruction',
    );
  });
});

describe('rawTextProblem', () => {
  test.each([
    ['make && make install', undefined],
    ['echo a#b', undefined],
    ['cat <<<word', undefined],
    ['a\u007fb', 'may not hold a line break or another control character: write each command as its own list item'],
    ['echo \\ ', 'may not end with a backslash: write each command as its own list item'],
    ['cat <<EOF', 'may not open a heredoc (<<WORD): it would swallow the lines after it; put the text in a file and copy it'],
    ['#!/bin/sh', 'may not hold a # comment: it would hide the commands joined after it; put comments in the YAML'],
    ['make # build', 'may not hold a # comment: it would hide the commands joined after it; put comments in the YAML'],
  ])('%j: %s', (text, problem) => {
    expect(rawTextProblem(text)).toBe(problem);
  });
});

describe('copyPaths', () => {
  test.each([
    [['a-', 'b'], '/dest/', 'a- b /dest/'],
    [['-a'], '/dest/', '["-a","/dest/"]'],
    [['*.txt', 'dir/?'], '/dest/', '*.txt dir/? /dest/'],
  ])('%j to %s is %s', (sources, destination, expected) => {
    expect(copyPaths(sources, destination)).toBe(expected);
  });
});
