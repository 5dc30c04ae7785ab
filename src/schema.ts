/** The manifest's JSON Schema: the fixed parts, the built-in layer kinds and the image test kinds. */
import { imageTestSchema } from './image-tests/index.js';
import { builtinLayerSchemas } from './layers/index.js';
import { manifestSchema } from './manifest/schema-document.js';

/** schema/images.schema.json is this, written out by `npm run docs`. */
export const MANIFEST_SCHEMA = manifestSchema(builtinLayerSchemas(), imageTestSchema());
