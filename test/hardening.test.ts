/**
 * Bad input, class by class, as a careless or hostile user would give it: each is refused with exit 2 and a message
 * that says where and what (never a stack trace), and nothing is written; or, where the value is legitimate, it is inert.
 */
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { PACKAGE_ROOT } from '../src/cli/files.js';
import { runCli, yaml } from './helpers.js';

let project: string;
beforeEach(() => {
  project = mkdtempSync(join(tmpdir(), 'mlrun-images-hardening-'));
});
afterEach(() => rmSync(project, { recursive: true, force: true }));

const write = (path: string, text: string | Buffer) => {
  mkdirSync(join(project, path, '..'), { recursive: true });
  writeFileSync(join(project, path), text);
};
const MINIMAL = yaml('version: 1', 'images:', '  app:', '    base: debian:12');

/** Every file under the project with its content and modification time. */
function snapshot(): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(project, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(project, path).split(sep).join('/'), `${statSync(path).mtimeMs} ${readFileSync(path).toString('base64')}`);
  }
  return files;
}

/** Run the command; it must refuse with exit 2, no stack trace, nothing written; its message is returned. */
async function refused(args: string[], env: Record<string, string> = {}): Promise<string> {
  const before = snapshot();
  const result = await runCli(project, args, { env });
  expect(result.code, result.stdout + result.stderr).toBe(2);
  expect(result.stderr).not.toMatch(/\n\s+at |TypeError|ReferenceError|Cannot read properties/);
  expect(snapshot()).toEqual(before);
  return result.stderr;
}

describe('typing mistakes in YAML are located problems, not crashes', () => {
  test.each([
    [
      'a list started on its key line',
      yaml('version: 1', 'images:', '  app:', '    base: debian:12', '    layers:', '      - apt:', '          packages: - curl'),
      '7:21',
    ],
    ['deeply nested dashes', yaml('version: 1', 'images:', '  app:', '    base: debian:12', '    layers: - - - - - x'), '5:13'],
    ['dashes as the images', yaml('version: 1', 'images: - - app'), '2:9'],
    ['an env list on its key line', yaml('version: 1', 'images:', '  app:', '    base: debian:12', '    env: - A=1'), '5:10'],
    ['an unclosed flow list', yaml('version: 1', 'images:', '  app:', '    base: debian:12', '    expose: [80'), '5:13'],
    ['an unclosed quote', yaml('version: 1', 'images:', '  app:', '    base: "debian:12'), '4:11'],
    ['a tab for indentation', 'version: 1\nimages:\n\tapp:\n\t\tbase: debian:12\n', '3:1'],
    ['a list as a key', yaml('version: 1', 'images:', '  ? [app]', '  : base: debian:12'), '3:5'],
    ['a mapping as a key', yaml('version: 1', 'images:', '  {a: b}: x'), '3:3'],
    ['two documents', yaml('version: 1', 'images: {}', '---', 'version: 1'), '3:1'],
    ['only a document marker', '---\n', '1:4'],
    ['an empty file', '', '1:1'],
    ['a binary value', yaml('version: 1', 'images: !!binary x'), '2:18'],
    ['a custom tag', yaml('version: 1', 'images:', '  app:', '    base: !custom debian:12'), '4:19'],
    ['a YAML 1.1 directive (`y` would become true)', yaml('# the family', '%YAML 1.1', '---', 'version: 1', 'images:', '  y: {base: debian:12}'), '2:1'],
    ['a tag on a mapping', yaml('version: 1', 'images: !!set', '  app:', '    base: debian:12'), '2:9'],
    ['a custom tag on a flow mapping', yaml('version: 1', 'images:', '  app: !custom {base: debian:12}'), '3:16'],
  ])('%s', async (_what, manifest, where) => {
    write('images.yaml', manifest);
    const message = await refused(['generate']);
    expect(message.split('\n')[0]).toMatch(new RegExp(`^images\\.yaml:${where}: `));
  });

  test('deeply nested flow lists (20,000 levels) are refused within seconds', async () => {
    write('images.yaml', `version: 1\nimages: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`);
    const started = Date.now();
    // Refused from the lexer, at the bracket one past the bound, before the parser builds anything.
    expect(await refused(['generate'])).toMatch(/^images\.yaml:2:109: invalid YAML: lists or mappings nested more than 100 deep; no manifest needs that\n/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test('100 levels are still read (and judged by the schema)', async () => {
    write('images.yaml', `version: 1\nimages: ${'['.repeat(100)}${']'.repeat(100)}\n`);
    expect(await refused(['generate'])).not.toContain('nested more than');
  });

  test('a flow list of more than 300,000 values is refused before it is parsed', async () => {
    write('images.yaml', `version: 1\nimages:\n  a:\n    base: debian:12\n    expose: [${Array(300_001).fill('1').join(',')}]\n`);
    const started = Date.now();
    // The 300,001st node of the file (keys and the bracket count too) is the 299,993rd value of the list.
    expect(await refused(['generate'])).toMatch(
      /^images\.yaml:5:599998: the manifest writes more than 300,000 values, lists and list items \(keys, values, aliases, brackets, dashes\); no family needs that many: split it into several manifests/,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test.each([
    ['aliases', (count: number) => `x: &x [1]\nuses: [${Array(count).fill('*x').join(', ')}]\n`],
    ['double-quoted values', (count: number) => `uses: [${Array(count).fill('"x"').join(', ')}]\n`],
    ['single-quoted values', (count: number) => `uses: [${Array(count).fill("'x'").join(', ')}]\n`],
    ['block scalars', (count: number) => `uses:\n${'  - |\n    x\n'.repeat(count)}`],
    ['duplicate keys', (count: number) => `env:\n${'  A: x\n'.repeat(Math.ceil(count / 2))}`],
    ['empty lists in brackets', (count: number) => `uses: [${Array(count).fill('[]').join(', ')}]\n`],
    ['empty mappings in brackets', (count: number) => `uses: [${Array(count).fill('{}').join(', ')}]\n`],
    ['empty list items', (count: number) => `uses:\n${'  -\n'.repeat(count)}`],
    ['explicit keys', (count: number) => `uses:\n${'  ? \n'.repeat(count)}`],
  ])('%s count towards the 300,000 nodes', async (_kind, make) => {
    write('images.yaml', `version: 1\n${make(300_000)}`);
    expect(await refused(['generate'])).toMatch(/^images\.yaml:\d+:\d+: the manifest writes more than 300,000 values, lists and list items/);
    write('images.yaml', `version: 1\n${make(1_000)}`);
    expect(await refused(['generate'])).not.toContain('the manifest holds more than');
  });
});

describe('templates: syntax errors, unknown helpers and partials are located', () => {
  test.each([
    [
      'partials/header.hbs',
      '# Generated {{#if name}}\n',
      'templates/partials/header.hbs:2:1: Handlebars syntax error: the file ends inside a block: a `{{/…}}` is missing',
    ],
    ['Dockerfile.hbs', '{{> header}}\nFROM {{argRef final.baseArg}\n', 'templates/Dockerfile.hbs:2:'],
    ['layers/greet.hbs', 'RUN echo {{shq who}}\n', 'templates/layers/greet.hbs:1:10: unknown helper `shq` (did you mean `sh`?)'],
    ['layers/greet.hbs', 'RUN echo {{sh (concatt who "x")}}\n', 'templates/layers/greet.hbs:1:15: unknown helper `concatt` (did you mean `concat`?)'],
    ['layers/greet.hbs', 'RUN echo {{who}}\n', 'templates/layers/greet.hbs:1:10: `{{who}}` prints a value as it is: print it through `sh`'],
    ['layers/greet.hbs', 'RUN echo {{{who}}}\n', 'templates/layers/greet.hbs:1:10: `{{who}}` prints a value as it is'],
    ['layers/greet.hbs', 'RUN echo {{upper who}}\n', 'templates/layers/greet.hbs:1:10: `{{upper}}` prints a value as it is'],
    ['layers/greet.hbs', 'RUN echo {{> nothere}}\n', 'templates/layers/greet.hbs:1:10: no partial `nothere`: add templates/partials/nothere.hbs'],
  ])('templates/%s: %j', async (path, source, message) => {
    write('images.yaml', yaml('version: 1', 'images:', '  app:', '    base: debian:12', '    layers:', '      - greet: {who: x}'));
    write(`templates/${path}`, source);
    if (!path.startsWith('layers/')) write('templates/layers/greet.hbs', 'RUN echo {{sh who}}\n');
    expect(await refused(['generate'])).toContain(message);
  });
});

describe('files that are not what they should be: the message names them', () => {
  test.each([
    ['the manifest is a folder', () => mkdirSync(join(project, 'images.yaml')), ['generate'], 'mlrun-images: images.yaml: is a folder, not a file\n'],
    [
      'the lock file is a folder',
      () => {
        write('images.yaml', MINIMAL);
        mkdirSync(join(project, 'images.lock.yaml'));
      },
      ['generate'],
      'mlrun-images: images.lock.yaml: is a folder, not a file\n',
    ],
    [
      'the manifest is missing',
      () => undefined,
      ['list'],
      'mlrun-images: images.yaml: no such file; run from the folder that holds images.yaml or pass --manifest FILE\n',
    ],
  ])('%s', async (_what, setUp, args, message) => {
    setUp();
    const stderr = await refused(args);
    if (message) expect(stderr).toBe(message);
  });

  test.each([
    ['a stray continuation byte', Buffer.from([0x80]), 'byte 0x80'],
    ['an overlong slash', Buffer.from([0xc0, 0xaf]), 'byte 0xc0'],
    ['a UTF-16 surrogate', Buffer.from([0xed, 0xa0, 0x80]), 'byte 0xed'],
    ['a sequence cut short at the end', Buffer.from([0xf0, 0x9f]), 'byte 0xf0'],
    ['Latin-1 é', Buffer.from([0xe9]), 'byte 0xe9'],
  ])('a manifest that is not UTF-8 (%s) is refused at the byte', async (_what, bytes, byte) => {
    write('images.yaml', Buffer.concat([Buffer.from('version: 1\nimages:\n  app:\n    description: caf'), bytes, Buffer.from('\n    base: debian:12\n')]));
    expect(await refused(['generate'])).toBe(
      `images.yaml:4:21: the file is not valid UTF-8 (${byte}); save it as UTF-8\n1 problem(s) found; nothing was written.\n`,
    );
  });

  test('a lock file, a template or a requirement file that is not UTF-8 is refused at the byte too', async () => {
    write('images.yaml', yaml('version: 1', 'images:', '  app:', '    base: debian:12', '    layers:', '      - pip: {requirements: [r.txt]}'));
    write('images.lock.yaml', Buffer.from([0x76, 0xff]));
    expect(await refused(['generate'])).toContain('images.lock.yaml:1:2: the file is not valid UTF-8 (byte 0xff)');
    rmSync(join(project, 'images.lock.yaml'));
    write('templates/layers/x.hbs', Buffer.from([0xfe]));
    expect(await refused(['generate'])).toContain('templates/layers/x.hbs:1:1: the file is not valid UTF-8 (byte 0xfe)');
    rmSync(join(project, 'templates'), { recursive: true });
    write('r.txt', Buffer.from('ok==1\n\xff', 'latin1'));
    expect(await refused(['lint'])).toContain('r.txt:2:1: the file is not valid UTF-8 (byte 0xff)');
  });
});

describe('injection: nothing reaches a Dockerfile unquoted or unrefused', () => {
  test.each([
    ['cat <<EOF >/etc/motd'],
    ['cat <<\\EOF'],
    ["cat <<'EOF'"],
    ['cat <<-"EOF"'],
    ['cat << EOF'],
    ['cat 2<<EOF'],
    ['cat<<EOF'],
    ['echo a && cat <<-\\EOF'],
  ])('a run command that opens a heredoc is refused: %j', async (command) => {
    write(
      'images.yaml',
      yaml('version: 1', 'images:', '  app:', '    base: debian:12', '    layers:', `      - run: {commands: [${JSON.stringify(command)}]}`),
    );
    expect(await refused(['generate'])).toMatch(/^images\.yaml:6:26: a run command may not open a heredoc/);
  });

  test.each([['cat <<<word'], ["echo '<'"], ['echo a > b'], ['test 1 -lt 2']])('inert shell text is rendered as written: %j', async (command) => {
    write(
      'images.yaml',
      yaml('version: 1', 'images:', '  app:', '    base: debian:12', '    layers:', `      - run: {commands: [${JSON.stringify(command)}]}`),
    );
    expect((await runCli(project, ['generate'])).code).toBe(0);
    expect(readFileSync(join(project, 'generated', 'app', 'Dockerfile'), 'utf8')).toContain(`RUN ${command}\n`);
  });

  test.each([['images\n.yaml'], ['images\r.yaml'], ['x\u001b.yaml']])('a manifest file name with a control character is refused: %j', async (name) => {
    expect(await refused(['generate', '-f', name])).toBe(
      'mlrun-images: --manifest expects a file, got a name with a line break or another control character\n',
    );
  });

  test('a template value that would end its line is refused at the layer, whichever quoting helper prints it', async () => {
    for (const helper of ['sh', 'dq', 'raw', 'comment', 'copyPaths']) {
      write('images.yaml', yaml('version: 1', 'images:', '  app:', '    base: debian:12', '    layers:', '      - greet: {who: "a\\nRUN evil"}'));
      write('templates/layers/greet.hbs', helper === 'copyPaths' ? 'COPY {{copyPaths who "/d"}}\n' : `RUN echo {{${helper} who}}\n`);
      // The manifest refuses the line break before any template sees it.
      expect(await refused(['generate'])).toContain('images.yaml:6:22: line breaks and other control characters are not allowed in values');
    }
  });

  test('a build argument name a template passes to buildArg must be a name', async () => {
    write('images.yaml', yaml('version: 1', 'images:', '  app:', '    base: debian:12', '    layers:', '      - greet: {who: "X}; evil"}'));
    write('templates/layers/greet.hbs', 'RUN echo {{buildArg who}}\n');
    expect(await refused(['generate'])).toContain('images.yaml:6:9: the greet layer: `X}; evil` is not a build argument name');
  });
});

describe('values the schema refuses', () => {
  test.each([
    ['0', false],
    ['65536', false],
    ['99999', false],
    ['"65536/udp"', false],
    ['"80/sctp"', false],
    ['"-1"', false],
    ['"080"', false],
    ['1', true],
    ['65535', true],
    ['"53/udp"', true],
    ['"8080/tcp"', true],
  ])('expose: [%s] is accepted: %s', async (port, accepted) => {
    write('images.yaml', yaml('version: 1', 'images:', '  app:', '    base: debian:12', `    expose: [${port}]`));
    if (accepted) expect((await runCli(project, ['generate'])).code).toBe(0);
    else expect(await refused(['generate'])).toMatch(/^images\.yaml:5:14: `expose` of image `app`: expected a port, a number from 1 to 65535/);
  });

  test.each([
    ['1', '"1"'],
    ['true', '"true"'],
    ['null', '""'],
    ['1.0', '"1"'],
    ['0x10', '"16"'],
    ['~', '""'],
  ])('keys %s and %s are one key in the data: the second is a duplicate', async (first, second) => {
    write('images.yaml', yaml('version: 1', 'images:', '  app:', '    base: debian:12', '    env:', `      ${first}: a`, `      ${second}: b`));
    expect(await refused(['generate'])).toMatch(/^images\.yaml:7:7: duplicate key /);
  });
});

describe('bounded work', () => {
  test('a few large lists aliased many times are refused within seconds', async () => {
    const big = `  big: &big [${Array(30_000).fill('x').join(', ')}]`;
    const uses = Array.from({ length: 150 }, (_, index) => `  u${index}: *big`);
    write('images.yaml', yaml('version: 1', 'variables:', '  A: a', 'anchors:', big, ...uses, 'images:', '  app:', '    base: debian:12'));
    const started = Date.now();
    expect(await refused(['generate'])).toContain('YAML aliases expand to too much data');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test('10,000 invalid image names (as many as a manifest may declare) are all reported, within seconds', async () => {
    const lines = ['version: 1', 'images:'];
    for (let index = 0; index < 10_000; index++) lines.push(`  Bad_${index}:`, '    base: debian:12');
    write('images.yaml', yaml(...lines));
    const started = Date.now();
    const message = await refused(['list']);
    // Locating each problem by searching the whole document took 37 s for 40,000 names: over 2 s for these.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(message.split('\n').filter((line) => line.includes('is not a valid image name'))).toHaveLength(10_000);
  }, 30_000);

  test('a manifest may declare at most 10,000 images: more are refused at `images`, before any image is looked at', async () => {
    const lines = ['version: 1', 'images:'];
    for (let index = 0; index <= 10_000; index++) lines.push(`  Bad_${index}: {base: debian:12}`);
    write('images.yaml', yaml(...lines));
    expect(await refused(['list'])).toBe(
      'images.yaml:2:1: the manifest declares 10,001 images; at most 10,000 are built from one manifest: split the family into several manifests\n1 problem(s) found; nothing was written.\n',
    );
    lines.pop();
    write('images.yaml', yaml(...lines));
    expect(await refused(['list'])).not.toContain('images; at most');
  }, 30_000);
});

describe('where output goes', () => {
  test.each([['/proc/mlrun-images-out'], ['/sys/x'], ['/dev/shm-not/x']])('-o %s is refused before any work', async (folder) => {
    write('images.yaml', MINIMAL);
    expect(await refused(['generate', '-o', folder])).toMatch(/which does not hold files; choose another output folder/);
  });

  test('-o under a file is refused', async () => {
    write('images.yaml', MINIMAL);
    write('plain', 'x');
    expect(await refused(['generate', '-o', 'plain/out'])).toMatch(/plain is a file, not a folder/);
  });

  test.each([
    [['generate', '-o', ''], '--out expects a folder, got an empty value'],
    [['generate', '-f', ''], '--manifest expects a file, got an empty value'],
    [['build', '--dry-run', '--json', ''], '--json expects a file, got an empty value'],
  ])('%j is refused', async (args, message) => {
    write('images.yaml', MINIMAL);
    expect(await refused(args)).toBe(`mlrun-images: ${message}\n`);
  });

  test('a hand-written <image>/Dockerfile in the output folder is never replaced; nothing is written', async () => {
    write('images.yaml', yaml('version: 1', 'images:', '  app:', '    base: debian:12', '  web:', '    base: debian:12'));
    write('app/Dockerfile', 'FROM mine\n');
    expect(await refused(['generate', '-o', '.'])).toBe(
      'mlrun-images: refusing to replace ./app/Dockerfile: not written by mlrun-images (no "# Generated by mlrun-images" header); move it away or choose another output folder\n',
    );
    expect(readFileSync(join(project, 'app', 'Dockerfile'), 'utf8')).toBe('FROM mine\n');
    expect(existsSync(join(project, 'web'))).toBe(false);
  });

  test('a hand-written Dockerfile reached through a symbolic link to the image folder is never replaced', async () => {
    write('images.yaml', MINIMAL);
    write('mine/Dockerfile', 'FROM mine\n');
    mkdirSync(join(project, 'generated'));
    symlinkSync(join(project, 'mine'), join(project, 'generated', 'app'));
    expect(await refused(['generate'])).toContain('refusing to replace generated/app/Dockerfile: not written by mlrun-images');
    expect(readFileSync(join(project, 'mine', 'Dockerfile'), 'utf8')).toBe('FROM mine\n');
  });

  test('a folder where a Dockerfile would go is refused too', async () => {
    write('images.yaml', MINIMAL);
    mkdirSync(join(project, 'generated', 'app', 'Dockerfile'), { recursive: true });
    expect(await refused(['generate'])).toContain('refusing to replace generated/app/Dockerfile');
  });
});

describe('lint reads nothing outside the build context', () => {
  const manifest = (requirements: string) =>
    yaml('version: 1', 'images:', '  app:', '    base: debian:12', '    context: ctx', '    layers:', `      - pip: {requirements: [${requirements}]}`);
  const outside = () => {
    const folder = mkdtempSync(join(tmpdir(), 'mlrun-images-outside-'));
    writeFileSync(join(folder, 'secret.txt'), 'top-secret-line==1\n');
    return folder;
  };

  test('a requirement file that is a symbolic link out of the context is refused, and not read', async () => {
    const secret = outside();
    write('images.yaml', manifest('r.txt'));
    mkdirSync(join(project, 'ctx'));
    symlinkSync(join(secret, 'secret.txt'), join(project, 'ctx', 'r.txt'));
    const result = await runCli(project, ['lint']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('images.yaml:7:30: error [outside-context] requirement file `ctx/r.txt` is outside the build context');
    expect(result.stdout).not.toContain('top-secret');
    rmSync(secret, { recursive: true });
  });

  test.each([['-r ../../outside/secret.txt'], ['-c ../secret.txt'], ['--requirement=../x/../../secret.txt'], ['-r /etc/passwd']])(
    'an include that leaves the context is refused at its line: %s',
    async (include) => {
      write('images.yaml', manifest('r.txt'));
      write('ctx/r.txt', `ok==1\n${include}\n`);
      write('secret.txt', 'top-secret-line==1\n');
      const result = await runCli(project, ['lint']);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/ctx\/r\.txt:2:1: error \[outside-context\] requirement file `[^`]+` is outside the build context/);
      expect(result.stdout).not.toContain('top-secret');
    },
  );

  test('an include inside the context is read as before', async () => {
    write('images.yaml', manifest('r.txt'));
    write('ctx/r.txt', '-r more/other.txt\n');
    write('ctx/more/other.txt', 'loose\n');
    const result = await runCli(project, ['lint']);
    expect(result.stdout).toContain('ctx/more/other.txt:1:1: warning [pip-unpinned] pip requirement `loose` is not pinned with ==');
  });
});

describe('Ctrl-C', () => {
  test('during generate, which has no engine processes, one Ctrl-C exits 130 at once', async () => {
    const lines = ['version: 1', 'images:'];
    for (let index = 0; index < 5_000; index++) lines.push(`  image-${index}:`, '    base: debian:12', '    layers:', '      - apt: {packages: [curl]}');
    write('images.yaml', yaml(...lines));
    const child = execa('node', [join(PACKAGE_ROOT, 'bin', 'mlrun-images.js'), 'generate'], { cwd: project, reject: false });
    await new Promise((resolve) => setTimeout(resolve, 700));
    const sent = Date.now();
    child.kill('SIGINT');
    const result = await child;
    // Ended by the signal as any program is (the shell reports 130), or with 130 itself.
    expect(result.signal === 'SIGINT' || result.exitCode === 130, `${result.exitCode} ${result.signal}`).toBe(true);
    expect(Date.now() - sent).toBeLessThan(1_000);
    expect(result.stderr).not.toContain('stopping the engine processes');
  });
});
