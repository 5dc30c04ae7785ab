/** The checks an image's own fields get after inheritance: names, paths, users and stages, each at its node. */
import { expect, test } from 'vitest';
import { problemsOf, yaml } from '../helpers.js';

const NAME_RULE = 'letters, digits and _, not starting with a digit';
const USER_RULE = 'must be NAME, UID, NAME:GROUP or $VARIABLE';

/** One image `a` on python:3.9-slim with `lines` under it (from line 5 on). */
const imageWith = (...lines: string[]) => yaml('version: 1', 'images:', '  a:', '    base: python:3.9-slim', ...lines);

test.each([
  {
    fields: ['    env: {"A B": "1", OK_1: "1"}', '    args: {"1X": "1", _ok: "1"}', '    labels: {"-x": "1", "org.opencontainers.image.title": "t"}'],
    problems: [
      `images.yaml:5:11: \`A B\` is not a valid environment variable name (${NAME_RULE})`,
      `images.yaml:6:12: \`1X\` is not a valid build argument name (${NAME_RULE})`,
      'images.yaml:7:14: `-x` is not a valid label key (letters, digits and . _ / -)',
    ],
  },
  {
    fields: ['    user: "a b"', '    volumes: [/data, data]', '    workdir: rel'],
    problems: [
      `images.yaml:5:11: user \`a b\` ${USER_RULE}`,
      'images.yaml:6:22: volume `data` must be an absolute path',
      'images.yaml:7:14: workdir `rel` must be an absolute path of letters, digits and . _ / @ + -',
    ],
  },
  { fields: ['    context: /abs'], problems: ['images.yaml:5:14: context `/abs` must be a folder relative to the manifest'] },
  { fields: ['    context: ""'], problems: ['images.yaml:5:14: context `` must be a folder relative to the manifest'] },
  {
    fields: [
      '    stages:',
      '      - name: Build',
      '        base: node:20',
      '        workdir: rel',
      '        user: "x y"',
      '        args: {"A-B": "1"}',
      '        env: {"C D": "1"}',
      '      - name: Build',
      '        base: "node:-20"',
    ],
    problems: [
      'images.yaml:6:15: stage name `Build` must be lowercase letters, digits and . _ -, starting with a letter',
      'images.yaml:8:18: workdir `rel` must be an absolute path',
      `images.yaml:9:15: user \`x y\` ${USER_RULE}`,
      `images.yaml:10:16: \`A-B\` is not a valid build argument name (${NAME_RULE})`,
      `images.yaml:11:15: \`C D\` is not a valid environment variable name (${NAME_RULE})`,
      'images.yaml:12:15: stage name `Build` must be lowercase letters, digits and . _ -, starting with a letter',
      'images.yaml:12:15: stage name `Build` is used twice in image `a`',
      'images.yaml:13:15: invalid image reference `node:-20` in stage `Build` of image `a`: the tag `-20` is invalid: up to 128 letters, digits, _ . -, not starting with . or -',
    ],
  },
])('$fields.0', ({ fields, problems }) => {
  expect(problemsOf(imageWith(...fields))).toEqual(problems);
});

test('values that pass: users, absolute paths, a relative context, stage fields', () => {
  const manifest = imageWith(
    '    user: "mlrun:$GROUP"',
    '    volumes: [/data, /home/mlrun@x]',
    '    workdir: /home/mlrun',
    '    context: dockerfiles/mlrun',
    '    stages:',
    '      - name: build.x_1',
    '        base: node:20',
    '        workdir: /src',
    '        user: "1000"',
  );
  expect(problemsOf(manifest)).toEqual([]);
});

test('a field an image inherits is reported once, where it is written', () => {
  const manifest = yaml(
    'version: 1',
    'images:',
    '  a:',
    '    base: python:3.9-slim',
    '    user: "a b"',
    '    volumes: [rel]',
    '    env: {"A B": "1"}',
    '  b:',
    '    base: python:3.9-slim',
    '    extends: a',
  );
  expect(problemsOf(manifest)).toEqual([
    `images.yaml:5:11: user \`a b\` ${USER_RULE}`,
    'images.yaml:6:15: volume `rel` must be an absolute path',
    `images.yaml:7:11: \`A B\` is not a valid environment variable name (${NAME_RULE})`,
  ]);
});
