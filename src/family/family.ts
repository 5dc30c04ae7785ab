import type { ParsedManifest } from '../manifest/load.js';
import type { SourceSpec } from '../manifest/types.js';
import type { FamilyGraph } from './graph.js';
import type { InheritedImage } from './inherit.js';

/** The image family a manifest declares, checked and resolved: everything later stages derive from. */
export interface Family {
  manifest: ParsedManifest;
  /** Declared defaults, MLRun's naming variables included. */
  defaults: Readonly<Record<string, string>>;
  /** The value each variable has for this run. */
  values: Readonly<Record<string, string>>;
  images: ReadonlyMap<string, InheritedImage>;
  /** Image names, parents before children. */
  order: readonly string[];
  /** Full reference of each image for this run (`quay.io/mlrun/mlrun:1.7.0`). */
  references: ReadonlyMap<string, string>;
  /** Parents, ancestors, descendants, layers and bases of each image. */
  graph: FamilyGraph;
  /** The variables that reach Dockerfiles as build arguments: MLRun's release variables, then the manifest's. */
  buildArgs: readonly string[];
  /** Variables built for several values, with their values as the manifest declares them. */
  variants: Readonly<Record<string, readonly string[]>>;
  /** Source checkouts images are built from, by name. */
  sources: Readonly<Record<string, SourceSpec>>;
}
