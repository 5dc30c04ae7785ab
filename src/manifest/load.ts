import {
  type Alias,
  Composer,
  isAlias,
  isCollection,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  Lexer,
  LineCounter,
  type Pair,
  Parser,
  visit,
  YAMLParseError,
  type Document,
  type Node,
  type YAMLMap,
} from 'yaml';
import { ManifestError, type Diagnostic, type SourceLocation } from '../errors.js';
import { grouped, MAX_EXPANDED_NODES, MAX_FLOW_DEPTH, MAX_MANIFEST_BYTES, MAX_WRITTEN_NODES } from './limits.js';

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
const SOURCE_AFTER_PROBLEM = 1024;

function yamlProblems(document: Document, facts: DocumentFacts, text: string, at: Locate): Diagnostic[] {
  // What follows a problem is read for the key it names: a bounded slice, so many problems stay linear.
  const after = (offset: number) => text.slice(offset, offset + SOURCE_AFTER_PROBLEM);
  const problems: Diagnostic[] = document.errors.map((error) => ({
    location: at(error.code === 'MISSING_CHAR' || error.code === 'BAD_INDENT' ? (unclosedOpener(document, error.pos[0]) ?? error.pos[0]) : error.pos[0]),
    message: describeYamlError(error.code, error.message, after(error.pos[0])),
  }));
  // Not push(...list): hundreds of thousands of duplicate keys would overflow the call stack.
  for (const { offset, code } of facts.keyProblems) problems.push({ location: at(offset), message: describeYamlError(code, '', after(offset)) });
  const version = document.directives?.yaml.version ?? '1.2';
  if (version !== '1.2') {
    problems.push({
      location: at(Math.max(0, text.search(/^%YAML/m))),
      message: `\`%YAML ${version}\` reads values by older rules (\`y\` and \`on\` are true, \`<<\` merges mappings); a manifest is YAML 1.2: remove the line`,
    });
  }
  return problems.sort((a, b) => a.location.line - b.location.line || a.location.col - b.location.col);
}

/**
 * Each alias's node: the last node before it with its anchor (yaml's own lookup walks the document again for every
 * alias, which is quadratic in their number); an alias with no anchor before it maps to undefined.
 */
type AliasTargets = Map<Alias, Node | undefined>;

/**
 * What one walk over the parsed document finds: where each alias points, keys and tags a manifest does not use, and
 * how many values it holds as written (aliases not expanded).
 */
interface DocumentFacts {
  aliases: AliasTargets;
  writtenSize: number;
  keyProblems: { offset: number; code: 'DUPLICATE_KEY' | 'COLLECTION_KEY' | 'TAG' }[];
}

/** One pre-order walk in document order (a pair's key before its value), as yaml's `visit` goes, without its paths. */
function documentFacts(document: Document): DocumentFacts {
  const anchors = new Map<string, Node>();
  const facts: DocumentFacts = { aliases: new Map(), writtenSize: 0, keyProblems: [] };
  // Counted as `expandedSize` counts: a collection and each scalar (or missing key or value) one, a pair its two sides.
  const walk = (node: unknown): void => {
    if (!isNode(node)) {
      facts.writtenSize++;
      return;
    }
    if (isAlias(node)) {
      facts.aliases.set(node, anchors.get(node.source));
      return;
    }
    facts.writtenSize++;
    if (node.anchor !== undefined) anchors.set(node.anchor, node);
    // `!!str 3.10` keeps a value a string; any other tag (`!!binary`, `!custom`, `!!set`) makes data no manifest uses.
    if (node.tag !== undefined && node.tag !== 'tag:yaml.org,2002:str' && node.range) facts.keyProblems.push({ offset: node.range[0], code: 'TAG' });
    if (isSeq(node)) for (const item of node.items) walk(item);
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const offset = (pair.key as Node | null)?.range?.[0] ?? (pair.value as Node | null)?.range?.[0];
        if (offset !== undefined) {
          if (pair.key !== null && !isScalar(pair.key)) facts.keyProblems.push({ offset, code: 'COLLECTION_KEY' });
          const key = keyText(pair.key);
          if (seen.has(key)) facts.keyProblems.push({ offset, code: 'DUPLICATE_KEY' });
          seen.add(key);
        }
        walk(pair.key);
        walk(pair.value);
      }
    }
  };
  walk(document.contents);
  return facts;
}

/** How many values the document holds with its aliases expanded; counting stops past the limit. */
function expandedSize(document: Document, limit: number, targets: AliasTargets): number {
  const sizes = new WeakMap<object, number>();
  const sizeOf = (node: unknown): number => {
    if (node === null || typeof node !== 'object') return 1;
    const known = sizes.get(node);
    if (known !== undefined) return known;
    sizes.set(node, limit + 1); // an alias back into itself is as large as can be
    let size = 1;
    if (isAlias(node)) size = sizeOf(targets.get(node));
    else if (isPair(node)) size = sizeOf(node.key) + sizeOf(node.value);
    else if (isCollection(node)) for (const item of node.items) if (size <= limit) size += sizeOf(item);
    sizes.set(node, Math.min(size, limit + 1));
    return Math.min(size, limit + 1);
  };
  return sizeOf(document.contents);
}

/**
 * The document as plain data, as yaml's `toJS` makes it (an aliased list or mapping is the same object at each alias),
 * in one walk. Aliases that point nowhere or expand too far are refused.
 */
function documentData(document: Document, { aliases: targets, writtenSize }: DocumentFacts, at: Locate): unknown {
  const unresolved = [...targets].filter(([, target]) => target === undefined).map(([alias]) => alias);
  if (unresolved.length > 0) {
    throw new ManifestError(
      unresolved.map((alias) => ({
        location: at(alias.range?.[0] ?? 0),
        message: `the alias \`*${alias.source}\` has no anchor \`&${alias.source}\` before it`,
      })),
    );
  }
  const size = targets.size === 0 ? writtenSize : expandedSize(document, MAX_EXPANDED_NODES, targets);
  if (size > MAX_EXPANDED_NODES) {
    throw new ManifestError([
      {
        location: at(0),
        message: `YAML aliases expand to too much data (more than ${grouped(MAX_EXPANDED_NODES)} values); write the values out or use \`extends\``,
      },
    ]);
  }
  // Only a node with an anchor is reached more than once (through its aliases): it is converted once, and shared.
  const converted = new Map<Node, unknown>();
  const dataOf = (node: unknown): unknown => {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return dataOf(targets.get(node));
    if ((node as Node).anchor === undefined) return convert(node as Node);
    if (!converted.has(node as Node)) converted.set(node as Node, convert(node as Node));
    return converted.get(node as Node);
  };
  const convert = (node: Node): unknown => {
    if (isScalar(node)) return node.value;
    if (isSeq(node)) return node.items.map(dataOf);
    const object: Record<string, unknown> = {};
    for (const pair of (node as YAMLMap).items) {
      const key = keyText(pair.key);
      const value = dataOf(pair.value);
      // `__proto__` as a key is a property like any other, not the object's prototype.
      if (key === '__proto__') Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
      else object[key] = value;
    }
    return object;
  };
  return dataOf(document.contents);
}

/** A key as it becomes a property name in the data: `1`, `"1"` and `1.0`… each as JavaScript writes it. */
function keyText(key: unknown): string {
  if (key === null || key === undefined) return '';
  if (isScalar(key)) return key.value === null ? '' : String(key.value);
  return String(key);
}

/**
 * Where the node at a path starts: walks the document's mappings and lists as far as the path goes. Each mapping's
 * keys are indexed the first time it is walked, so locating many problems stays linear.
 */
function locator(document: Document, at: Locate): ParsedManifest['locate'] {
  const indexes = new WeakMap<YAMLMap, Map<string, Pair>>();
  const pairOf = (map: YAMLMap, segment: string | number): Pair | undefined => {
    let index = indexes.get(map);
    if (!index) {
      index = new Map();
      for (const item of map.items) if (isPair(item) && isScalar(item.key) && !index.has(keyText(item.key))) index.set(keyText(item.key), item);
      indexes.set(map, index);
    }
    return index.get(String(segment));
  };
  return (path, part = 'value') => {
    let node: unknown = document.contents;
    let offset = (document.contents as Node | null)?.range?.[0] ?? 0;
    for (const [index, segment] of path.entries()) {
      const last = index === path.length - 1;
      if (isMap(node)) {
        const pair = pairOf(node, segment);
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

const LEXER_MARKERS = new Set(['\x02', '\x18', '\x1f']);

/**
 * A token of yaml's lexer that makes one node: a plain scalar (after its marker), a quoted one, an alias, a block
 * scalar, a list or mapping in brackets, a list item (`-`, empty or not) or an explicit key (`?`).
 */
function isNodeToken(token: string): boolean {
  const first = token[0];
  return (
    token === '\x1f' ||
    token === '[' ||
    token === '{' ||
    token === '-' ||
    token === '?' ||
    first === '"' ||
    first === "'" ||
    first === '*' ||
    first === '|' ||
    first === '>'
  );
}

/**
 * yaml's lexemes of the text, refused at the first that would cost the parser far more than a manifest ever needs:
 * past MAX_WRITTEN_NODES values, lists and list items, or flow collections nested beyond MAX_FLOW_DEPTH. The lexer is
 * a fraction of the parser's time and memory, so hostile text is refused before the parser builds anything.
 */
function lexWithinBounds(file: string, text: string): string[] {
  const lexemes: string[] = [];
  let offset = 0;
  let nodes = 0;
  let depth = 0;
  let problem: string | undefined;
  for (const lexeme of new Lexer().lex(text)) {
    if (isNodeToken(lexeme)) nodes++;
    if (lexeme === '[' || lexeme === '{') depth++;
    else if (lexeme === ']' || lexeme === '}') depth--;
    if (nodes > MAX_WRITTEN_NODES)
      problem = `the manifest writes more than ${grouped(MAX_WRITTEN_NODES)} values, lists and list items (keys, values, aliases, brackets, dashes); no family needs that many: split it into several manifests or remove what is not needed`;
    else if (depth > MAX_FLOW_DEPTH) problem = `invalid YAML: lists or mappings nested more than ${MAX_FLOW_DEPTH} deep; no manifest needs that`;
    if (problem) break;
    lexemes.push(lexeme);
    // The lexer's own markers (document, flow end, scalar) are not text of the file.
    if (!LEXER_MARKERS.has(lexeme)) offset += lexeme.length;
  }
  if (!problem) return lexemes;
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const col = offset - before.lastIndexOf('\n');
  throw new ManifestError([{ location: { file, line, col }, message: problem }]);
}

/**
 * yaml's `parseDocument`, fed the lexemes already read (the text is lexed once). yaml's own uniqueKeys check compares
 * each key with every earlier one (quadratic in a 5,000-image map); duplicate keys are found with a set in
 * `documentFacts` instead.
 */
function parseYaml(file: string, text: string, lineCounter: LineCounter): Document {
  const lexemes = lexWithinBounds(file, text);
  const parser = new Parser(lineCounter.addNewLine);
  function* tokens() {
    lineCounter.addNewLine(0);
    for (const lexeme of lexemes) yield* parser.next(lexeme);
    yield* parser.end();
  }
  let document: Document | undefined;
  for (const next of new Composer({ uniqueKeys: false, prettyErrors: false }).compose(tokens(), true, text.length)) {
    if (!document) document = next;
    else {
      document.errors.push(new YAMLParseError([next.range[0], next.range[1]], 'MULTIPLE_DOCS', 'Source contains multiple documents'));
      break;
    }
  }
  return document!;
}

/** Parse manifest text into plain data that remembers where each value came from. */
export function parseManifest({ file, text }: ManifestSource): ParsedManifest {
  checkSize(file, text);
  const lineCounter = new LineCounter();
  const document = parseYaml(file, text, lineCounter);
  const at: Locate = (offset) => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, col };
  };
  const facts = documentFacts(document);
  const problems = yamlProblems(document, facts, text, at);
  if (problems.length > 0) throw new ManifestError(problems);
  const data = documentData(document, facts, at);
  const sourceOf = (path: NodePath): string | undefined => {
    const node = document.getIn(path, true) as Node | undefined;
    return node?.range ? text.slice(node.range[0], node.range[1]).trim() : undefined;
  };
  return { file, data, locate: locator(document, at), sourceOf };
}

/** An unclosed quote or flow collection is reported at the end of the file; point at where it opens instead. */
function unclosedOpener(document: Document, errorOffset: number): number | undefined {
  let opener: number | undefined;
  visit(document, (_key, node) => {
    const range = (node as Node | null)?.range;
    if (!range || range[0] >= errorOffset) return;
    const open = (isCollection(node) && node.flow) || (isScalar(node) && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE'));
    if (open && range[1] >= errorOffset - 1 && (opener === undefined || range[0] > opener)) opener = range[0];
  });
  return opener;
}

function describeYamlError(code: string, message: string, sourceFromError: string): string {
  if (code === 'COLLECTION_KEY') return 'a key must be a plain name, not a list or a mapping';
  if (code === 'TAG') return 'YAML tags other than `!!str` are not used in a manifest; write the value plainly';
  if (/Maximum call stack/.test(message)) return 'invalid YAML: nested far too deeply for a manifest';
  if (code === 'DUPLICATE_KEY') {
    const key = /^("[^"]*"|'[^']*'|[^:\s,{}[\]]+)/.exec(sourceFromError)?.[1] ?? sourceFromError.slice(0, 1);
    return `duplicate key \`${key}\`: each key may appear once in a mapping`;
  }
  return `invalid YAML: ${message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`;
}
