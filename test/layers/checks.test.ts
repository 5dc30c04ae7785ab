/**
 * Each built-in layer kind's own checks, in process: a bad value is reported at its node with what was expected, and
 * the values at the edge of each rule are accepted.
 */
import { describe, expect, test } from 'vitest';
import { problemsOf, yaml } from '../helpers.js';

/** A manifest of one image whose only layer is `layer` (its lines, indented under `- `); the layer starts on line 6. */
function withLayer(...layer: string[]): string {
  return yaml(
    'version: 1',
    'images:',
    '  a:',
    '    base: python:3.9-slim',
    '    layers:',
    ...layer.map((line, index) => (index === 0 ? `      - ${line}` : `          ${line}`)),
  );
}

const rejected: { layer: string[]; problems: string[] }[] = [
  // mlrun
  { layer: ['mlrun:', 'version: v1.7.0'], problems: ['images.yaml:7:20: mlrun version `v1.7.0` must be a release, like 1.7.0'] },
  { layer: ['mlrun:', 'version: 1.7.0/x'], problems: ['images.yaml:7:20: mlrun version `1.7.0/x` must be a release, like 1.7.0'] },
  { layer: ['mlrun:', 'version: "1.7"'], problems: ['images.yaml:7:20: mlrun version `1.7` must be a release, like 1.7.0'] },
  { layer: ['mlrun:', 'dest: mlrun'], problems: ['images.yaml:7:17: mlrun dest `mlrun` must be an absolute path'] },
  { layer: ['mlrun:', 'chown: "a b"'], problems: ['images.yaml:7:18: chown `a b` must be USER or USER:GROUP'] },
  {
    layer: ['mlrun:', 'packages: [pkg/a, ../b]'],
    problems: ['images.yaml:7:29: package `../b` must be a folder of the source tree, relative to its root, without ..'],
  },
  {
    layer: ['mlrun:', 'version: 1.7.0', 'dest: /m', 'chown: u', 'upgrade: true', 'packages: [p]'],
    problems: [
      'images.yaml:8:17: `dest` is about the source tree; a layer with `version` installs from PyPI',
      'images.yaml:9:18: `chown` is about the source tree; a layer with `version` installs from PyPI',
      'images.yaml:10:20: `upgrade` is about the source tree; a layer with `version` installs from PyPI',
      'images.yaml:11:21: `packages` is about the source tree; a layer with `version` installs from PyPI',
    ],
  },
  { layer: ['mlrun:', 'python: "py thon"'], problems: ['images.yaml:7:19: python `py thon` must be a command name or path (letters, digits and . _ / + -)'] },
  // miniconda
  { layer: ['miniconda:', 'version: 23.1.0-1', 'prefix: opt/conda'], problems: ['images.yaml:8:19: miniconda prefix `opt/conda` must be an absolute path'] },
  { layer: ['miniconda:', 'version: 23.1.0 1'], problems: ['images.yaml:7:20: miniconda version `23.1.0 1` must look like 23.1.0-1 (or py39_23.11.0-1)'] },
  { layer: ['miniconda:', 'version: /23.1.0-1'], problems: ['images.yaml:7:20: miniconda version `/23.1.0-1` must look like 23.1.0-1 (or py39_23.11.0-1)'] },
  { layer: ['miniconda:', 'version: 23.1.0-1/'], problems: ['images.yaml:7:20: miniconda version `23.1.0-1/` must look like 23.1.0-1 (or py39_23.11.0-1)'] },
  { layer: ['miniconda:', 'version: 23.1.0-1', 'python: 3.11 x'], problems: ['images.yaml:8:19: miniconda python `3.11 x` must be a version, like 3.11'] },
  { layer: ['miniconda:', 'version: 23.1.0-1', 'pip: /24'], problems: ['images.yaml:8:16: miniconda pip `/24` must be a version, like 3.11'] },
  { layer: ['miniconda:', 'version: 23.1.0-1', 'pip: 24/'], problems: ['images.yaml:8:16: miniconda pip `24/` must be a version, like 3.11'] },
  // openmpi
  { layer: ['openmpi:', 'version: v4.1.5'], problems: ['images.yaml:7:20: openmpi version `v4.1.5` must look like 4.1.5'] },
  { layer: ['openmpi:', 'version: 4.1.5/'], problems: ['images.yaml:7:20: openmpi version `4.1.5/` must look like 4.1.5'] },
  { layer: ['openmpi:', 'version: x4.1.5'], problems: ['images.yaml:7:20: openmpi version `x4.1.5` must look like 4.1.5'] },
  // copy
  { layer: ['copy:', 'src: ../x', 'dest: /x'], problems: ['images.yaml:7:16: copy source `../x` must be a path relative to the build context, without ..'] },
  {
    layer: ['copy:', 'src: [a, /etc/x]', 'dest: /x'],
    problems: ['images.yaml:7:20: copy source `/etc/x` must be a path relative to the build context, without ..'],
  },
  { layer: ['copy:', 'src: x', 'dest: x'], problems: ['images.yaml:8:17: copy destination `x` must be an absolute path'] },
  { layer: ['copy:', 'src: x', 'dest: /x', 'chown: "u:g:h"'], problems: ['images.yaml:9:18: chown `u:g:h` must be USER or USER:GROUP'] },
  // pip
  {
    layer: ['pip:', 'requirements: [ok.txt, ../up.txt]'],
    problems: ['images.yaml:7:34: requirement file `../up.txt` must be a path relative to the build context, without ..'],
  },
  {
    layer: ['pip:', 'requirements: [/abs.txt]'],
    problems: ['images.yaml:7:26: requirement file `/abs.txt` must be a path relative to the build context, without ..'],
  },
  {
    layer: ['pip:', 'packages: [numpy==1.26.4]', 'python: "a b"'],
    problems: ['images.yaml:8:19: python `a b` must be a command name or path (letters, digits and . _ / + -)'],
  },
];

describe('layer checks', () => {
  test.each(rejected)('$layer.0 $layer.1 $layer.2', ({ layer, problems }) => {
    expect(problemsOf(withLayer(...layer))).toEqual(problems);
  });

  test('copy from a stage takes absolute paths of that stage, and only a stage defined before the layer', () => {
    const manifest = (from: string, src: string) =>
      yaml(
        'version: 1',
        'images:',
        '  a:',
        '    base: python:3.9-slim',
        '    stages:',
        '      - name: build',
        '        base: golang:1.22',
        '      - name: late',
        '        base: golang:1.22',
        '        layers:',
        `          - copy: {from: ${from}, src: ${src}, dest: /x}`,
        '    layers:',
        `      - copy: {from: ${from}, src: ${src}, dest: /x}`,
      );
    expect(problemsOf(manifest('build', '/out/app'))).toEqual([]);
    expect(problemsOf(manifest('build', 'out/app'))).toEqual([
      'images.yaml:11:38: copy source `out/app` from stage `build` must be an absolute path in that stage',
      'images.yaml:13:34: copy source `out/app` from stage `build` must be an absolute path in that stage',
    ]);
    expect(problemsOf(manifest('late', '/out/app'))).toEqual(['images.yaml:11:26: copy from `late`: no such stage before this layer in image `a`']);
  });

  const accepted: string[][] = [
    ['mlrun:', 'version: 1.7.0'],
    ['mlrun:', 'version: 10.17.100rc3+local.1'],
    ['mlrun:', 'dest: /home/mlrun_code', 'chown: "mlrun:users"', 'packages: [pkg/a, ./pkg/b/]', 'python: /opt/conda/bin/python3'],
    ['mlrun:', 'chown: "$USER:$GROUP"'],
    ['miniconda:', 'version: py39_23.11.0-1', 'prefix: /opt/conda'],
    ['miniconda:', 'version: 23.1.0-1', 'python: "3.11"', 'pip: "24.0"'],
    ['openmpi:', 'version: 4.1.5'],
    ['openmpi:', 'version: 4.1.*'],
    ['copy:', 'src: [a/, b]', 'dest: /x', 'chown: "1000:100"'],
    ['pip:', 'requirements: [a.txt, dir/b.txt]', 'python: python3.11'],
  ];
  test.each(accepted)('accepts %s %s %s', (...layer) => {
    expect(problemsOf(withLayer(...layer))).toEqual([]);
  });
});
