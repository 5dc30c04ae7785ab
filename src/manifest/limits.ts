/**
 * How large a manifest may be. Each bound keeps the work of any manifest within a few seconds and a few hundred MiB
 * (`npm run bench:hostile` holds the largest manifests each bound lets through); the MLRun family in `images.yaml` writes
 * about 650 values, so no real family comes near them. A larger catalogue is split into several manifests.
 */

/** Larger manifests are refused before they are parsed. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/**
 * Values a manifest may write (keys, values and aliases, each counted once), counted by YAML's lexer before the parser
 * builds anything: 10,000 images with a layer each write 70,000.
 */
export const MAX_WRITTEN_VALUES = 100_000;

/**
 * Values the data may hold with YAML aliases expanded: a few dozen aliases of aliases blow up to gigabytes ("billion
 * laughs"), and so can a few large lists aliased many times. Two and a half times what may be written out.
 */
export const MAX_EXPANDED_NODES = 250_000;

/** Flow collections (`[`, `{`) nested deeper than this are refused before parsing. */
export const MAX_FLOW_DEPTH = 100;

/** Images one manifest may declare: each is rendered and written as its own Dockerfile. */
export const MAX_IMAGES = 10_000;
