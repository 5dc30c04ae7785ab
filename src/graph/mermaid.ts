import type { Family } from '../family.js';

function nodeId(prefix: string, name: string): string {
  return `${prefix}_${name.replace(/[^A-Za-z0-9]/g, '_')}`;
}

/**
 * The family as a mermaid flowchart: external bases as rounded nodes, `from` as solid arrows
 * (built on top of), `extends` as dotted arrows (definition inherited).
 */
export function renderMermaid(family: Family): string {
  const lines = ['graph TD'];
  const bases = new Map<string, string>();
  for (const name of family.order) {
    const image = family.images.get(name)!;
    const base = image.spec.base?.replace(/\u0000/g, '');
    if (base !== undefined && !bases.has(base)) bases.set(base, nodeId('base', `${bases.size}`));
  }
  for (const [base, id] of bases) lines.push(`  ${id}(["${base.replace(/"/g, '#quot;')}"])`);
  for (const name of family.order) lines.push(`  ${nodeId('image', name)}["${name}"]`);
  for (const name of family.order) {
    const image = family.images.get(name)!;
    const target = nodeId('image', name);
    if (image.spec.from !== undefined) lines.push(`  ${nodeId('image', image.spec.from)} --> ${target}`);
    const base = image.spec.base?.replace(/\u0000/g, '');
    if (base !== undefined) lines.push(`  ${bases.get(base)} --> ${target}`);
    if (image.extends !== undefined) lines.push(`  ${nodeId('image', image.extends)} -. extends .-> ${target}`);
  }
  return `${lines.join('\n')}\n`;
}
