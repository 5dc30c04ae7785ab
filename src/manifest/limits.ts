/**
 * How large a manifest may be: bounds on the work any manifest can ask for. The largest family the benchmarks
 * generate (5,000 images with five layers each, `npm run bench`) writes about 264,000 nodes; the MLRun family in
 * `images.yaml` about 800. `npm run bench:hostile` runs the largest and the most hostile manifests they let through.
 */

/** Larger manifests are refused before they are parsed. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/**
 * Nodes a manifest may write, counted by YAML's lexer before the parser builds anything: each key, value and alias,
 * each list or mapping in brackets, each list item (`-`, empty or not) and explicit key (`?`). Empty lists and items
 * cost the parser as much as values do. The largest family `npm run bench` generates writes about 264,000.
 */
export const MAX_WRITTEN_NODES = 300_000;

/**
 * Nodes (values, lists, mappings) the data may hold with YAML aliases expanded: a few dozen aliases of aliases blow up
 * to gigabytes ("billion laughs"), and so can a few large lists aliased many times. About what a 4 MiB manifest could
 * hold written out.
 */
export const MAX_EXPANDED_NODES = 1_000_000;

/** Flow collections (`[`, `{`) nested deeper than this are refused before parsing. */
export const MAX_FLOW_DEPTH = 100;

/** Images one manifest may declare: each is rendered and written as its own Dockerfile. */
export const MAX_IMAGES = 10_000;

/** A count as messages write it: 100000 as 100,000 (by hand: toLocaleString loads ICU, about 15 ms at every start). */
export function grouped(count: number): string {
  const [whole = '', fraction] = String(count).split('.');
  const digits = whole.replace(/\B(?=(\d{3})+$)/g, ',');
  return fraction === undefined ? digits : `${digits}.${fraction}`;
}
