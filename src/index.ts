/** The package's API: the pipeline's pure steps, for use from code. The command line is `mlrun-images`. */
export { resolveImage, DEFAULT_IMAGES_TO_ENRICH_REGISTRY, type ResolveOptions } from './mlrun/resolve.js';
export { pythonTagSuffix, mlrunPythons, type PythonBuilds } from './mlrun/pythons.js';
export { parseReference, formatReference, type ImageReference } from './reference.js';
export { loadFamily, renderFamily, type Family, type FamilyInputs, type GeneratedFiles } from './pipeline.js';
export { imageReference, imageTag, versionToTag, NAMING_DEFAULTS } from './mlrun/naming.js';
export { MANIFEST_SCHEMA } from './schema.js';
export { ManifestError, MlrunImagesError, UsageError, StaleError, type Diagnostic } from './errors.js';
