/** The layer-kind registry and the pure helpers the kinds share: context paths, release-variable policy, requirement files. */
import { describe, expect, test } from 'vitest';
import { acceptsReleaseVariable, contextPathsOf, isBuiltinLayerKind, layerKind } from '../../src/layers/index.js';
import { includedPath, includedRequirementFiles, requirementLines } from '../../src/layers/pip-requirements.js';

describe('the registry', () => {
  test('built-in kinds are known; any other name is a custom kind made by its template', () => {
    expect(isBuiltinLayerKind('apt')).toBe(true);
    expect(isBuiltinLayerKind('mlrun')).toBe(true);
    expect(isBuiltinLayerKind('jupyter-extras')).toBe(false);
    expect(layerKind('jupyter-extras')).toEqual({
      name: 'jupyter-extras',
      schema: { description: 'A layer kind added by a template file.', properties: {} },
      docs: { parameters: 'as the template reads them', renders: 'templates/layers/jupyter-extras.hbs' },
      buildArgParameters: 'all',
    });
  });

  test.each([
    ['pip', 'packages', true],
    ['pip', 'requirements', false],
    ['miniconda', 'python', true],
    ['miniconda', 'prefix', false],
    ['mlrun', 'extras', false],
    ['jupyter-extras', 'anything', true],
  ])('%s.%s may read a release variable: %s', (kind, parameter, accepted) => {
    expect(acceptsReleaseVariable(kind, parameter)).toBe(accepted);
  });
});

describe('context paths', () => {
  test('the mlrun layer copies the whole source tree and each package folder (as written, without ./ and trailing /)', () => {
    expect(contextPathsOf([{ kind: 'mlrun', params: { packages: ['./pkg/a/', './/pkg/b//', 'pkg./c'] } }])).toEqual(['.', 'pkg/a', 'pkg/b', 'pkg./c']);
    expect(contextPathsOf([{ kind: 'mlrun', params: { version: '1.7.0', packages: ['pkg'] } }])).toEqual([]);
  });

  test('copy sends its sources (a trailing / dropped), and nothing when it copies from a stage', () => {
    expect(contextPathsOf([{ kind: 'copy', params: { src: ['conf//', 'bin/run.sh'], dest: '/x' } }])).toEqual(['conf', 'bin/run.sh']);
    expect(contextPathsOf([{ kind: 'copy', params: { src: 'conf/', dest: '/x' } }])).toEqual(['conf']);
    expect(contextPathsOf([{ kind: 'copy', params: { src: '/out/app', dest: '/x', from: 'build' } }])).toEqual([]);
  });

  test('each path once, in the order the layers need them; kinds that copy nothing add nothing', () => {
    const layers = [
      { kind: 'pip', params: { requirements: ['req.txt'] } },
      { kind: 'apt', params: { packages: ['git'] } },
      { kind: 'copy', params: { src: ['req.txt', 'conf'], dest: '/x' } },
    ];
    expect(contextPathsOf(layers)).toEqual(['req.txt', 'conf']);
  });
});

describe('requirement files as pip reads them', () => {
  test('comments, continuations, hashes, options, includes and editables', () => {
    const text = [
      '# a comment',
      'numpy==1.26.4  # pinned',
      'pandas==2.2.2 \\',
      '    --hash=sha256:abc \\',
      '    --hash=sha256:def',
      '--index-url https://pypi.example.com/simple',
      '-r base.txt',
      '--requirement=more.txt',
      '-c constraints.txt',
      '  -e git+https://example.com/x.git@main#egg=x',
      '--editable=./local',
      'url#frag==1',
      'x==1 \\',
    ].join('\n');
    expect(requirementLines(text)).toEqual([
      { line: 2, kind: 'requirement', text: 'numpy==1.26.4' },
      { line: 3, kind: 'requirement', text: 'pandas==2.2.2' },
      { line: 7, kind: 'include', text: 'base.txt' },
      { line: 8, kind: 'include', text: 'more.txt' },
      { line: 9, kind: 'include', text: 'constraints.txt' },
      { line: 10, kind: 'editable', text: 'git+https://example.com/x.git@main#egg=x' },
      { line: 11, kind: 'editable', text: './local' },
      { line: 12, kind: 'requirement', text: 'url#frag==1' },
      { line: 13, kind: 'requirement', text: 'x==1' },
    ]);
  });

  test('an option that only ends like an include or an editable is neither', () => {
    expect(requirementLines('--no-deps -r x.txt\n--pre -e y\n')).toEqual([]);
  });

  test('includes are read relative to the including file, or as written when absolute', () => {
    expect(includedPath('requirements/x.txt', '../base.txt')).toBe('base.txt');
    expect(includedPath('requirements/x.txt', '/etc/./req.txt')).toBe('/etc/req.txt');
    expect(includedRequirementFiles('requirements/x.txt', 'numpy==1\n-r sub/a.txt\n-e ./pkg\n-c c.txt\n')).toEqual([
      'requirements/sub/a.txt',
      'requirements/c.txt',
    ]);
  });
});
