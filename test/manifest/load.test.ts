import { describe, expect, test } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { MAX_EXPANDED_NODES, MAX_MANIFEST_BYTES } from '../../src/manifest/limits.js';
import { parseManifest, type ParsedManifest } from '../../src/manifest/load.js';
import { formatDiagnostic, ManifestError } from '../../src/errors.js';
import { problemsOf, yaml } from '../helpers.js';

function parse(text: string): ParsedManifest {
  return parseManifest({ file: 'images.yaml', text });
}

/** The located lines parseManifest refuses the text with; fails the test when it accepts it. */
function refusalOf(text: string): string[] {
  try {
    parse(text);
  } catch (error) {
    if (error instanceof ManifestError) return error.diagnostics.map(formatDiagnostic);
    throw error;
  }
  expect.unreachable('parseManifest accepted the text');
}

describe('locations', () => {
  const manifest = parse(
    yaml('version: 1', 'images:', '  app:', '    base: python:3.9-slim', '    layers:', '      - apt:', '          packages: [curl, git]'),
  );
  const at = (...args: Parameters<ParsedManifest['locate']>) => {
    const { file, line, col } = manifest.locate(...args);
    return `${file}:${line}:${col}`;
  };

  test('the parsed data is plain values', () => {
    expect(manifest.data).toEqual({ version: 1, images: { app: { base: 'python:3.9-slim', layers: [{ apt: { packages: ['curl', 'git'] } }] } } });
  });

  test('a value is located where it starts', () => {
    expect(at(['version'])).toBe('images.yaml:1:10');
    expect(at(['images', 'app', 'base'])).toBe('images.yaml:4:11');
    expect(at(['images', 'app'])).toBe('images.yaml:4:5');
  });

  test('a key is located at the key, not at its value', () => {
    expect(at(['images', 'app'], 'key')).toBe('images.yaml:3:3');
    expect(at(['images', 'app', 'base'], 'key')).toBe('images.yaml:4:5');
  });

  test('list items are located by index', () => {
    expect(at(['images', 'app', 'layers', 0])).toBe('images.yaml:6:9');
    expect(at(['images', 'app', 'layers', 0, 'apt', 'packages', 0])).toBe('images.yaml:7:22');
    expect(at(['images', 'app', 'layers', 0, 'apt', 'packages', 1])).toBe('images.yaml:7:28');
  });

  test('the empty path is the start of the document', () => {
    expect(at([])).toBe('images.yaml:1:1');
  });

  test('a path that is not in the manifest falls back to its nearest existing parent', () => {
    expect(at(['images', 'app', 'workdir'])).toBe('images.yaml:4:5');
    expect(at(['images', 'app', 'layers', 5])).toBe('images.yaml:6:7');
  });

  test('locations carry the file name the manifest was read as', () => {
    const elsewhere = parseManifest({ file: 'family/images.yaml', text: yaml('version: 1', 'images: {}') });
    expect(elsewhere.locate(['images'])).toEqual({ file: 'family/images.yaml', line: 2, col: 9 });
  });
});

describe('duplicate keys', () => {
  test('are refused at the second occurrence, naming the key', () => {
    expect(refusalOf(yaml('version: 1', 'images:', '  app:', '    base: python:3.9-slim', '    base: python:3.10-slim'))).toEqual([
      'images.yaml:5:5: duplicate key `base`: each key may appear once in a mapping',
    ]);
  });

  test('are each reported when there are several', () => {
    const refusal = refusalOf(yaml('version: 1', 'version: 1', 'images:', '  app:', '    base: python:3.9-slim', '    base: python:3.10-slim'));
    expect(refusal.map((line) => line.slice(0, line.indexOf(': ')))).toEqual(['images.yaml:2:1', 'images.yaml:6:5']);
  });

  test('the same key in two different mappings is not a duplicate', () => {
    expect(parse(yaml('images:', '  a:', '    base: x', '  b:', '    base: x')).data).toEqual({ images: { a: { base: 'x' }, b: { base: 'x' } } });
  });
});

describe('aliases', () => {
  test('a few aliases are expanded into the data', () => {
    expect(parse(yaml('packages: &common [curl, git]', 'a: *common', 'b: *common')).data).toEqual({
      packages: ['curl', 'git'],
      a: ['curl', 'git'],
      b: ['curl', 'git'],
    });
  });

  test('a billion laughs of nested aliases is refused with a clear message', () => {
    const levels = ['lol0: &lol0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let level = 1; level <= 9; level++) {
      const previous = `*lol${level - 1}`;
      levels.push(`lol${level}: &lol${level} [${Array(10).fill(previous).join(', ')}]`);
    }
    expect(refusalOf(yaml(...levels))).toEqual([
      `images.yaml:1:1: YAML aliases expand to too much data (more than ${MAX_EXPANDED_NODES.toLocaleString('en-US')} values); write the values out or use \`extends\``,
    ]);
  });

  test('a few large lists aliased many times are refused by their expanded size, quickly, whatever the alias count', () => {
    const big = `big: &big [${Array(20_000).fill('x').join(', ')}]`;
    const uses = Array.from({ length: 100 }, (_, index) => `use${index}: *big`);
    const started = Date.now();
    expect(refusalOf(yaml(big, ...uses))[0]).toContain('YAML aliases expand to too much data');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test('aliases of aliases are counted once each, and an alias may be used far more than 200 times when the data stays small', () => {
    const uses = Array.from({ length: 1000 }, (_, index) => `u${index}: *small`);
    expect(Object.keys(parse(yaml('small: &small [a, b]', ...uses)).data as object)).toHaveLength(1001);
  });

  test('an alias to an anchor that does not exist is reported as such, at the alias', () => {
    const refusal = refusalOf(yaml('version: 1', 'images:', '  app: *missing'));
    expect(refusal).toHaveLength(1);
    expect(refusal[0]).toMatch(/^images\.yaml:3:8: .*missing/);
    expect(refusal[0]).not.toContain('too much data');
  });
});

describe('size limit', () => {
  test('a manifest larger than the limit is refused before it is parsed', () => {
    const text = `# ${'x'.repeat(MAX_MANIFEST_BYTES)}\n`;
    const bytes = MAX_MANIFEST_BYTES + 3;
    expect(refusalOf(text)).toEqual([
      `images.yaml:1:1: the manifest is ${bytes} bytes; at most ${MAX_MANIFEST_BYTES} are read. Split it or remove what is not needed`,
    ]);
  });

  test('the limit counts UTF-8 bytes, not characters', () => {
    const text = `#${'é'.repeat(MAX_MANIFEST_BYTES / 2)}`;
    expect(text.length).toBeLessThan(MAX_MANIFEST_BYTES);
    expect(refusalOf(text)).toEqual([
      `images.yaml:1:1: the manifest is ${MAX_MANIFEST_BYTES + 1} bytes; at most ${MAX_MANIFEST_BYTES} are read. Split it or remove what is not needed`,
    ]);
  });

  test('a manifest of exactly the limit is read', () => {
    const text = `#${'x'.repeat(MAX_MANIFEST_BYTES - 1)}`;
    expect(parse(text).data).toBeNull();
  });
});

describe('invalid YAML', () => {
  test('a tab used as indentation is located on its line', () => {
    expect(refusalOf('version: 1\nimages:\n\tapp: {}\n')).toEqual(['images.yaml:3:1: invalid YAML: Tabs are not allowed as indentation']);
  });

  test('an unclosed flow sequence is located at its opening bracket, not past the last line', () => {
    expect(refusalOf(yaml('version: 1', 'images:', '  app: [unclosed'))).toEqual([
      'images.yaml:3:8: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
  });

  test('an unterminated quoted string is located at its opening quote, not past the last line', () => {
    expect(refusalOf(yaml('version: 1', 'images:', '  app:', '    base: "python:3.9-slim'))).toEqual([
      'images.yaml:4:11: invalid YAML: Missing closing "quote',
    ]);
  });
});

describe('empty manifests', () => {
  test.each([
    ['an empty file', ''],
    ['a file with only a comment', '# nothing yet\n'],
  ])('%s parses to null and is refused as not a mapping', (_what, text) => {
    expect(parse(text).data).toBeNull();
    expect(problemsOf(text)).toEqual(['images.yaml:1:1: the manifest must be a mapping with `version: 1` and `images:`']);
  });

  test('a list instead of a mapping is refused', () => {
    expect(problemsOf(yaml('- version: 1'))).toEqual(['images.yaml:1:1: the manifest must be a mapping with `version: 1` and `images:`']);
  });
});

test('124,000 duplicate keys (about as many as fit under the value limit) are each a located problem', () => {
  const text = `${yaml('version: 1', 'images:', '  a:', '    base: debian:12', '    env:')}${'      A: x\n'.repeat(124_000)}`;
  const problems = problemsOf(text);
  expect(problems).toHaveLength(123_999);
  expect(problems[0]).toBe('images.yaml:7:7: duplicate key `A`: each key may appear once in a mapping');
}, 60_000);

describe('aliases become data as YAML defines them, in one walk', () => {
  test.each([
    ['a list aliased', 'a: &x [1, two, 3.10]\nb: *x\n'],
    ['a mapping aliased inside a list', 'a: &m {k: v, n: 1}\nb: [*m, *m, {m: *m}]\n'],
    ['an anchor defined again: each alias takes the last one before it', 'a: &x 1\nb: *x\nc: &x 2\nd: *x\n'],
    ['scalars of every kind', 'a: &s "quoted"\nb: *s\nc: ~\nd: true\ne: 0x10\nf: .inf\ng: |\n  block\n'],
    ['keys as the data writes them', '1: one\ntrue: yes\n~: nothing\n1.50: float\n'],
    ['`__proto__` as a plain key', '__proto__: {polluted: true}\n'],
    ['empty values', 'a:\nb: []\nc: {}\nd: [~]\n'],
  ])('%s', (_name, text) => {
    const data = parse(text).data;
    expect(data).toEqual(parseYaml(text));
    expect(JSON.stringify(data)).toBe(JSON.stringify(parseYaml(text)));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('an aliased list is one object at each alias, as yaml makes it', () => {
    const data = parse('a: &x [1]\nb: *x\n').data as { a: unknown; b: unknown };
    expect(data.b).toBe(data.a);
  });

  test('every alias without an anchor before it is reported where it is written', () => {
    expect(problemsOf('a: *early\nb: &early 1\nc: [*none]\n')).toEqual([
      'images.yaml:1:4: the alias `*early` has no anchor `&early` before it',
      'images.yaml:3:5: the alias `*none` has no anchor `&none` before it',
    ]);
  });

  test('200,000 aliases of a small anchor are read in linear time', () => {
    const text = `a: &x [1, 2]\nuses: [${Array(200_000).fill('*x').join(', ')}]\n`;
    const started = Date.now();
    expect((parse(text).data as { uses: unknown[] }).uses).toHaveLength(200_000);
    // yaml's own lookup walks the document once per alias: minutes here.
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 60_000);
});
