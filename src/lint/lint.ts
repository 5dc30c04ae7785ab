/** lint: findings from the resolved family, the files its layers read and its generated Dockerfiles. Pure. */
import { withBuildArgValues } from '../dockerfile/build-args.js';
import type { SourceLocation } from '../errors.js';
import type { Family } from '../family/family.js';
import { layerKind } from '../layers/index.js';
import { LINT_RULES, type RuleId } from '../manifest/lint-rules.js';
import type { NodePath } from '../manifest/load.js';
import { isMlrunImage } from '../mlrun/naming.js';
import { parseReference } from '../reference.js';

export { LINT_RULES, RULE_IDS, type RuleId } from '../manifest/lint-rules.js';

export type Severity = 'error' | 'warning' | 'note';

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
  /** Files the layers read for lint (requirement files), by path from the manifest's folder; missing ones are absent. */
  files: ReadonlyMap<string, string>;
  /** Files lint would not read because they lie outside the image's build context, by path from the manifest's folder. */
  outside?: ReadonlySet<string>;
  /** The generated Dockerfiles by image name, with their path for messages. */
  dockerfiles: ReadonlyMap<string, { path: string; text: string }>;
  /** dockerfile-utils' validate, passed in so this stays pure. */
  validateDockerfile(text: string): { line: number; col: number; message: string }[];
  /** Lint only these images (a build of some images); default: all. */
  images?: readonly string[];
  /** How a file's path is shown (relative to where the command runs); default: as it is. */
  shownPath?: (path: string) => string;
  /** An image's build context, relative to the manifest's folder; default: its `context`. */
  contextOf?: (image: string) => string | undefined;
}

/** Findings of the pinning rules are warnings, errors with `--production`; a missing file is always an error. */
function severityOf(rule: RuleId, production: boolean): Severity {
  if (rule === 'apt-unpinned') return 'note';
  return rule === 'missing-file' || rule === 'outside-context' || (production && LINT_RULES[rule].pinning) ? 'error' : 'warning';
}

type Report = (rule: RuleId, where: NodePath | SourceLocation, message: string, part?: 'key' | 'value') => void;

/** base-unpinned and mlrun-base-untagged, for the image and its stages. */
function lintBases(family: Family, name: string, report: Report): void {
  for (const { reference, path } of family.graph.basesOf(name)) {
    const shown = withBuildArgValues(reference, family.values);
    const parsed = parseReference(shown);
    if (!parsed.ok || parsed.reference.digest) continue;
    const { tag } = parsed.reference;
    if (!tag && isMlrunImage(shown)) {
      report(
        'mlrun-base-untagged',
        path,
        `base \`${shown}\` has no tag: MLRun would tag it with the client version, so an upgrade changes the image; pin it (\`${shown}:1.7.0\`)`,
      );
    } else if (!tag || tag === 'latest') {
      report(
        'base-unpinned',
        path,
        `base \`${shown}\` is ${tag ? 'tagged `latest`' : 'not tagged'}: pin a tag, and lock its digest with \`mlrun-images lock\``,
      );
    }
  }
}

/**
 * An inherited layer is reported once, at the place it is written: for the first image that has it,
 * unless that image switches the rule off and another does not. Sorted by place.
 */
function uniqueFindings(findings: readonly Finding[]): Finding[] {
  const unique = new Map<string, Finding>();
  for (const finding of findings) {
    const key = `${finding.rule}@${finding.location.file}:${finding.location.line}:${finding.location.col}:${finding.message}`;
    const kept = unique.get(key);
    if (!kept || (kept.suppressed && !finding.suppressed)) unique.set(key, finding);
  }
  const byFile = (a: Finding, b: Finding) => (a.location.file < b.location.file ? -1 : a.location.file > b.location.file ? 1 : 0);
  return [...unique.values()].sort((a, b) => byFile(a, b) || a.location.line - b.location.line || a.location.col - b.location.col);
}

/** lint: every finding of the selected images, each once. */
export function lintFamily({
  family,
  production,
  files,
  outside = new Set(),
  dockerfiles,
  validateDockerfile,
  images = family.order,
  shownPath = (path) => path,
  contextOf = (image) => family.graph.image(image).spec.context,
}: LintInputs): Finding[] {
  const findings: Finding[] = [];
  const { manifest, graph } = family;
  for (const name of graph.order.filter((name) => images.includes(name))) {
    const image = graph.image(name);
    const ignored = image.spec.lint ?? {};
    const report: Report = (rule, where, message, part = 'value') => {
      const location = Array.isArray(where) ? manifest.locate(where, part) : (where as SourceLocation);
      findings.push({ rule, severity: severityOf(rule, production), location, message, image: name, ...(ignored[rule] ? { suppressed: ignored[rule] } : {}) });
    };
    lintBases(family, name, report);
    for (const layer of graph.layersOf(name)) {
      layerKind(layer.kind).lint?.(layer, { values: family.values, context: contextOf(name), files, outside, shownPath, report });
    }
    const dockerfile = dockerfiles.get(name);
    for (const problem of dockerfile ? validateDockerfile(dockerfile.text) : []) {
      report('dockerfile', { file: dockerfile!.path, line: problem.line, col: problem.col }, problem.message);
    }
  }
  return uniqueFindings(findings);
}
