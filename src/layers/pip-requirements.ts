/** Requirement files as pip reads them. */
import { posix } from 'node:path';

export interface RequirementLine {
  line: number;
  /** The requirement, or the file an `-r`/`-c` line includes, or an editable (`-e`) requirement. */
  kind: 'requirement' | 'include' | 'editable';
  text: string;
}

const CONTINUED = /\\\s*$/;

function withoutComment(line: string): string {
  return line.replace(/(^|\s)#.*$/, '');
}

/**
 * A requirement file as pip reads it: `\` continues a line, `#` starts a comment, `--hash` options pin the
 * requirement further, other options are not requirements; `-r`/`-c` include files, `-e` names an editable one.
 */
export function requirementLines(text: string): RequirementLine[] {
  const lines: RequirementLine[] = [];
  const physical = text.split('\n');
  for (let index = 0; index < physical.length; index++) {
    const start = index;
    let logical = withoutComment(physical[index]!);
    // A line ending in `\` goes on in the next one; at the end of the file the `\` is dropped, as pip does.
    while (CONTINUED.test(logical)) {
      logical = logical.replace(CONTINUED, ' ');
      if (index + 1 < physical.length) logical += withoutComment(physical[++index]!);
    }
    const trimmed = logical.replace(/\s--hash[= ]\S+/g, '').trim();
    const include = /^(?:-r|-c|--requirement|--constraint)[= ]\s*(\S+)/.exec(trimmed);
    const editable = /^(?:-e|--editable)[= ]\s*(\S+)/.exec(trimmed);
    if (include) lines.push({ line: start + 1, kind: 'include', text: include[1]! });
    else if (editable) lines.push({ line: start + 1, kind: 'editable', text: editable[1]! });
    else if (trimmed !== '' && !trimmed.startsWith('-')) lines.push({ line: start + 1, kind: 'requirement', text: trimmed });
  }
  return lines;
}

/** The file an include line names, relative to the manifest's folder as the including file `path` is (or absolute). */
export function includedPath(path: string, include: string): string {
  return posix.isAbsolute(include) ? posix.normalize(include) : posix.normalize(posix.join(posix.dirname(path), include));
}

/** Files a requirement file includes, relative to the manifest's folder as it is itself. */
export function includedRequirementFiles(path: string, text: string): string[] {
  return requirementLines(text)
    .filter((line) => line.kind === 'include')
    .map((line) => includedPath(path, line.text));
}
