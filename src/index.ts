/** The package's API: the pipeline's pure steps, for use from code. The command line is `mlrun-images`. */
export { resolveImage, versionToTag, pythonTagSuffix, DEFAULT_IMAGES_TO_ENRICH_REGISTRY, type ResolveOptions } from './resolve.js';
export { parseReference, formatReference, type ImageReference } from './reference.js';
export { loadFamily, renderFamily, type Family, type FamilyInputs, type GeneratedFiles } from './family.js';
export { imageReference, imageTag, NAMING_DEFAULTS } from './naming.js';
export { ManifestError, MlrunImagesError, UsageError, StaleError, type Diagnostic } from './errors.js';
