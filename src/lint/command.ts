import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { formatDiagnostic, UsageError } from '../errors.js';
import type { Family, GeneratedFiles } from '../family.js';
import { includedRequirementFiles, LINT_RULES, lintFamily, requirementPath, type Finding } from './lint.js';

export interface LintFlags {
  production: boolean;
  format: string;
  cwd: string;
  stdout: { write(text: string): unknown };
}

/** Requirement files the pip layers name, read from each image's build context. */
function readRequirementFiles(family: Family, manifestDir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const image of family.images.values()) {
    for (const layer of [...image.stages.flatMap((stage) => stage.layers), ...image.layers]) {
      if (layer.kind !== 'pip') continue;
      const pending = ((layer.params.requirements as string[] | undefined) ?? []).map((file) => requirementPath(image.spec.context, file));
      for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
        if (files.has(path) || !existsSync(join(manifestDir, path))) continue;
        const text = readFileSync(join(manifestDir, path), 'utf8');
        files.set(path, text);
        pending.push(...includedRequirementFiles(path, text));
      }
    }
  }
  return files;
}

/** Run the lint rules; the pinning rules fail the run (exit 1) with --production. */
export async function collectFindings(
  family: Family,
  files: GeneratedFiles,
  manifestDir: string,
  production: boolean,
  cwd: string,
  images?: readonly string[],
): Promise<Finding[]> {
  const { validate } = await import('dockerfile-utils');
  const outDir = relative(cwd, join(manifestDir, 'generated')) || '.';
  const dockerfiles = new Map([...family.order].map((name) => [name, { path: `${outDir}/${name}/Dockerfile`, text: files.get(`${name}/Dockerfile`) ?? '' }]));
  return lintFamily({
    family,
    production,
    requirementFiles: readRequirementFiles(family, manifestDir),
    dockerfiles,
    ...(images ? { images } : {}),
    shownPath: (path) => relative(cwd, join(manifestDir, path)) || path,
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

export async function lintCommand(family: Family, files: GeneratedFiles, manifestDir: string, flags: LintFlags): Promise<number> {
  if (flags.format !== 'text' && flags.format !== 'json') throw new UsageError(`--format expects text or json, got \`${flags.format}\``);
  const findings = await collectFindings(family, files, manifestDir, flags.production, flags.cwd);
  if (flags.format === 'json') {
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
    flags.stdout.write(`${JSON.stringify({ rules: LINT_RULES, findings: entries }, null, 2)}\n`);
  } else {
    flags.stdout.write(formatFindings(findings));
  }
  return findings.some((finding) => finding.severity === 'error' && !finding.suppressed) ? 1 : 0;
}
