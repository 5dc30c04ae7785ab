import { asWritten } from '../dockerfile/build-args.js';
import type { Family } from '../family/family.js';

function nodeId(prefix: string, name: string): string {
  return `${prefix}_${name.replace(/[^A-Za-z0-9]/g, '_')}`;
}

/**
 * The family as a mermaid flowchart: external bases as rounded nodes, solid arrows for what an
 * image is built on (`base`, `from`), dotted arrows for `extends` and for the bases of extra stages.
 */
export function renderMermaid(family: Family): string {
  const { graph } = family;
  const lines = ['graph TD'];
  const bases = new Map<string, string>();
  for (const name of graph.order) {
    for (const { reference } of graph.basesOf(name)) {
      if (!bases.has(asWritten(reference))) bases.set(asWritten(reference), nodeId('base', `${bases.size}`));
    }
  }
  for (const [base, id] of bases) lines.push(`  ${id}(["${base.replace(/"/g, '#quot;')}"])`);
  for (const name of graph.order) lines.push(`  ${nodeId('image', name)}["${name}"]`);
  for (const name of graph.order) {
    const target = nodeId('image', name);
    const { from } = graph.image(name).spec;
    if (from !== undefined) lines.push(`  ${nodeId('image', from)} --> ${target}`);
    for (const { reference, stage } of graph.basesOf(name)) {
      const source = bases.get(asWritten(reference));
      lines.push(stage === undefined ? `  ${source} --> ${target}` : `  ${source} -. "stage ${stage}" .-> ${target}`);
    }
    const extended = graph.image(name).extends;
    if (extended !== undefined) lines.push(`  ${nodeId('image', extended)} -. extends .-> ${target}`);
  }
  return `${lines.join('\n')}\n`;
}
