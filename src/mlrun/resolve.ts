/**
 * MLRun's image auto-tagging and registry rules (`mlrun.utils.helpers.enrich_image_url`), as a pure function:
 * an MLRun image without a tag gets the images tag (or the client's, or the server's version), with the python
 * suffix MLRun's client asks for (`pythonTagSuffix`: `-py37` for python 3.7 clients of 1.3.x/1.4.x, `-py39` for python
 * 3.9 clients of 1.9.x/1.10.x and of development builds), except `mlrun-kfp`; a bare `python` gets the client's
 * python as its tag; the images registry (MLRun images) or the vendor images registry (other images) is put in front
 * when a pattern of the images-to-enrich list matches. Unlike MLRun, the reference is parsed by the distribution
 * grammar, so a registry port is not a tag.
 */
import { UsageError } from '../errors.js';
import { formatReference, parseReference, TAG } from '../reference.js';
import { isMlrunImage, joinRegistry, versionToTag } from './naming.js';
import { pythonTagSuffix } from './pythons.js';

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

interface ChosenTag {
  tag: string;
  /** The option the version came from, for error messages. */
  source?: string;
}

/** `images_tag or client_version or server_version` (the versions turned into tags); then the python suffix, if asked. */
function chooseTag(options: ResolveOptions, withSuffix: boolean): ChosenTag {
  const candidates: [string, string | undefined][] = [
    ['imagesTag (MLRUN_IMAGES_TAG)', options.imagesTag],
    ['clientVersion', options.clientVersion],
    ['serverVersion', options.serverVersion],
  ];
  for (const [source, version] of candidates) {
    if (version === undefined) continue;
    // As MLRun: the images tag is already a tag and is used as it is; versions are converted.
    const tag = source === candidates[0]![0] ? version : versionToTag(version);
    if (tag !== '') return { tag: withSuffix ? `${tag}${pythonTagSuffix(tag, options.clientPythonVersion)}` : tag, source };
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

  // A bare `python` gets the client's MAJOR.MINOR as its tag (and may then match `python:3.9` of the registry patterns).
  const trimmed = image.trim();
  const client = options.clientPythonVersion;
  const text = trimmed === 'python' && client ? `python:${client.split('.').slice(0, 2).join('.')}` : trimmed;
  const parsed = parseReference(text);
  if (!parsed.ok) throw new UsageError(`the image \`${text}\` is not a valid image reference: ${parsed.problem}`);
  const reference = parsed.reference;

  // MLRun's test, on the text: the repository is mlrun (`mlrun/…`, `<registry>/mlrun/…`, `<anything>/mlrun/…`).
  const mlrunImage = isMlrunImage(text);

  let tagged = text;
  if (mlrunImage && reference.tag === undefined && reference.digest === undefined) {
    // MLRun leaves the python suffix off its mlrun-kfp image (any reference that holds the name).
    const { tag, source } = chooseTag(options, !text.includes('mlrun-kfp'));
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
