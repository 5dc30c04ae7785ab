import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { PACKAGE_ROOT } from '../../src/cli/files.js';
import { LINT_RULES, lintFamily, RULE_IDS, type Finding, type LintInputs, type RuleId } from '../../src/lint/lint.js';
import { load, problemsOf, yaml, type LoadOptions } from '../helpers.js';

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;
const NO_DOCKERFILE_PROBLEMS: LintInputs['validateDockerfile'] = () => [];

interface LintOptions extends LoadOptions {
  production?: boolean;
  files?: Record<string, string>;
  outside?: readonly string[];
  dockerfiles?: Record<string, { path: string; text: string }>;
  validateDockerfile?: LintInputs['validateDockerfile'];
}

/** lintFamily on an inline manifest, with requirement files and generated Dockerfiles given in memory. */
function lint(
  text: string,
  { production = false, files = {}, outside = [], dockerfiles = {}, validateDockerfile = NO_DOCKERFILE_PROBLEMS, ...loadOptions }: LintOptions = {},
): Finding[] {
  return lintFamily({
    family: load(text, loadOptions),
    production,
    files: new Map(Object.entries(files)),
    outside: new Set(outside),
    dockerfiles: new Map(Object.entries(dockerfiles)),
    validateDockerfile,
  });
}

/** A finding as one line: `file:line:col: severity [rule] message`, and the reason when it is switched off. */
function show({ rule, severity, location, message, suppressed }: Finding): string {
  return `${location.file}:${location.line}:${location.col}: ${severity} [${rule}] ${message}${suppressed !== undefined ? ` (switched off: ${suppressed})` : ''}`;
}

const lines = (text: string, options?: LintOptions) => lint(text, options).map(show);

/** A manifest with one image `a` on `base`, with the given lines under `layers:` (from line 6 on). */
function image(base: string, ...layers: string[]): string {
  return yaml('version: 1', 'images:', '  a:', `    base: ${base}`, ...(layers.length > 0 ? ['    layers:', ...layers] : []));
}

const PIP_NOT_PINNED = (spec: string) => `pip requirement \`${spec}\` is not pinned with ==`;
const NOT_TAGGED = (base: string) => `base \`${base}\` is not tagged: pin a tag, and lock its digest with \`mlrun-images lock\``;
const MLRUN_UNTAGGED = (base: string) =>
  `base \`${base}\` has no tag: MLRun would tag it with the client version, so an upgrade changes the image; pin it (\`${base}:1.7.0\`)`;
const DEVELOPMENT = (version: string) =>
  `the mlrun layer installs a development build (MLRUN_VERSION is \`${version}\`); build a release (MLRUN_VERSION=1.7.0), or install one with \`version\``;
const APT_OPEN = (packages: string[]) =>
  `${packages.length} apt package(s) without a version (${packages.join(', ')}); that is fine: Debian drops old versions, so pins would break later builds`;

const REQUIREMENTS = [
  '# Packages of x.',
  '',
  '-r other.txt',
  '--index-url https://pypi.example.com/simple',
  'numpy==1.26.4  # a comment after a pinned requirement',
  '   ',
  'pandas>=2.0  # the one open line',
  '-c constraints.txt',
  'scipy[all]==1.13.0 ; python_version >= "3.9"',
  '',
].join('\n');

describe('lintFamily: one manifest, its exact findings', () => {
  test.each<{ name: string; manifest: string; options?: LintOptions; expected: string[] }>([
    { name: 'a base without a tag', manifest: image('python'), expected: [`images.yaml:4:11: warning [base-unpinned] ${NOT_TAGGED('python')}`] },
    {
      name: 'a base tagged latest',
      manifest: image('quay.io/jupyter/scipy-notebook:latest'),
      expected: [
        'images.yaml:4:11: warning [base-unpinned] base `quay.io/jupyter/scipy-notebook:latest` is tagged `latest`: pin a tag, and lock its digest with `mlrun-images lock`',
      ],
    },
    { name: 'a tagged base', manifest: image('python:3.9-slim'), expected: [] },
    { name: 'a base pinned by digest only', manifest: image(`python@${DIGEST}`), expected: [] },
    { name: 'a base tagged latest but pinned by digest', manifest: image(`python:latest@${DIGEST}`), expected: [] },
    {
      name: 'a stage base without a tag',
      manifest: yaml('version: 1', 'images:', '  a:', '    stages:', '      - name: build', '        base: node', '    base: nginx:1.27-alpine'),
      expected: [`images.yaml:6:15: warning [base-unpinned] ${NOT_TAGGED('node')}`],
    },
    {
      name: 'mlrun/mlrun without a tag',
      manifest: image('mlrun/mlrun'),
      expected: [`images.yaml:4:11: warning [mlrun-base-untagged] ${MLRUN_UNTAGGED('mlrun/mlrun')}`],
    },
    {
      name: 'quay.io/mlrun/mlrun without a tag',
      manifest: image('quay.io/mlrun/mlrun'),
      expected: [`images.yaml:4:11: warning [mlrun-base-untagged] ${MLRUN_UNTAGGED('quay.io/mlrun/mlrun')}`],
    },
    { name: 'mlrun/mlrun with a tag', manifest: image('mlrun/mlrun:1.7.0'), expected: [] },
    {
      name: 'inline pip packages: ~=, >=, no version and a URL are open; == with extras and a marker is pinned',
      manifest: image(
        'python:3.9',
        '      - pip:',
        '          packages:',
        '            - pkg==1.0',
        '            - requests',
        '            - "attrs~=23.1"',
        '            - "numpy>=1.26"',
        '            - \'pkg[extra]==1.0 ; python_version<"3.10"\'',
        '            - "wheel @ https://example.com/wheel-0.43.0-py3-none-any.whl"',
      ),
      expected: [
        `images.yaml:9:15: warning [pip-unpinned] ${PIP_NOT_PINNED('requests')}`,
        `images.yaml:10:15: warning [pip-unpinned] ${PIP_NOT_PINNED('attrs~=23.1')}`,
        `images.yaml:11:15: warning [pip-unpinned] ${PIP_NOT_PINNED('numpy>=1.26')}`,
        `images.yaml:13:15: warning [pip-unpinned] ${PIP_NOT_PINNED('wheel @ https://example.com/wheel-0.43.0-py3-none-any.whl')}`,
      ],
    },
    {
      name: 'a requirement file: comments, blank lines and options are skipped, includes are followed, the open line is found at its line',
      manifest: image('python:3.9', '      - pip:', '          requirements: [requirements/x.txt]'),
      options: {
        files: { 'requirements/x.txt': REQUIREMENTS, 'requirements/other.txt': 'flask\n', 'requirements/constraints.txt': 'click==8.1.7\n' },
      },
      expected: [
        `requirements/other.txt:1:1: warning [pip-unpinned] ${PIP_NOT_PINNED('flask')}`,
        `requirements/x.txt:7:1: warning [pip-unpinned] ${PIP_NOT_PINNED('pandas>=2.0')}`,
      ],
    },
    {
      name: 'hash-pinned requirements (pip-compile --generate-hashes) are pinned; an editable branch is not',
      manifest: image('python:3.9', '      - pip:', '          requirements: [requirements/x.txt]'),
      options: {
        files: {
          'requirements/x.txt': [
            `numpy==1.26.4 --hash=${DIGEST}`,
            'pandas==2.2.2 \\',
            `    --hash=${DIGEST}`,
            '-e git+https://github.com/mlrun/mlrun.git@development#egg=mlrun',
            `-e git+https://github.com/mlrun/mlrun.git@${'a'.repeat(40)}#egg=mlrun`,
            '',
          ].join('\n'),
        },
      },
      expected: [
        'requirements/x.txt:4:1: warning [pip-unpinned] editable requirement `git+https://github.com/mlrun/mlrun.git@development#egg=mlrun` follows a branch: pin a commit (…@<40 hex digits>) or a release with ==',
      ],
    },
    {
      name: 'a requirement file that is missing, or an include that is, is an error (the build would fail to copy it)',
      manifest: image('python:3.9', '      - pip:', '          requirements: [requirements/x.txt, requirements/y.txt]'),
      options: { files: { 'requirements/y.txt': '-r gone.txt\n' } },
      expected: [
        'images.yaml:7:26: error [missing-file] requirement file `requirements/x.txt` does not exist: the build would fail to copy it',
        'requirements/y.txt:1:1: error [missing-file] requirement file `requirements/gone.txt` does not exist: the build would fail to copy it',
      ],
    },
    {
      name: 'Miniconda latest',
      manifest: image('python:3.9', '      - miniconda:', '          version: latest'),
      expected: ['images.yaml:7:20: warning [version-unpinned] Miniconda version `latest` is left open: pin a release (py39_23.11.0-1)'],
    },
    {
      name: 'Miniconda latest with python (the installer is picked for it)',
      manifest: image('python:3.9', '      - miniconda:', '          version: latest', '          python: "3.11"'),
      expected: ['images.yaml:7:20: warning [version-unpinned] Miniconda version `latest` is left open: pin a release (23.1.0-1)'],
    },
    { name: 'Miniconda pinned', manifest: image('python:3.9', '      - miniconda:', '          version: py39_23.11.0-1'), expected: [] },
    {
      name: 'OpenMPI 4.* from conda-forge',
      manifest: image('python:3.9', '      - openmpi:', '          source: conda-forge', '          version: "4.*"'),
      expected: ['images.yaml:8:20: warning [version-unpinned] OpenMPI version `4.*` is left open (conda reads 4.1 as 4.1.*): pin all three parts (4.1.5)'],
    },
    {
      name: 'OpenMPI 4.* with the default source (conda-forge)',
      manifest: image('python:3.9', '      - openmpi:', '          version: "4.*"'),
      expected: ['images.yaml:7:20: warning [version-unpinned] OpenMPI version `4.*` is left open (conda reads 4.1 as 4.1.*): pin all three parts (4.1.5)'],
    },
    {
      name: 'OpenMPI 4.1: conda reads it as 4.1.*',
      manifest: image('python:3.9', '      - openmpi:', '          version: "4.1"'),
      expected: ['images.yaml:7:20: warning [version-unpinned] OpenMPI version `4.1` is left open (conda reads 4.1 as 4.1.*): pin all three parts (4.1.5)'],
    },
    {
      name: 'a run command that clones or downloads a branch (a release branch such as 1.7.x too)',
      manifest: image(
        'python:3.9',
        '      - run:',
        '          commands:',
        '            - git clone --depth 1 --branch development https://github.com/mlrun/ui.git .',
        '            - curl -fsSL https://github.com/mlrun/demos/archive/master.tar.gz | tar -xz',
        '            - git clone --branch v1.7.0 https://github.com/mlrun/ui.git .',
        '            - git clone --depth 1 --branch 1.7.x https://github.com/mlrun/demos.git',
        '            - git clone --branch 1.7.x-hotfix https://github.com/mlrun/demos.git',
      ),
      expected: [
        'images.yaml:8:15: warning [moving-ref] this command fetches the branch `development`, which moves: use a tag or a commit',
        'images.yaml:9:15: warning [moving-ref] this command fetches the branch `master`, which moves: use a tag or a commit',
        'images.yaml:11:15: warning [moving-ref] this command fetches the branch `1.7.x`, which moves: use a tag or a commit',
      ],
    },
    { name: 'OpenMPI 4.1.5 from conda-forge', manifest: image('python:3.9', '      - openmpi:', '          version: 4.1.5'), expected: [] },
    {
      name: 'OpenMPI 10.12.15: every part may have more digits',
      manifest: image('python:3.9', '      - openmpi:', '          version: 10.12.15'),
      expected: [],
    },
    {
      name: 'requirement files that include each other are each read once',
      manifest: image('python:3.9', '      - pip:', '          requirements: [a.txt]'),
      options: { files: { 'a.txt': '-r b.txt\nflask\n', 'b.txt': '-r a.txt\nnumpy==1.26.4\n' } },
      expected: [`a.txt:2:1: warning [pip-unpinned] ${PIP_NOT_PINNED('flask')}`],
    },
    {
      name: 'an editable requirement pinned to a commit, with or without #egg, is pinned',
      manifest: image('python:3.9', '      - pip:', '          requirements: [a.txt]'),
      options: { files: { 'a.txt': `-e git+https://example.com/x.git@${'b'.repeat(40)}\n-e git+https://example.com/y.git@${'c'.repeat(40)}#egg=y\n` } },
      expected: [],
    },
    { name: 'OpenMPI from apt without a version', manifest: image('python:3.9', '      - openmpi:', '          source: apt'), expected: [] },
    {
      name: 'the mlrun layer with MLRUN_VERSION unstable (the default)',
      manifest: image('python:3.9', '      - mlrun:', '          extras: [complete]'),
      expected: [`images.yaml:6:9: warning [mlrun-unpinned] ${DEVELOPMENT('unstable')}`],
    },
    {
      name: 'the mlrun layer with MLRUN_VERSION 0.0.0+x',
      manifest: image('python:3.9', '      - mlrun:', '          extras: [complete]'),
      options: { overrides: { MLRUN_VERSION: '0.0.0+x' } },
      expected: [`images.yaml:6:9: warning [mlrun-unpinned] ${DEVELOPMENT('0.0.0+x')}`],
    },
    {
      name: 'the mlrun layer with MLRUN_VERSION 1.7.0',
      manifest: image('python:3.9', '      - mlrun:', '          extras: [complete]'),
      options: { overrides: { MLRUN_VERSION: '1.7.0' } },
      expected: [],
    },
    {
      name: 'the mlrun layer installing a release from PyPI, whatever MLRUN_VERSION is',
      manifest: image('python:3.9', '      - mlrun:', '          version: 1.7.0', '          extras: [complete]'),
      expected: [],
    },
    {
      name: 'apt: one note per layer listing its packages without a version; pkg=1.2 is pinned',
      manifest: image(
        'python:3.9',
        '      - apt:',
        '          packages: [curl, "vim=2:9.0.1378-2", git]',
        '      - apt:',
        '          packages: ["tzdata=2024a-0+deb12u1"]',
        '      - apt:',
        '          packages: [graphviz]',
      ),
      expected: [`images.yaml:7:21: note [apt-unpinned] ${APT_OPEN(['curl', 'git'])}`, `images.yaml:11:21: note [apt-unpinned] ${APT_OPEN(['graphviz'])}`],
    },
  ])('$name', ({ manifest, options, expected }) => {
    expect(lines(manifest, options)).toEqual(expected);
  });

  test('OpenMPI from conda-forge without a version: the manifest rejects it, and the rule reports it at the layer', () => {
    const manifest = image('python:3.9', '      - openmpi:', '          source: conda-forge');
    expect(problemsOf(manifest)).toEqual(['images.yaml:7:11: openmpi layer of image `a` is missing `version` (needed unless `source: apt`)']);

    // The rule does not rely on that check: a family whose layer has no version (built in code) is still reported.
    const family = load(image('python:3.9', '      - openmpi:', '          source: conda-forge', '          version: 4.1.5'));
    delete family.images.get('a')!.layers[0]!.params.version;
    const findings = lintFamily({ family, production: false, files: new Map(), dockerfiles: new Map(), validateDockerfile: NO_DOCKERFILE_PROBLEMS });
    expect(findings.map(show)).toEqual([
      'images.yaml:6:9: warning [version-unpinned] OpenMPI version `` is left open (conda reads 4.1 as 4.1.*): pin all three parts (4.1.5)',
    ]);
  });

  test('problems the Dockerfile validator finds are reported at the generated Dockerfile, for its image', () => {
    const seen: string[] = [];
    const findings = lint(yaml('version: 1', 'images:', '  a:', '    base: python:3.9', '  b:', '    base: python:3.9'), {
      dockerfiles: {
        a: { path: 'generated/a/Dockerfile', text: 'FROM python:3.9\nMAINTAINER me\n' },
        b: { path: 'generated/b/Dockerfile', text: 'FROM python:3.9\n' },
      },
      validateDockerfile: (text) => {
        seen.push(text);
        return text.includes('MAINTAINER') ? [{ line: 2, col: 1, message: 'MAINTAINER has been deprecated' }] : [];
      },
    });
    expect(seen).toEqual(['FROM python:3.9\nMAINTAINER me\n', 'FROM python:3.9\n']);
    expect(findings).toEqual([
      {
        rule: 'dockerfile',
        severity: 'warning',
        location: { file: 'generated/a/Dockerfile', line: 2, col: 1 },
        message: 'MAINTAINER has been deprecated',
        image: 'a',
      },
    ]);
  });
});

describe('severities', () => {
  /** One image that breaks every rule once. */
  const EVERY_RULE = yaml(
    'version: 1',
    'images:',
    '  a:',
    '    base: python',
    '    stages:',
    '      - name: build',
    '        base: mlrun/mlrun',
    '    layers:',
    '      - apt:',
    '          packages: [curl]',
    '      - pip:',
    '          packages: [requests]',
    '      - miniconda:',
    '          version: latest',
    '      - mlrun:',
    '          extras: [complete]',
    '      - run:',
    '          commands: [git clone --branch main https://example.com/x.git]',
    '      - pip:',
    '          requirements: [requirements/missing.txt, requirements/elsewhere.txt]',
  );
  const run = (production: boolean) =>
    lint(EVERY_RULE, {
      production,
      outside: ['requirements/elsewhere.txt'],
      dockerfiles: { a: { path: 'generated/a/Dockerfile', text: 'FROM x\n' } },
      validateDockerfile: () => [{ line: 1, col: 1, message: 'a problem' }],
    });
  const severityOf = (findings: Finding[], rule: RuleId) => findings.filter((finding) => finding.rule === rule).map((finding) => finding.severity);

  test('the manifest used here breaks every rule exactly once', () => {
    expect(
      run(false)
        .map((finding) => finding.rule)
        .sort(),
    ).toEqual([...RULE_IDS].sort());
  });

  const PINNING: RuleId[] = ['base-unpinned', 'mlrun-base-untagged', 'pip-unpinned', 'version-unpinned', 'mlrun-unpinned', 'moving-ref'];
  test('the pinning rules are the ones LINT_RULES marks as pinning', () => {
    expect(RULE_IDS.filter((rule) => LINT_RULES[rule].pinning)).toEqual(PINNING);
  });

  test.each(PINNING)('%s is a warning by default and an error with production', (rule) => {
    expect(severityOf(run(false), rule)).toEqual(['warning']);
    expect(severityOf(run(true), rule)).toEqual(['error']);
  });

  test('missing-file and outside-context are errors with or without production', () => {
    for (const rule of ['missing-file', 'outside-context'] as const) {
      expect(severityOf(run(false), rule)).toEqual(['error']);
      expect(severityOf(run(true), rule)).toEqual(['error']);
    }
  });

  test('apt-unpinned stays a note with production', () => {
    expect(severityOf(run(false), 'apt-unpinned')).toEqual(['note']);
    expect(severityOf(run(true), 'apt-unpinned')).toEqual(['note']);
  });

  // `--production` makes "the pinning rules" errors (USAGE, LINT_RULES.pinning); a dockerfile-utils remark is not about
  // pinning, so it must not make `lint --production` exit 1 or `build --production` refuse to build.
  test('dockerfile stays a warning with production: it is not a pinning rule', () => {
    expect(severityOf(run(false), 'dockerfile')).toEqual(['warning']);
    expect(severityOf(run(true), 'dockerfile')).toEqual(['warning']);
  });
});

describe('switching rules off in the manifest', () => {
  test('a switched-off rule still reports its finding, with the reason, and only that rule is switched off', () => {
    const manifest = yaml(
      'version: 1',
      'images:',
      '  a:',
      '    base: python',
      '    lint: {base-unpinned: "locked"}',
      '    layers:',
      '      - pip:',
      '          packages: [requests]',
    );
    expect(lines(manifest, { production: true })).toEqual([
      `images.yaml:4:11: error [base-unpinned] ${NOT_TAGGED('python')} (switched off: locked)`,
      `images.yaml:8:22: error [pip-unpinned] ${PIP_NOT_PINNED('requests')}`,
    ]);
    expect(lint(manifest)[0]).toMatchObject({ rule: 'base-unpinned', image: 'a', suppressed: 'locked' });
    expect(lint(manifest)[1]).not.toHaveProperty('suppressed');
  });

  test('an image that extends one with `lint:` inherits the switch; `RULE: null` switches it back on', () => {
    const manifest = yaml(
      'version: 1',
      'images:',
      '  parent:',
      '    base: python:3.9',
      '    lint: {base-unpinned: "locked"}',
      '  inherits:',
      '    extends: parent',
      '    base: ubuntu',
      '  back-on:',
      '    extends: parent',
      '    base: debian',
      '    lint: {base-unpinned: null}',
    );
    const findings = lint(manifest);
    expect(findings.map(show)).toEqual([
      `images.yaml:8:11: warning [base-unpinned] ${NOT_TAGGED('ubuntu')} (switched off: locked)`,
      `images.yaml:11:11: warning [base-unpinned] ${NOT_TAGGED('debian')}`,
    ]);
    expect(findings.map((finding) => finding.image)).toEqual(['inherits', 'back-on']);
  });

  test('`RULE: null` switches the rule back on for the layers the image inherits too', () => {
    const manifest = yaml(
      'version: 1',
      'images:',
      '  parent:',
      '    base: python:3.9',
      '    lint: {pip-unpinned: "a development image"}',
      '    layers:',
      '      - pip:',
      '          packages: [requests]',
      '  release:',
      '    extends: parent',
      '    lint: {pip-unpinned: null}',
    );
    // `release` installs the same open `requests` as `parent`, and does not switch the rule off: with production
    // that is an error, even though the finding is at the parent's line (reported once, but not hidden).
    const active = lint(manifest, { production: true }).filter((finding) => !finding.suppressed);
    expect(active.map(show)).toEqual([`images.yaml:8:22: error [pip-unpinned] ${PIP_NOT_PINNED('requests')}`]);
    expect(active[0]!.image).toBe('release');
  });

  test('an unknown rule id is a manifest error with did-you-mean', () => {
    expect(problemsOf(yaml('version: 1', 'images:', '  a:', '    base: python:3.9', '    lint: {base-unpined: "locked"}'))).toEqual([
      `images.yaml:5:12: unknown lint rule \`base-unpined\` (did you mean \`base-unpinned\`?); the rules are: ${RULE_IDS.join(', ')}`,
    ]);
    expect(problemsOf(yaml('version: 1', 'images:', '  a:', '    base: python:3.9', '    lint:', '      pinning: "locked"'))).toEqual([
      `images.yaml:6:7: unknown lint rule \`pinning\`; the rules are: ${RULE_IDS.join(', ')}`,
    ]);
  });

  test('an empty reason is rejected by the schema; a reason is required to switch a rule off', () => {
    const problems = problemsOf(yaml('version: 1', 'images:', '  a:', '    base: python:3.9', '    lint: {base-unpinned: ""}'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^images\.yaml:5:27: .*`lint`.*fewer than 1 character/);
    expect(problemsOf(yaml('version: 1', 'images:', '  a:', '    base: python:3.9', '    lint: {base-unpinned: "locked"}'))).toEqual([]);
  });
});

describe('the list of findings', () => {
  test('a finding in a layer inherited through `extends` is reported once, for the image that writes it', () => {
    const manifest = yaml(
      'version: 1',
      'images:',
      '  parent:',
      '    base: python',
      '    layers:',
      '      - pip:',
      '          packages: [requests]',
      '  child:',
      '    extends: parent',
      '  grandchild:',
      '    extends: child',
    );
    const findings = lint(manifest);
    expect(findings.map(show)).toEqual([
      `images.yaml:4:11: warning [base-unpinned] ${NOT_TAGGED('python')}`,
      `images.yaml:7:22: warning [pip-unpinned] ${PIP_NOT_PINNED('requests')}`,
    ]);
    expect(findings.map((finding) => finding.image)).toEqual(['parent', 'parent']);
  });

  test('a requirement file used by several images is reported once', () => {
    const manifest = yaml(
      'version: 1',
      'images:',
      '  a:',
      '    base: python:3.9',
      '    layers:',
      '      - pip: {requirements: [requirements/x.txt]}',
      '  b:',
      '    base: python:3.9',
      '    layers:',
      '      - pip: {requirements: [requirements/x.txt]}',
    );
    expect(lines(manifest, { files: { 'requirements/x.txt': 'requests\n' } })).toEqual([
      `requirements/x.txt:1:1: warning [pip-unpinned] ${PIP_NOT_PINNED('requests')}`,
    ]);
  });

  test('findings are sorted by file, then line, then column', () => {
    const manifest = yaml(
      'version: 1',
      'images:',
      '  z:',
      '    layers:',
      '      - pip:',
      '          requirements: [requirements/b.txt, requirements/a.txt]',
      '          packages: [requests, flask, "numpy>1"]',
      '    base: python',
      '  a:',
      '    base: ubuntu',
    );
    const findings = lint(manifest, {
      files: { 'requirements/a.txt': 'x\ny\n', 'requirements/b.txt': 'pinned==1\nz\n' },
      dockerfiles: { z: { path: 'generated/z/Dockerfile', text: '' }, a: { path: 'generated/a/Dockerfile', text: '' } },
      validateDockerfile: () => [
        { line: 3, col: 1, message: 'later' },
        { line: 1, col: 5, message: 'earlier' },
      ],
    });
    expect(findings.map((finding) => `${finding.location.file}:${finding.location.line}:${finding.location.col}`)).toEqual([
      'generated/a/Dockerfile:1:5',
      'generated/a/Dockerfile:3:1',
      'generated/z/Dockerfile:1:5',
      'generated/z/Dockerfile:3:1',
      'images.yaml:7:22',
      'images.yaml:7:32',
      'images.yaml:7:39',
      'images.yaml:8:11',
      'images.yaml:10:11',
      'requirements/a.txt:1:1',
      'requirements/a.txt:2:1',
      'requirements/b.txt:2:1',
    ]);
  });
});

describe('the README', () => {
  const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');

  test('lists every rule of LINT_RULES in its lint table, in order, with the same summary', () => {
    const table = /<!-- lint-rules:start -->\n([\s\S]*?)<!-- lint-rules:end -->/.exec(readme)?.[1];
    expect(table, 'README.md has no table between <!-- lint-rules:start --> and <!-- lint-rules:end -->').toBeDefined();
    const rows = table!
      .trim()
      .split('\n')
      .slice(2)
      .map((row) => row.replace(/^\|\s*|\s*\|$/g, '').split(/\s+\|\s+/));
    expect(rows.map((cells) => cells[0])).toEqual(RULE_IDS.map((rule) => `\`${rule}\``));
    for (const [index, rule] of RULE_IDS.entries()) {
      const cells = rows[index]!;
      expect(cells.at(-1), `the README's summary of ${rule}`).toBe(LINT_RULES[rule].summary);
      // The kind column says which rules --production turns into errors.
      expect(cells.includes('pinning'), `whether the README calls ${rule} a pinning rule`).toBe(LINT_RULES[rule].pinning);
    }
  });
});
