/** `lint [--production] [--format text|json]`: the edge that reads the files lint looks at, and prints the findings. */
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { formatDiagnostic, UsageError } from '../../errors.js';
import type { Family } from '../../family/family.js';
import { layerKind } from '../../layers/index.js';
import { contextFilePath } from '../../manifest/grammar.js';
import { type Finding, LINT_RULES, lintFamily } from '../../lint/lint.js';
import { type GeneratedFiles, renderFamily } from '../../pipeline.js';
import { pathInside, readTextFile } from '../files.js';
import { flagOption, type Invocation, stringOption } from '../invocation.js';
import { checkCheckouts, contextOf, isGitContext, resolveSources } from '../sources.js';
import { type CliIo, loadProject, lockFor, manifestDir } from '../project.js';

/**
 * The files the layers read for lint (requirement files and what they include), from each image's build context.
 * A file outside the context (by its path, or through a symbolic link) is not read: the build could not send it.
 */
function readLintFiles(
  family: Family,
  folder: string,
  cwd: string,
  contextFolders: ReadonlyMap<string, string>,
): { files: Map<string, string>; outside: Set<string> } {
  const files = new Map<string, string>();
  const outside = new Set<string>();
  for (const [name, contextFolder] of contextFolders) {
    const context = relative(folder, contextFolder) || '.';
    for (const layer of family.graph.layersOf(name)) {
      const reads = layerKind(layer.kind).lintReads;
      if (!reads || !existsSync(contextFolder)) continue;
      const pending = reads.files(layer.params).map((file) => contextFilePath(context, file));
      for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
        if (files.has(path) || outside.has(path)) continue;
        const absolute = resolve(folder, path);
        if (pathInside(contextFolder, absolute) === undefined) {
          outside.add(path);
          continue;
        }
        const text = readTextFile(absolute, relative(cwd, absolute) || path, 'ok');
        if (text === undefined) continue;
        files.set(path, text);
        pending.push(...reads.includes(path, text));
      }
    }
  }
  return { files, outside };
}

/** Run the lint rules; the pinning rules fail the run (exit 1) with --production. */
export async function collectFindings(
  family: Family,
  files: GeneratedFiles,
  folder: string,
  production: boolean,
  cwd: string,
  images: readonly string[] = family.order,
): Promise<Finding[]> {
  const { validate } = await import('dockerfile-utils');
  // Requirement files are read from each image's build context: a source checkout, found as build finds it.
  const sources = resolveSources(family, images, cwd);
  checkCheckouts(family, images, sources, cwd);
  const contextFolders = new Map<string, string>();
  for (const name of images) {
    const context = contextOf(family, name, sources, folder);
    if (!isGitContext(context)) contextFolders.set(name, context);
    else if (family.graph.layersOf(name).some((layer) => layerKind(layer.kind).lintReads?.files(layer.params).length)) {
      const { variable } = family.sources[family.graph.image(name).spec.source!]!;
      throw new UsageError(`lint reads the files \`${name}\` installs from its checkout, and ${variable} is not set: set it to the checkout`);
    }
  }
  const outDir = relative(cwd, join(folder, 'generated')) || '.';
  const dockerfiles = new Map([...family.order].map((name) => [name, { path: `${outDir}/${name}/Dockerfile`, text: files.get(`${name}/Dockerfile`) ?? '' }]));
  return lintFamily({
    family,
    production,
    ...readLintFiles(family, folder, cwd, contextFolders),
    contextOf: (name) => {
      const context = contextFolders.get(name);
      return context === undefined ? undefined : relative(folder, context) || '.';
    },
    dockerfiles,
    images,
    shownPath: (path) => relative(cwd, join(folder, path)) || path,
    validateDockerfile: (text) =>
      validate(text).map((problem) => ({
        line: problem.range.start.line + 1,
        col: problem.range.start.character + 1,
        message: typeof problem.message === 'string' ? problem.message : problem.message.value,
      })),
  });
}

export function formatFindings(findings: readonly Finding[]): string {
  const shown = findings.filter((finding) => !finding.suppressed);
  const lines = shown.map((finding) => formatDiagnostic({ location: finding.location, message: `${finding.severity} [${finding.rule}] ${finding.message}` }));
  const count = (severity: string) => shown.filter((finding) => finding.severity === severity).length;
  const suppressed = findings.length - shown.length;
  lines.push(
    `${count('error')} error(s), ${count('warning')} warning(s), ${count('note')} note(s)${suppressed > 0 ? `; ${suppressed} switched off in the manifest` : ''}`,
  );
  return `${lines.join('\n')}\n`;
}

function findingsJson(findings: readonly Finding[]): string {
  const entries = findings.map(({ rule, severity, location, message, image, suppressed }) => ({
    rule,
    severity,
    file: location.file,
    line: location.line,
    col: location.col,
    message,
    ...(image ? { image } : {}),
    ...(suppressed ? { suppressed } : {}),
  }));
  return `${JSON.stringify({ rules: LINT_RULES, findings: entries }, null, 2)}\n`;
}

export async function lintCommand(invocation: Invocation, io: CliIo): Promise<number> {
  const format = stringOption(invocation, 'format') ?? 'text';
  const { family, templates } = loadProject(invocation, io);
  const files = renderFamily(family, templates, lockFor(invocation, family)?.bases);
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format expects text or json, got \`${format}\``);
  const findings = await collectFindings(family, files, manifestDir(invocation), flagOption(invocation, 'production'), io.cwd);
  io.stdout.write(format === 'json' ? findingsJson(findings) : formatFindings(findings));
  return findings.some((finding) => finding.severity === 'error' && !finding.suppressed) ? 1 : 0;
}
