/**
 * The README's tables that say what the code says: option tables from the option table, merge rules, lint rules and
 * layer kinds from their modules. Each lives between `<!-- NAME:start -->` and `<!-- NAME:end -->`; `npm run docs`
 * writes them, a test keeps them in step. Pure: text in, text out.
 */
import { commandsOf, OPTIONS, type OptionSpec, optionSignature } from '../cli/options.js';
import type { Family } from '../family/family.js';
import { MERGE_RULES } from '../family/inherit.js';
import { TEST_KINDS } from '../image-tests/index.js';
import { BUILTIN_LAYER_KINDS } from '../layers/index.js';
import { LINT_RULES, RULE_IDS } from '../manifest/lint-rules.js';

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line), ''].join('\n');
}

const options = OPTIONS as readonly OptionSpec[];
const code = (text: string) => `\`${text}\``;

/** Options every command takes, and generate's. */
function generalOptions(): string {
  const general = options.filter((option) => option.commands === 'all' || commandsOf(option).includes('generate'));
  const signature = (option: OptionSpec) =>
    option.short ? `${code(`-${option.short}, --${option.name}${option.value ? ` ${option.value}` : ''}`)}` : code(optionSignature(option));
  const note = (option: OptionSpec) => (option.commands === 'all' || commandsOf(option).length === 1 ? '' : `(${commandsOf(option).map(code).join(', ')}) `);
  return table(
    ['option', 'meaning'],
    general.map((option) => [signature(option), `${note(option)}${option.doc ?? option.help}`]),
  );
}

/** build's options, after its operands. */
function buildOptions(): string {
  const rows = options
    .filter((option) => option.commands !== 'all' && commandsOf(option).includes('build'))
    .map((option) => [code(optionSignature(option)), option.doc ?? option.help]);
  return table(['option', 'meaning'], [[code('IMAGE...'), 'build these and their ancestors (default: every image)'], ...rows]);
}

/** resolve's options with the environment variable each falls back to. */
function resolveOptions(): string {
  const rows = options
    .filter((option) => option.commands !== 'all' && commandsOf(option).includes('resolve'))
    .map((option) => [code(`--${option.name}`), option.env ? code(option.env) : '', option.default ? code(option.default) : 'none']);
  return table(['option', 'environment variable', 'default'], rows);
}

function mergeRules(): string {
  return table(
    ['field', 'when the image `extends` another'],
    Object.entries(MERGE_RULES).map(([field, { summary }]) => [code(field), summary]),
  );
}

function lintRules(): string {
  return table(
    ['rule', 'kind', 'what it reports'],
    RULE_IDS.map((rule) => {
      const kind = LINT_RULES[rule].pinning ? 'pinning' : rule === 'missing-file' ? 'error' : rule === 'apt-unpinned' ? 'note' : 'warning';
      return [code(rule), kind, LINT_RULES[rule].summary];
    }),
  );
}

function layerKinds(): string {
  return table(
    ['kind', 'parameters', 'renders'],
    BUILTIN_LAYER_KINDS.map((kind) => [code(kind.name), kind.docs.parameters, kind.docs.renders]),
  );
}

function testKinds(): string {
  return table(
    ['kind', 'parameters', 'what it checks'],
    TEST_KINDS.map((kind) => [code(kind.name), kind.docs.parameters, kind.docs.checks]),
  );
}

/** Each image of the family with the tests it runs (its own and its ancestors'), from images.yaml. */
function familyTests(family: Family): string {
  return table(
    ['image', 'tests (inherited ones marked with the image that declares them)'],
    family.order.map((name) => [
      code(name),
      family.graph
        .testsOf(name)
        .map((test) => `${test.name} (${test.kind}${test.declaredBy === name ? '' : `, from ${code(test.declaredBy)}`})`)
        .join('; ') || 'none',
    ]),
  );
}

/** Every generated section of the README by its marker name; the family (images.yaml) and its mermaid graph are given. */
export function readmeSections(family: Family, graph: string): Record<string, string> {
  return {
    graph: `\`\`\`mermaid\n${graph}\`\`\`\n`,
    'test-kinds': testKinds(),
    'family-tests': familyTests(family),
    'options-general': generalOptions(),
    'options-build': buildOptions(),
    'options-resolve': resolveOptions(),
    'merge-rules': mergeRules(),
    'lint-rules': lintRules(),
    'layer-kinds': layerKinds(),
  };
}

/** The README with each section's text put between its markers; a section without markers is named as missing. */
export function updateReadme(readme: string, sections: Readonly<Record<string, string>>): { text: string; missing: string[] } {
  let text = readme;
  const missing: string[] = [];
  for (const [name, body] of Object.entries(sections)) {
    const start = `<!-- ${name}:start -->\n`;
    const end = `<!-- ${name}:end -->`;
    const from = text.indexOf(start);
    const to = text.indexOf(end, from);
    if (from === -1 || to === -1) {
      missing.push(name);
      continue;
    }
    text = `${text.slice(0, from + start.length)}${body}${text.slice(to)}`;
  }
  return { text, missing };
}
