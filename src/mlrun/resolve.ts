/**
 * MLRun's image auto-tagging and registry rules (`mlrun.utils.helpers.enrich_image_url`), as a pure function:
 * an MLRun image without a tag gets the images tag (or the client's, or the server's version), with `-py37`
 * for python 3.7 clients of MLRun 1.3.x/1.4.x and of development builds; the images registry (MLRun images)
 * or the vendor images registry (other images) is put in front when a pattern of the images-to-enrich list
 * matches. Unlike MLRun, the reference is parsed by the distribution grammar, so a registry port is not a tag.
 */
import { UsageError } from '../errors.js';
import { formatReference, parseReference, TAG } from '../reference.js';
import { isDevelopmentTag, isMlrunImage, joinRegistry, versionToTag } from './naming.js';

export interface ResolveOptions {
  /** `config.images_tag` (MLRUN_IMAGES_TAG). */
  imagesTag?: string;
  clientVersion?: string;
  clientPythonVersion?: string;
  serverVersion?: string;
  /** MLRUN_IMAGES_REGISTRY: put in front of MLRun images. */
  imagesRegistry?: string;
  /** MLRUN_VENDOR_IMAGES_REGISTRY: put in front of other images. */
  vendorImagesRegistry?: string;
  /** MLRUN_IMAGES_TO_ENRICH_REGISTRY: comma-separated Python regular expressions; default {@link DEFAULT_IMAGES_TO_ENRICH_REGISTRY}. */
  imagesToEnrichRegistry?: string;
}

export const DEFAULT_IMAGES_TO_ENRICH_REGISTRY = '^mlrun/*,python:3.9';

// ---------------------------------------------------------------------------------------------------------------
// Semantic versions (https://semver.org), enough to order them by precedence.

export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  /** Dot-separated pre-release identifiers; empty for a release. */
  prerelease: string[];
  /** Build metadata identifiers; they play no part in precedence. */
  build: string[];
}

const NUMERIC = '0|[1-9]\\d*';
const PRERELEASE_IDENTIFIER = `(?:${NUMERIC}|\\d*[a-zA-Z-][0-9a-zA-Z-]*)`;
const SEMVER = new RegExp(
  `^(${NUMERIC})\\.(${NUMERIC})\\.(${NUMERIC})` +
    `(?:-(${PRERELEASE_IDENTIFIER}(?:\\.${PRERELEASE_IDENTIFIER})*))?` +
    `(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$`,
);

/** The version, or undefined when the text is not a semantic version (`1.4`, `v1.4.0`, `01.4.0` are not). */
export function parseSemver(text: string): SemVer | undefined {
  const match = SEMVER.exec(text);
  if (!match) return undefined;
  const [, major, minor, patch, prerelease, build] = match;
  const numbers = [major!, minor!, patch!].map(Number);
  if (!numbers.every(Number.isSafeInteger)) return undefined;
  return {
    major: numbers[0]!,
    minor: numbers[1]!,
    patch: numbers[2]!,
    prerelease: prerelease === undefined ? [] : prerelease.split('.'),
    build: build === undefined ? [] : build.split('.'),
  };
}

const sign = (difference: number): number => (difference < 0 ? -1 : difference > 0 ? 1 : 0);
const isNumeric = (identifier: string): boolean => /^\d+$/.test(identifier);

function compareIdentifiers(a: string, b: string): number {
  const aNumeric = isNumeric(a);
  const bNumeric = isNumeric(b);
  if (aNumeric && bNumeric) return sign(Number(a) - Number(b));
  if (aNumeric !== bNumeric) return aNumeric ? -1 : 1; // numeric identifiers sort before alphanumeric ones
  return a < b ? -1 : a > b ? 1 : 0; // ASCII order
}

/** Precedence: negative when `a` comes before `b`, 0 when they are equal (build metadata ignored), positive after. */
export function compareSemver(a: SemVer, b: SemVer): number {
  const core = sign(a.major - b.major) || sign(a.minor - b.minor) || sign(a.patch - b.patch);
  if (core !== 0) return core;
  // A release comes after every pre-release of the same version.
  if (a.prerelease.length === 0 || b.prerelease.length === 0) return sign(b.prerelease.length - a.prerelease.length);
  const shared = Math.min(a.prerelease.length, b.prerelease.length);
  for (let i = 0; i < shared; i++) {
    const order = compareIdentifiers(a.prerelease[i]!, b.prerelease[i]!);
    if (order !== 0) return order;
  }
  // Equal so far: the longer list of identifiers comes after.
  return sign(a.prerelease.length - b.prerelease.length);
}

// ---------------------------------------------------------------------------------------------------------------
// The tag.

/** `1.3.0-X` and `1.5.0-X`: MLRun's bounds, pre-releases so that the release candidates of 1.3.0 are in and those of 1.5.0 out. */
const PY37_FROM = parseSemver('1.3.0-X')!;
const PY37_BEFORE = parseSemver('1.5.0-X')!;

/**
 * `-py37` when the client runs python 3.7 and the MLRun version (already an image tag) is a development one
 * (`0.0.0-…` or containing `unstable`) or lies in [1.3.0-X, 1.5.0-X); otherwise empty. A version that is not
 * semver gets no suffix (MLRun raises for it).
 */
export function pythonTagSuffix(mlrunVersion: string | undefined, pythonVersion: string | undefined): string {
  if (!mlrunVersion || !pythonVersion) return '';
  const py37 = pythonVersion.startsWith('3.7');
  if (isDevelopmentTag(mlrunVersion)) return py37 ? '-py37' : '';
  const version = parseSemver(mlrunVersion);
  if (version === undefined) return '';
  return py37 && compareSemver(version, PY37_FROM) >= 0 && compareSemver(version, PY37_BEFORE) < 0 ? '-py37' : '';
}

interface ChosenTag {
  tag: string;
  /** The option the version came from, for error messages. */
  source?: string;
}

/** `images_tag or client_version or server_version` (the versions turned into tags); then the python suffix. */
function chooseTag(options: ResolveOptions): ChosenTag {
  const candidates: [string, string | undefined][] = [
    ['imagesTag (MLRUN_IMAGES_TAG)', options.imagesTag],
    ['clientVersion', options.clientVersion],
    ['serverVersion', options.serverVersion],
  ];
  for (const [source, version] of candidates) {
    if (version === undefined) continue;
    // As MLRun: the images tag is already a tag and is used as it is; versions are converted.
    const tag = source === candidates[0]![0] ? version : versionToTag(version);
    if (tag !== '') return { tag: `${tag}${pythonTagSuffix(tag, options.clientPythonVersion)}`, source };
  }
  return { tag: '' };
}

// ---------------------------------------------------------------------------------------------------------------
// The registry patterns: Python regular expressions, matched as `re.match` does.

/**
 * Python's regular-expression syntax in JavaScript's, for what differs and is likely in a pattern list:
 * `(?P<name>…)` → `(?<name>…)`, `(?P=name)` → `\k<name>`, `\A` → `^`, `\Z` → `$`, and a `]` first in a
 * character class (a literal in Python, the end of an empty class in JavaScript) → `\]`.
 * What JavaScript cannot express, it rejects, and the pattern is reported.
 */
export function pythonToJsPattern(pattern: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '\\') {
      const next = pattern[i + 1];
      if (next === undefined) {
        out += char;
      } else {
        out += !inClass && next === 'A' ? '^' : !inClass && next === 'Z' ? '$' : `\\${next}`;
        i++;
      }
    } else if (inClass) {
      out += char;
      if (char === ']') inClass = false;
    } else if (char === '[') {
      inClass = true;
      out += char;
      if (pattern[i + 1] === '^') out += pattern[++i];
      if (pattern[i + 1] === ']') {
        out += '\\]';
        i++;
      }
    } else if (pattern.startsWith('(?P<', i)) {
      out += '(?<';
      i += '(?P<'.length - 1;
    } else if (pattern.startsWith('(?P=', i)) {
      const close = pattern.indexOf(')', i);
      if (close === -1) {
        out += pattern.slice(i); // unterminated: left for the RegExp constructor to reject
        break;
      }
      out += `\\k<${pattern.slice(i + '(?P='.length, close)}>`;
      i = close;
    } else {
      out += char;
    }
  }
  return out;
}

/** The comma-separated patterns, trimmed, empty items skipped, each compiled to match at the start only (sticky). */
function compilePatterns(list: string): RegExp[] {
  const patterns: RegExp[] = [];
  for (const item of list.split(',')) {
    const pattern = item.trim();
    if (pattern === '') continue;
    try {
      patterns.push(new RegExp(pythonToJsPattern(pattern), 'y'));
    } catch (error) {
      const reason = (error as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
      throw new UsageError(`imagesToEnrichRegistry (MLRUN_IMAGES_TO_ENRICH_REGISTRY): the pattern \`${pattern}\` is not a valid regular expression: ${reason}`);
    }
  }
  return patterns;
}

/** Python's `re.match`: a match that starts at the start of the text, wherever it ends. */
function matchesAtStart(pattern: RegExp, text: string): boolean {
  pattern.lastIndex = 0;
  return pattern.test(text);
}

// ---------------------------------------------------------------------------------------------------------------

/** The image as MLRun would run it: the tag added to an untagged MLRun image, the registry put in front. */
export function resolveImage(image: string, options: ResolveOptions): string {
  const patterns = compilePatterns(options.imagesToEnrichRegistry ?? DEFAULT_IMAGES_TO_ENRICH_REGISTRY);

  const text = image.trim();
  const parsed = parseReference(text);
  if (!parsed.ok) throw new UsageError(`the image \`${text}\` is not a valid image reference: ${parsed.problem}`);
  const reference = parsed.reference;

  // MLRun's test, on the text: the repository is mlrun (`mlrun/…`, `<registry>/mlrun/…`, `<anything>/mlrun/…`).
  const mlrunImage = isMlrunImage(text);

  let tagged = text;
  if (mlrunImage && reference.tag === undefined && reference.digest === undefined) {
    const { tag, source } = chooseTag(options);
    if (tag !== '') {
      if (!TAG.test(tag)) {
        throw new UsageError(`${source}: \`${tag}\` cannot be an image tag (for \`${text}\`): up to 128 letters, digits, _ . -, not starting with . or -`);
      }
      tagged = formatReference({ ...reference, tag });
    }
  }

  const [registryOption, registry] = mlrunImage
    ? ['imagesRegistry (MLRUN_IMAGES_REGISTRY)', options.imagesRegistry]
    : ['vendorImagesRegistry (MLRUN_VENDOR_IMAGES_REGISTRY)', options.vendorImagesRegistry];
  if (!registry || !patterns.some((pattern) => matchesAtStart(pattern, tagged))) return tagged;

  const resolved = joinRegistry(registry, tagged);
  const check = parseReference(resolved);
  if (!check.ok) {
    throw new UsageError(
      `${registryOption}: \`${registry}\` in front of \`${tagged}\` makes \`${resolved}\`, which is not a valid image reference: ${check.problem}`,
    );
  }
  return resolved;
}
