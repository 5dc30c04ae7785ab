import { posix } from 'node:path';
import type { SourceLocation } from '../errors.js';
import type { Family } from '../family.js';
import { paramPath } from '../graph/inherit.js';
import { parseReference } from '../reference.js';
import { withBuildArgValues } from '../config/variables.js';

export type Severity = 'error' | 'warning' | 'note';

/** Every rule: its id, what it checks in one line (the README's table), and whether it is about pinning. */
export const LINT_RULES = {
  'base-unpinned': { pinning: true, summary: 'an external base image without a tag, or tagged `latest`' },
  'mlrun-base-untagged': { pinning: true, summary: 'an MLRun image used as a base without a tag: MLRun would tag it with the client version' },
  'pip-unpinned': { pinning: true, summary: 'a pip requirement (inline or in a requirement file) not pinned with `==`' },
  'version-unpinned': { pinning: true, summary: 'a Miniconda or OpenMPI version left open (`latest`, a wildcard, a range, or none)' },
  'mlrun-unpinned': { pinning: true, summary: 'the mlrun layer installs the development branch (MLRUN_VERSION is `unstable` or `0.0.0…`)' },
  'moving-ref': {
    pinning: true,
    summary: "a git branch (`development`, `master`, `main`) cloned or downloaded in a run command, or as the mlrun layer's `git_ref`",
  },
  'missing-file': { pinning: false, summary: 'a requirement file that does not exist (an error: the build would fail)' },
  'apt-unpinned': { pinning: false, summary: 'an apt package without a version (a note only: Debian drops old versions, so pins break builds)' },
  dockerfile: { pinning: false, summary: 'a problem dockerfile-utils finds in a generated Dockerfile' },
} as const;

export type RuleId = keyof typeof LINT_RULES;
export const RULE_IDS = Object.keys(LINT_RULES) as RuleId[];

export interface Finding {
  rule: RuleId;
  severity: Severity;
  location: SourceLocation;
  message: string;
  image?: string;
  /** Set when the image switches this rule off in the manifest: the reason it gives. */
  suppressed?: string;
}

export interface LintInputs {
  family: Family;
  production: boolean;
  /** Requirement files by path relative to the manifest's folder (see requirementPath); missing ones are absent. */
  requirementFiles: ReadonlyMap<string, string>;
  /** The generated Dockerfiles by image name, with their path for messages. */
  dockerfiles: ReadonlyMap<string, { path: string; text: string }>;
  /** dockerfile-utils' validate, passed in so this stays pure. */
  validateDockerfile(text: string): { line: number; col: number; message: string }[];
  /** Lint only these images (a build of some images); default: all. */
  images?: readonly string[];
  /** How a requirement file's path is shown (relative to where the command runs); default: as it is. */
  shownPath?: (path: string) => string;
}

const OPEN_VERSION = /^$|latest|[*<>~^!]|,/;
const DEVELOPMENT_VERSION = /^0\.0\.0|unstable/;
const MOVING_BRANCH = /^(?:development|develop|master|main)$/;
const MOVING_REF =
  /(?:--branch[= ]|-b )["']?(development|develop|master|main)\b|\/archive\/(?:refs\/heads\/)?(development|develop|master|main)\.(?:tar\.gz|zip)/;
const PINNED_REQUIREMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?\s*===?\s*[A-Za-z0-9.+!_-]+\s*(;.*)?$/;

/** A requirement file's path relative to the manifest's folder: files are named relative to the build context. */
export function requirementPath(context: string | undefined, file: string): string {
  return posix.normalize(posix.join(context ?? '.', file));
}

export interface RequirementLine {
  line: number;
  /** The requirement, or the file an `-r`/`-c` line includes, or an editable (`-e`) requirement. */
  kind: 'requirement' | 'include' | 'editable';
  text: string;
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
    let logical = physical[index]!.replace(/(^|\s)#.*$/, '');
    while (/\\\s*$/.test(logical) && index + 1 < physical.length) logical = logical.replace(/\\\s*$/, ' ') + physical[++index]!.replace(/(^|\s)#.*$/, '');
    const trimmed = logical.replace(/\s--hash[= ]\S+/g, '').trim();
    const include = /^(?:-r|-c|--requirement|--constraint)[= ]\s*(\S+)/.exec(trimmed);
    const editable = /^(?:-e|--editable)[= ]\s*(\S+)/.exec(trimmed);
    if (include) lines.push({ line: start + 1, kind: 'include', text: include[1]! });
    else if (editable) lines.push({ line: start + 1, kind: 'editable', text: editable[1]! });
    else if (trimmed !== '' && !trimmed.startsWith('-')) lines.push({ line: start + 1, kind: 'requirement', text: trimmed });
  }
  return lines;
}

/** Files a requirement file includes, relative to the manifest's folder as it is itself. */
export function includedRequirementFiles(path: string, text: string): string[] {
  return requirementLines(text)
    .filter((line) => line.kind === 'include')
    .map((line) => posix.normalize(posix.join(posix.dirname(path), line.text)));
}

/** lint: findings from the resolved family, its requirement files and its generated Dockerfiles. */
export function lintFamily({
  family,
  production,
  requirementFiles,
  dockerfiles,
  validateDockerfile,
  images = family.order,
  shownPath = (path) => path,
}: LintInputs): Finding[] {
  const findings: Finding[] = [];
  const { manifest } = family;
  const severityOf = (rule: RuleId): Severity =>
    rule === 'apt-unpinned' ? 'note' : rule === 'missing-file' || (production && LINT_RULES[rule].pinning) ? 'error' : 'warning';

  for (const name of family.order.filter((name) => images.includes(name))) {
    const image = family.images.get(name)!;
    const ignored = image.spec.lint ?? {};
    const add = (rule: RuleId, location: SourceLocation, message: string) =>
      findings.push({ rule, severity: severityOf(rule), location, message, image: name, ...(ignored[rule] ? { suppressed: ignored[rule] } : {}) });
    const at = (path: readonly (string | number)[]) => manifest.locate(path);

    const bases: { reference: string; path: readonly (string | number)[] }[] = [
      ...(image.spec.base !== undefined ? [{ reference: image.spec.base, path: image.paths.base! }] : []),
      ...image.stages.map((stage) => ({ reference: stage.base, path: [...stage.path, 'base'] })),
    ];
    for (const { reference, path } of bases) {
      const shown = withBuildArgValues(reference, family.values);
      const parsed = parseReference(shown);
      if (!parsed.ok || parsed.reference.digest) continue;
      const { path: repository, tag } = parsed.reference;
      const mlrunImage = repository.startsWith('mlrun/') || repository.includes('/mlrun/') || `/${shown}`.includes('/mlrun/');
      if (!tag && mlrunImage)
        add(
          'mlrun-base-untagged',
          at(path),
          `base \`${shown}\` has no tag: MLRun would tag it with the client version, so an upgrade changes the image; pin it (\`${shown}:1.7.0\`)`,
        );
      else if (!tag || tag === 'latest')
        add(
          'base-unpinned',
          at(path),
          `base \`${shown}\` is ${tag ? 'tagged `latest`' : 'not tagged'}: pin a tag, and lock its digest with \`mlrun-images lock\``,
        );
    }

    for (const layer of [...image.stages.flatMap((stage) => stage.layers), ...image.layers]) {
      const { kind, params, path } = layer;
      if (kind === 'pip') {
        ((params.packages as string[] | undefined) ?? []).forEach((spec, index) => {
          const text = withBuildArgValues(spec, family.values);
          if (!PINNED_REQUIREMENT.test(text))
            add('pip-unpinned', at([...paramPath(layer, 'packages'), index]), `pip requirement \`${text}\` is not pinned with ==`);
        });
        const seen = new Set<string>();
        const lintFile = (path: string, includedFrom: SourceLocation) => {
          if (seen.has(path)) return;
          seen.add(path);
          const text = requirementFiles.get(path);
          if (text === undefined) {
            add('missing-file', includedFrom, `requirement file \`${path}\` does not exist: the build would fail to copy it`);
            return;
          }
          for (const entry of requirementLines(text)) {
            const location = { file: shownPath(path), line: entry.line, col: 1 };
            if (entry.kind === 'include') lintFile(posix.normalize(posix.join(posix.dirname(path), entry.text)), location);
            else if (entry.kind === 'editable' && !/@[0-9a-f]{40}(#|$)/.test(entry.text))
              add('pip-unpinned', location, `editable requirement \`${entry.text}\` follows a branch: pin a commit (…@<40 hex digits>) or a release with ==`);
            else if (entry.kind === 'requirement' && !PINNED_REQUIREMENT.test(entry.text))
              add('pip-unpinned', location, `pip requirement \`${entry.text}\` is not pinned with ==`);
          }
        };
        ((params.requirements as string[] | undefined) ?? []).forEach((file, index) =>
          lintFile(requirementPath(image.spec.context, file), at([...paramPath(layer, 'requirements'), index])),
        );
      }
      if (kind === 'miniconda' && OPEN_VERSION.test(String(params.version ?? ''))) {
        add(
          'version-unpinned',
          at(paramPath(layer, 'version')),
          `Miniconda version \`${String(params.version)}\` is left open: pin a release (py39_23.11.0-1)`,
        );
      }
      if (
        kind === 'openmpi' &&
        params.source !== 'apt' &&
        (OPEN_VERSION.test(String(params.version ?? '')) || !/^\d+\.\d+\.\d+/.test(String(params.version)))
      ) {
        const where = params.version === undefined ? manifest.locate(path, 'key') : at(paramPath(layer, 'version'));
        add(
          'version-unpinned',
          where,
          `OpenMPI version \`${String(params.version ?? '')}\` is left open (conda reads 4.1 as 4.1.*): pin all three parts (4.1.5)`,
        );
      }
      if (kind === 'run') {
        ((params.commands as string[] | undefined) ?? []).forEach((command, index) => {
          const branch = MOVING_REF.exec(withBuildArgValues(command, family.values))?.slice(1).find(Boolean);
          if (branch)
            add(
              'moving-ref',
              at([...paramPath(layer, 'commands'), index]),
              `this command fetches the branch \`${branch}\`, which moves: use a tag or a commit`,
            );
        });
      }
      if (kind === 'mlrun' && MOVING_BRANCH.test(String(params.git_ref ?? '')) && DEVELOPMENT_VERSION.test(family.values.MLRUN_VERSION ?? '')) {
        add(
          'moving-ref',
          at(paramPath(layer, 'git_ref')),
          `the mlrun layer's git_ref \`${String(params.git_ref)}\` is a branch, which moves: use a tag or a commit`,
        );
      }
      if (kind === 'mlrun' && DEVELOPMENT_VERSION.test(family.values.MLRUN_VERSION ?? '')) {
        add(
          'mlrun-unpinned',
          manifest.locate(path, 'key'),
          `the mlrun layer installs the development branch from git (MLRUN_VERSION is \`${family.values.MLRUN_VERSION}\`); build a release (MLRUN_VERSION=1.7.0)`,
        );
      }
      if (kind === 'apt') {
        const open = ((params.packages as string[] | undefined) ?? []).filter((pkg) => !pkg.includes('='));
        if (open.length > 0) {
          add(
            'apt-unpinned',
            at(paramPath(layer, 'packages')),
            `${open.length} apt package(s) without a version (${open.join(', ')}); that is fine: Debian drops old versions, so pins would break later builds`,
          );
        }
      }
    }

    const dockerfile = dockerfiles.get(name);
    if (dockerfile) {
      for (const problem of validateDockerfile(dockerfile.text)) {
        add('dockerfile', { file: dockerfile.path, line: problem.line, col: problem.col }, problem.message);
      }
    }
  }
  // An inherited layer is reported once, at the place it is written: for the first image that has it,
  // unless that image switches the rule off and another does not.
  const unique = new Map<string, Finding>();
  for (const finding of findings) {
    const key = `${finding.rule}@${finding.location.file}:${finding.location.line}:${finding.location.col}:${finding.message}`;
    const kept = unique.get(key);
    if (!kept || (kept.suppressed && !finding.suppressed)) unique.set(key, finding);
  }
  return [...unique.values()].sort(
    (a, b) =>
      (a.location.file < b.location.file ? -1 : a.location.file > b.location.file ? 1 : 0) ||
      a.location.line - b.location.line ||
      a.location.col - b.location.col,
  );
}
