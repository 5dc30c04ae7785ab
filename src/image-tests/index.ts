/** The image test kinds: one module each, as the layer kinds. */
import { command } from './command.js';
import { file } from './file.js';
import { http } from './http.js';
import { TEST_KIND_NAMES, type TestKind, type TestKindName } from './kind.js';
import { metadata } from './metadata.js';

export type { ImageTest, TestKind, TestKindName } from './kind.js';

export const TEST_KINDS: readonly TestKind[] = [command, file, metadata, http];

/** The parameters that are regular expressions: a variable's value goes into them as literal text. */
export const PATTERN_PARAMETERS = ['stdout', 'stderr', 'not_stdout', 'not_stderr', 'contains', 'body'];

export function testKind(name: TestKindName): TestKind {
  return TEST_KINDS.find((kind) => kind.name === name)!;
}

export function isTestKindName(name: string): name is TestKindName {
  return (TEST_KIND_NAMES as readonly string[]).includes(name);
}

/** The JSON Schema of one test: exactly one kind; `command`'s parameters beside it, the others' inside theirs. */
export function imageTestSchema(): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const kind of TEST_KINDS) {
    if (kind.flat) Object.assign(properties, kind.schema.properties);
    else properties[kind.name] = { type: 'object', additionalProperties: false, properties: kind.schema.properties, required: kind.schema.required ?? [] };
  }
  return {
    description: 'One test: `command: [...]` (with its checks beside it), or `file:`, `metadata:` or `http:` with theirs inside.',
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties,
  };
}
