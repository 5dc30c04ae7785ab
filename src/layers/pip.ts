import { withBuildArgValues } from '../dockerfile/build-args.js';
import type { SourceLocation } from '../errors.js';
import type { NodePath } from '../manifest/load.js';
import { contextFilePath, isContextPath } from '../manifest/grammar.js';
import { paramPath } from '../manifest/types.js';
import { checkPythonCommand, type LayerKind, type LayerLintContext, listParam } from './kind.js';
import { PINNED_REQUIREMENT } from './pins.js';
import { includedPath, includedRequirementFiles, requirementLines } from './pip-requirements.js';

const PIP_NAME = '[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?';
const PIP_EXTRAS = String.raw`\[\s*${PIP_NAME}(?:\s*,\s*${PIP_NAME})*\s*\]`;
const PIP_VERSION = String.raw`(?:~=|===|==|!=|<=|>=|<|>)\s*[A-Za-z0-9.*+!_-]+`;
const PIP_URL = String.raw`@\s*[A-Za-z][A-Za-z0-9+.-]*://[^\s;]+`;
const PIP_MARKER = String.raw`;\s*[A-Za-z0-9_ .'"<>=!~(),-]+`;
const PIP_REQUIREMENT = new RegExp(
  String.raw`^${PIP_NAME}\s*(?:${PIP_EXTRAS})?\s*(?:${PIP_URL}\s*|(?:${PIP_VERSION}(?:\s*,\s*${PIP_VERSION})*)?)\s*(?:${PIP_MARKER})?$`,
);

/** A PEP 508 requirement as a manifest may write it: NAME[extras], version specifiers or a URL, a marker. */
export function isValidPipRequirement(spec: string): boolean {
  return PIP_REQUIREMENT.test(spec);
}

/** Lint a requirement file and the files it includes, each once. */
function lintRequirementFile(path: string, includedFrom: NodePath | SourceLocation, context: LayerLintContext, seen: Set<string>): void {
  if (seen.has(path)) return;
  seen.add(path);
  if (context.outside.has(path)) {
    context.report(
      'outside-context',
      includedFrom,
      `requirement file \`${path}\` is outside the build context of the image (or links out of it): the build cannot send it, and lint does not read it`,
    );
    return;
  }
  const text = context.files.get(path);
  if (text === undefined) {
    context.report('missing-file', includedFrom, `requirement file \`${path}\` does not exist: the build would fail to copy it`);
    return;
  }
  for (const entry of requirementLines(text)) {
    const location = { file: context.shownPath(path), line: entry.line, col: 1 };
    if (entry.kind === 'include') lintRequirementFile(includedPath(path, entry.text), location, context, seen);
    else if (entry.kind === 'editable' && !/@[0-9a-f]{40}(#|$)/.test(entry.text)) {
      context.report(
        'pip-unpinned',
        location,
        `editable requirement \`${entry.text}\` follows a branch: pin a commit (…@<40 hex digits>) or a release with ==`,
      );
    } else if (entry.kind === 'requirement' && !PINNED_REQUIREMENT.test(entry.text)) {
      context.report('pip-unpinned', location, `pip requirement \`${entry.text}\` is not pinned with ==`);
    }
  }
}

/** `pip`: requirement files (each copied on its own, for the build cache) and inline specifiers, in one pip call. */
export const pip: LayerKind = {
  name: 'pip',
  schema: {
    description: 'Python requirements: requirement files (copied first, for the build cache) and/or inline specifiers. No pip cache is kept.',
    properties: {
      requirements: { $ref: '#/definitions/stringList', description: 'Requirement files, relative to the build context.' },
      packages: { $ref: '#/definitions/stringList', description: 'Requirement specifiers (PEP 508).' },
      python: { type: 'string', description: 'The python to run pip with (default: python).' },
    },
    complete: {
      description: 'needs `requirements` (files) or `packages` (specifiers)',
      anyOf: [{ required: ['requirements'] }, { required: ['packages'] }],
    },
  },
  docs: {
    parameters: '`requirements` (files in the context), `packages` (PEP 508 specifiers), `python`',
    renders: 'each file copied on its own (so the layer is cached until the file changes), then one `pip install --no-cache-dir`',
  },
  buildArgParameters: ['packages'],
  contextPaths: (params) => listParam(params, 'requirements'),
  lintReads: { files: (params) => listParam(params, 'requirements'), includes: includedRequirementFiles },
  check(layer, { values, report }) {
    checkPythonCommand(layer, report);
    listParam(layer.params, 'packages').forEach((spec, index) => {
      if (!isValidPipRequirement(withBuildArgValues(spec, values))) {
        report(
          [...paramPath(layer, 'packages'), index],
          `invalid pip requirement \`${spec.replace(/\u0000/g, '')}\`: expected NAME[extras] with optional version specifiers (==1.2, ~=1.2, >=1,<2), a URL (NAME @ https://…) and a marker (; python_version < "3.10")`,
        );
      }
    });
    listParam(layer.params, 'requirements').forEach((file, index) => {
      if (!isContextPath(file))
        report([...paramPath(layer, 'requirements'), index], `requirement file \`${file}\` must be a path relative to the build context, without ..`);
    });
  },
  lint(layer, context) {
    listParam(layer.params, 'packages').forEach((spec, index) => {
      const text = withBuildArgValues(spec, context.values);
      if (!PINNED_REQUIREMENT.test(text))
        context.report('pip-unpinned', [...paramPath(layer, 'packages'), index], `pip requirement \`${text}\` is not pinned with ==`);
    });
    const seen = new Set<string>();
    listParam(layer.params, 'requirements').forEach((file, index) => {
      lintRequirementFile(contextFilePath(context.context, file), [...paramPath(layer, 'requirements'), index], context, seen);
    });
  },
};
