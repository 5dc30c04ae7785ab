/**
 * The manifest's JSON Schema, assembled: the fixed parts here, each layer kind's parameters from its module.
 * schema/images.schema.json (what editors read) is this document written out; a test keeps the two in step.
 */
import { grouped, MAX_IMAGES } from './limits.js';

export type JsonSchema = Record<string, unknown>;

/** What a layer kind says about its parameters. */
export interface LayerSchema {
  /** One line for editors: what the layer does. */
  description: string;
  /** Its parameters (every layer also takes `id`). */
  properties: Record<string, JsonSchema>;
  /**
   * What a complete layer must set. A layer with an `id` may set only some parameters where it is written (it adjusts
   * an inherited layer); the merged result is checked against this. Its `description` says it in a message.
   */
  complete?: JsonSchema;
  /** Further conditions under which a layer needs nothing of `complete`. */
  completeUnless?: JsonSchema[];
}

function layerDefinition({ description, properties, complete, completeUnless = [] }: LayerSchema): JsonSchema {
  const incomplete = completeUnless.length === 0 ? { required: ['id'] } : { anyOf: [{ required: ['id'] }, ...completeUnless] };
  return {
    description,
    type: 'object',
    additionalProperties: false,
    properties: {
      id: { $ref: '#/definitions/layerId' },
      before: {
        $ref: '#/definitions/layerId',
        description: 'In an image that `extends` another: put this layer just before the inherited layer with this `id`.',
      },
      ...properties,
    },
    // biome-ignore lint/suspicious/noThenProperty: `then` is a JSON Schema keyword here, not a thenable.
    ...(complete ? { if: { not: incomplete }, then: complete } : {}),
  };
}

/** The whole manifest schema, with the built-in layer kinds' parameters and the schema of one image test. */
export function manifestSchema(layerKinds: ReadonlyMap<string, LayerSchema>, imageTest: JsonSchema): JsonSchema {
  const layerProperties = Object.fromEntries([...layerKinds].map(([kind, schema]) => [kind, layerDefinition(schema)]));
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://mlrun-images/schema/images.schema.json',
    title: 'mlrun-images manifest',
    description: 'Declares a family of container images; `mlrun-images generate` renders one Dockerfile per image.',
    type: 'object',
    required: ['version', 'images'],
    additionalProperties: false,
    properties: {
      version: {
        const: 1,
        description: 'Manifest format version. Always 1.',
      },
      variables: {
        description:
          'NAME -> default value. `${NAME}` and `${NAME:-fallback}` interpolate in any string; an environment variable of the same name overrides the default, `--set NAME=VALUE` overrides both.',
        type: 'object',
        propertyNames: {
          pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
        },
        additionalProperties: {
          type: 'string',
        },
      },
      build_args: {
        description: "Declared variables that reach Dockerfiles as build arguments, as MLRun's release variables do.",
        type: 'array',
        items: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
      },
      variants: {
        description: 'Variable -> the values it is built for; each value is a variant of every image that uses it (MLRUN_PYTHON_VERSION: ["3.9", "3.11"]).',
        $ref: '#/definitions/variants',
      },
      sources: {
        description: 'Source checkouts images are built from (`source:` on an image), each named by a variable.',
        type: 'object',
        additionalProperties: { $ref: '#/definitions/source' },
      },
      images: {
        description: `Image name -> image definition (at most ${grouped(MAX_IMAGES)}).`,
        type: 'object',
        minProperties: 1,
        maxProperties: MAX_IMAGES,
        additionalProperties: {
          $ref: '#/definitions/image',
        },
      },
    },
    definitions: {
      image: {
        type: 'object',
        additionalProperties: false,
        properties: {
          description: {
            type: 'string',
            description: 'One line saying what the image is for.',
          },
          base: {
            $ref: '#/definitions/imageReference',
            description: 'An external image to build on (python:3.9-slim). Exactly one of base/from after inheritance.',
          },
          from: {
            type: 'string',
            description: 'Another image of this manifest to build on; it is built first.',
          },
          extends: {
            type: 'string',
            description: "Another image whose definition this one inherits (fields merge as the README's table says).",
          },
          layers: {
            type: 'array',
            items: {
              $ref: '#/definitions/layer',
            },
            description: 'Ordered build steps, one layer kind each.',
          },
          args: {
            $ref: '#/definitions/stringMap',
            description: 'Build arguments (ARG) with defaults.',
          },
          env: {
            $ref: '#/definitions/stringMap',
            description: 'Environment variables (ENV).',
          },
          labels: {
            $ref: '#/definitions/stringMap',
            description: 'Image labels (LABEL).',
          },
          workdir: {
            type: 'string',
            description: 'Working directory (WORKDIR).',
          },
          user: {
            type: 'string',
            description: 'User the image runs as (USER), name or uid[:gid].',
          },
          entrypoint: {
            $ref: '#/definitions/execForm',
            description: 'ENTRYPOINT, exec form.',
          },
          cmd: {
            $ref: '#/definitions/execForm',
            description: 'CMD, exec form.',
          },
          expose: {
            type: 'array',
            items: {
              $ref: '#/definitions/port',
            },
            description: 'Ports the image listens on.',
          },
          volumes: {
            type: 'array',
            items: {
              type: 'string',
            },
            description: 'Paths declared as volumes.',
          },
          context: {
            type: 'string',
            description: "Build context folder, relative to the manifest (default: the manifest's folder).",
          },
          source: {
            type: 'string',
            description: 'A source of `sources:`: its checkout is the build context.',
          },
          variants: {
            $ref: '#/definitions/variants',
            description: "The variants this image is built in, when not the manifest's; `{}` builds it once.",
          },
          stages: {
            type: 'array',
            items: {
              $ref: '#/definitions/stage',
            },
            description: "Extra build stages before the image's own, for multi-stage builds.",
          },
          tests: {
            description: 'What must hold inside the image, by test name; `NAME: null` switches off a test the image inherits.',
            type: 'object',
            additionalProperties: { $ref: '#/definitions/imageTest' },
          },
          lint: {
            description: 'Lint rules this image switches off, each with the reason (`base-unpinned: locked in images.lock.yaml`).',
            type: 'object',
            additionalProperties: {
              type: ['string', 'null'],
              minLength: 1,
            },
          },
        },
      },
      stage: {
        type: 'object',
        required: ['name', 'base'],
        additionalProperties: false,
        properties: {
          name: {
            type: 'string',
            description: 'Stage name, used by `copy: {from: NAME}`.',
          },
          base: {
            $ref: '#/definitions/imageReference',
          },
          layers: {
            type: 'array',
            items: {
              $ref: '#/definitions/layer',
            },
          },
          args: {
            $ref: '#/definitions/stringMap',
          },
          env: {
            $ref: '#/definitions/stringMap',
          },
          workdir: {
            type: 'string',
          },
          user: {
            type: 'string',
          },
        },
      },
      imageReference: {
        type: 'string',
        minLength: 1,
      },
      stringMap: {
        type: 'object',
        additionalProperties: {
          type: ['string', 'number', 'boolean', 'null'],
        },
      },
      execForm: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'string',
        },
      },
      port: {
        anyOf: [
          {
            type: 'integer',
            minimum: 1,
            maximum: 65535,
          },
          {
            type: 'string',
            // 1 to 65535 as written (numbers reach the schema as the text they are written as), then /tcp or /udp.
            pattern: '^(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])(?:/(?:tcp|udp))?$',
          },
        ],
      },
      stringList: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'string',
        },
      },
      layer: {
        description:
          'One layer: a mapping with a single key, the layer kind (a template under templates/layers/), whose value is its parameters. A layer with an `id` may set only some parameters when it adjusts an inherited layer of the same id; the merged layer must be complete.',
        type: 'object',
        minProperties: 1,
        maxProperties: 1,
        properties: layerProperties,
        additionalProperties: {
          description: 'A layer kind added by a template file; its parameters reach the template as written.',
          type: 'object',
        },
      },
      imageTest: { ...imageTest, type: ['object', 'null'] },
      variants: {
        type: 'object',
        propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
        additionalProperties: { type: 'array', minItems: 1, items: { type: 'string' } },
      },
      source: {
        type: 'object',
        additionalProperties: false,
        required: ['variable', 'holds'],
        properties: {
          description: { type: 'string' },
          variable: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: "The variable naming the checkout's folder." },
          holds: { type: 'array', minItems: 1, items: { type: 'string' }, description: 'What a checkout has (files; folders end in /).' },
          git: { type: 'string', description: 'With no checkout: a git URL with its ref (https://…/ui.git#v1.7.2) built from instead.' },
          facts: {
            type: 'object',
            description:
              'Variables a checkout gives their value (over the default; the environment and --set still win): a line of one of its files, or its git commit or commit date. A checkout without the file or the line leaves the default.',
            propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
            additionalProperties: { $ref: '#/definitions/fact' },
          },
          matrix: {
            type: 'string',
            description:
              "MLRun's build matrix in the checkout (.github/workflows/build-workflow-matrix.json): the pythons each image is built in, and which are tagged -pyXY.",
          },
        },
      },
      fact: {
        oneOf: [
          {
            type: 'object',
            additionalProperties: false,
            required: ['file', 'match'],
            properties: {
              file: { type: 'string', description: 'A file of the checkout, relative to its root.' },
              match: { type: 'string', description: 'A regular expression matched against each line; its first group is the value.' },
              path: { type: 'boolean', description: 'The value is a path in the checkout that must exist (checked before a build).' },
            },
          },
          {
            type: 'object',
            additionalProperties: false,
            required: ['git'],
            properties: { git: { enum: ['commit', 'date'], description: "The checkout's commit (short hash) or its commit date (UTC, ISO 8601)." } },
          },
        ],
      },
      layerId: {
        type: 'string',
        pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$',
        description: 'Names the layer so an image that `extends` this one can replace or adjust it in place.',
      },
    },
  };
}
