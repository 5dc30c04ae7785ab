import type { Family } from '../family.js';

function nodeId(prefix: string, name: string): string {
  return `${prefix}_${name.replace(/[^A-Za-z0-9]/g, '_')}`;
}

/**
 * The family as a mermaid flowchart: external bases as rounded nodes, solid arrows for what an
 * image is built on (`base`, `from`), dotted arrows for `extends` and for the bases of extra stages.
 */
export function renderMermaid(family: Family): string {
  const lines = ['graph TD'];
  const bases = new Map<string, string>();
  const shown = (reference: string) => reference.replace(/\u0000/g, '');
  for (const name of family.order) {
    const image = family.images.get(name)!;
    for (const base of [image.spec.base, ...image.stages.map((stage) => stage.base)]) {
      if (base !== undefined && !bases.has(shown(base))) bases.set(shown(base), nodeId('base', `${bases.size}`));
    }
  }
  for (const [base, id] of bases) lines.push(`  ${id}(["${base.replace(/"/g, '#quot;')}"])`);
  for (const name of family.order) lines.push(`  ${nodeId('image', name)}["${name}"]`);
  for (const name of family.order) {
    const image = family.images.get(name)!;
    const target = nodeId('image', name);
    if (image.spec.from !== undefined) lines.push(`  ${nodeId('image', image.spec.from)} --> ${target}`);
    if (image.spec.base !== undefined) lines.push(`  ${bases.get(shown(image.spec.base))} --> ${target}`);
    for (const stage of image.stages) lines.push(`  ${bases.get(shown(stage.base))} -. "stage ${stage.name}" .-> ${target}`);
    if (image.extends !== undefined) lines.push(`  ${nodeId('image', image.extends)} -. extends .-> ${target}`);
  }
  return `${lines.join('\n')}\n`;
}
