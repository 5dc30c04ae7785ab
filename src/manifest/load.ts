import { isCollection, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import { ManifestError, type Diagnostic, type SourceLocation } from '../errors.js';

/** Larger manifests are refused before parsing: no image family needs more, and it bounds the work. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** YAML aliases expand in place; a few dozen alias levels can blow up to gigabytes ("billion laughs"). */
export const MAX_ALIAS_COUNT = 200;

export type NodePath = readonly (string | number)[];

export interface ManifestSource {
  /** The name errors are reported against, as a person would type it (`images.yaml`). */
  file: string;
  text: string;
}

export interface ParsedManifest {
  file: string;
  data: unknown;
  /** Where the node at `path` starts; `key` points at a mapping key instead of its value. */
  locate(path: NodePath, part?: 'key' | 'value'): SourceLocation;
  /** The node's text as written in the file (`3.10`, where the data holds the number 3.1). */
  sourceOf(path: NodePath): string | undefined;
}

type Locate = (offset: number) => SourceLocation;

/** Larger manifests are refused before parsing. */
function checkSize(file: string, text: string): void {
  const byteLength = Buffer.byteLength(text, 'utf8');
  if (byteLength > MAX_MANIFEST_BYTES) {
    throw new ManifestError([
      {
        location: { file, line: 1, col: 1 },
        message: `the manifest is ${byteLength} bytes; at most ${MAX_MANIFEST_BYTES} are read. Split it or remove what is not needed`,
      },
    ]);
  }
}

/** YAML syntax errors and duplicate keys, each at its place. */
function yamlProblems(document: Document, text: string, at: Locate): Diagnostic[] {
  const problems: Diagnostic[] = document.errors.map((error) => ({
    location: at(error.code === 'MISSING_CHAR' || error.code === 'BAD_INDENT' ? (unclosedOpener(document, error.pos[0]) ?? error.pos[0]) : error.pos[0]),
    message: describeYamlError(error.code, error.message, text.slice(error.pos[0])),
  }));
  problems.push(
    ...findDuplicateKeys(document).map((offset) => ({ location: at(offset), message: describeYamlError('DUPLICATE_KEY', '', text.slice(offset)) })),
  );
  return problems.sort((a, b) => a.location.line - b.location.line || a.location.col - b.location.col);
}

/** The document as plain data; aliases that point nowhere or expand too far are refused. */
function documentData(document: Document, text: string, at: Locate): unknown {
  try {
    return document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const unresolved = error instanceof ReferenceError ? /Unresolved alias[^:]*: (.+)$/.exec(error.message)?.[1] : undefined;
    if (unresolved !== undefined) {
      const offset = text.search(new RegExp(`\\*${unresolved.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![^\\s,\\]}])`));
      throw new ManifestError([{ location: at(Math.max(offset, 0)), message: `the alias \`*${unresolved}\` has no anchor \`&${unresolved}\` before it` }]);
    }
    if (error instanceof ReferenceError || (error instanceof Error && /alias/i.test(error.message))) {
      throw new ManifestError([
        {
          location: at(0),
          message: `YAML aliases expand to too much data (more than ${MAX_ALIAS_COUNT} alias uses); write the values out or use \`extends\``,
        },
      ]);
    }
    throw error;
  }
}

/** Where the node at a path starts: walks the document's mappings and lists as far as the path goes. */
function locator(document: Document, at: Locate): ParsedManifest['locate'] {
  return (path, part = 'value') => {
    let node: unknown = document.contents;
    let offset = (document.contents as Node | null)?.range?.[0] ?? 0;
    for (const [index, segment] of path.entries()) {
      const last = index === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
        if (!pair) break;
        const target = last && part === 'key' ? pair.key : (pair.value ?? pair.key);
        offset = (target as Node).range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment];
        if (item === undefined) break;
        offset = (item as Node).range?.[0] ?? offset;
        node = item;
      } else {
        break;
      }
    }
    return at(offset);
  };
}

/** Parse manifest text into plain data that remembers where each value came from. */
export function parseManifest({ file, text }: ManifestSource): ParsedManifest {
  checkSize(file, text);
  const lineCounter = new LineCounter();
  // yaml's own uniqueKeys check compares each key with every earlier one (quadratic in a 5,000-image map); findDuplicateKeys uses a set.
  const document = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const at: Locate = (offset) => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, col };
  };
  const problems = yamlProblems(document, text, at);
  if (problems.length > 0) throw new ManifestError(problems);
  const data = documentData(document, text, at);
  const sourceOf = (path: NodePath): string | undefined => {
    const node = document.getIn(path, true) as Node | undefined;
    return node?.range ? text.slice(node.range[0], node.range[1]).trim() : undefined;
  };
  return { file, data, locate: locator(document, at), sourceOf };
}

/** Offsets of mapping keys that repeat an earlier key of the same mapping. */
function findDuplicateKeys(document: Document): number[] {
  const offsets: number[] = [];
  visit(document, {
    Map(_key, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (seen.has(key) && (pair.key as Node | null)?.range) offsets.push((pair.key as Node).range![0]);
        seen.add(key);
      }
    },
  });
  return offsets;
}

/** An unclosed quote or flow collection is reported at the end of the file; point at where it opens instead. */
function unclosedOpener(document: Document, errorOffset: number): number | undefined {
  let opener: number | undefined;
  visit(document, (_key, node) => {
    const range = (node as Node).range;
    if (!range || range[0] >= errorOffset) return;
    const open = (isCollection(node) && node.flow) || (isScalar(node) && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE'));
    if (open && range[1] >= errorOffset - 1 && (opener === undefined || range[0] > opener)) opener = range[0];
  });
  return opener;
}

function describeYamlError(code: string, message: string, sourceFromError: string): string {
  if (code === 'DUPLICATE_KEY') {
    const key = /^("[^"]*"|'[^']*'|[^:\s,{}[\]]+)/.exec(sourceFromError)?.[1] ?? sourceFromError.slice(0, 1);
    return `duplicate key \`${key}\`: each key may appear once in a mapping`;
  }
  return `invalid YAML: ${message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`;
}
