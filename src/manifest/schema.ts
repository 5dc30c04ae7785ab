import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Diagnostic } from '../errors.js';
import { didYouMean } from '../suggest.js';
import { grouped } from './limits.js';
import type { NodePath, ParsedManifest } from './load.js';
import type { JsonSchema } from './schema-document.js';

export type { JsonSchema } from './schema-document.js';

const PRECOMPILED_VALIDATORS = './validators.generated.js';

interface Validators {
  manifest: ValidateFunction;
  layer: ValidateFunction;
}

/** Validators compiled from schema/images.schema.json at build time (scripts/build-validators.mjs); absent when running from src/. */
const precompiled = (await import(PRECOMPILED_VALIDATORS).catch(() => undefined)) as (Validators & { schemaJson: string }) | undefined;
const compiled = new WeakMap<JsonSchema, Validators>();

function compile(schema: JsonSchema): Validators {
  let validators = compiled.get(schema);
  if (!validators && precompiled && precompiled.schemaJson === JSON.stringify(schema)) {
    validators = { manifest: precompiled.manifest, layer: precompiled.layer };
    compiled.set(schema, validators);
  }
  if (!validators) {
    // Loaded only here (a schema other than the precompiled one: custom layer kinds, or running from src/), not at every
    // start. The schema is this project's own and tested; checking it against the meta-schema on every run costs a third
    // of startup.
    const { Ajv } = createRequire(import.meta.url)('ajv') as typeof import('ajv');
    const ajv = new Ajv({ allErrors: true, strict: false, verbose: true, validateSchema: false });
    const manifest = ajv.compile(schema);
    const layer = ajv.getSchema(`${String(schema.$id)}#/definitions/layer`);
    if (!layer) throw new Error('schema/images.schema.json has no definitions/layer');
    validators = { manifest, layer };
    compiled.set(schema, validators);
  }
  return validators;
}

function describeAll(manifest: ParsedManifest, errors: readonly ErrorObject[], prefix: NodePath): Diagnostic[] {
  const seen = new Set<string>();
  const diagnostics: Diagnostic[] = [];
  for (const error of errors) {
    const described = describeSchemaError(error, prefix, manifest);
    if (!described) continue;
    const location = manifest.locate(described.path, described.part);
    const key = `${location.line}:${location.col}:${described.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    diagnostics.push({ location, message: described.message });
  }
  return diagnostics;
}

/**
 * Check a layer as it stands after inheritance: a layer with an `id` may be partial where it is
 * written (it adjusts an inherited one), but the merged result must be complete.
 */
export function checkMergedLayer(
  manifest: ParsedManifest,
  schema: JsonSchema,
  layerPath: NodePath,
  kind: string,
  params: Record<string, unknown>,
): Diagnostic[] {
  const { layer } = compile(schema);
  const { id: _id, before: _before, ...withoutId } = params;
  if (layer({ [kind]: withoutId })) return [];
  return describeAll(manifest, layer.errors ?? [], layerPath);
}

/** Check the manifest's shape against the JSON Schema; each problem is placed on its node. */
export function checkShape(manifest: ParsedManifest, schema: JsonSchema): Diagnostic[] {
  if (manifest.data === null || typeof manifest.data !== 'object' || Array.isArray(manifest.data)) {
    return [{ location: manifest.locate([]), message: 'the manifest must be a mapping with `version: 1` and `images:`' }];
  }
  const validate = compile(schema).manifest;
  if (validate(manifest.data)) return [];
  return describeAll(manifest, validate.errors ?? [], []);
}

interface DescribedError {
  path: NodePath;
  part: 'key' | 'value';
  message: string;
}

function pathOf(instancePath: string): (string | number)[] {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
}

function where(path: NodePath): string {
  const [top, name, field, index, kind] = path;
  if (top === 'images' && name !== undefined && field === 'stages' && index !== undefined) {
    const [, , , , stageField, layerIndex, layerKind] = path;
    const stage = `stage ${Number(index) + 1} of image \`${name}\``;
    if (stageField === 'layers' && layerKind !== undefined) return `${String(layerKind)} layer of ${stage}`;
    if (stageField === 'layers' && layerIndex !== undefined) return `layer ${Number(layerIndex) + 1} of ${stage}`;
    return stageField !== undefined ? `\`${stageField}\` of ${stage}` : stage;
  }
  if (top === 'images' && name !== undefined && field === 'tests' && index !== undefined) return `test \`${String(index)}\` of image \`${name}\``;
  if (top === 'images' && name !== undefined) {
    if (field === 'layers' && index !== undefined && kind !== undefined) return `${String(kind)} layer of image \`${name}\``;
    if (field === 'layers' && index !== undefined) return `layer ${Number(index) + 1} of image \`${name}\``;
    if (field !== undefined) return `\`${field}\` of image \`${name}\``;
    return `image \`${name}\``;
  }
  if (top === 'variables' && name !== undefined) return `variable \`${name}\``;
  if (top === 'variants' && name !== undefined) return `the variants of \`${name}\``;
  if (top === 'sources' && name !== undefined) return `source \`${name}\``;
  if (top !== undefined) return `\`${top}\``;
  return 'the manifest';
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} \`${String(value)}\``;
}

function expectedType(type: unknown): string {
  const names: Record<string, string> = {
    string: 'a string',
    object: 'a mapping',
    array: 'a list',
    integer: 'a whole number',
    number: 'a number',
    boolean: 'true or false',
    null: 'null',
  };
  const types = Array.isArray(type) ? type : [type];
  return types.map((t) => names[String(t)] ?? String(t)).join(' or ');
}

/** What a layer kind says a complete layer needs (the `description` of its schema's `then`), for a problem found there. */
function completenessOf(error: ErrorObject): string | undefined {
  if (!/\/then\/(required|anyOf)$/.test(error.schemaPath)) return undefined;
  return (error.parentSchema as { description?: string } | undefined)?.description;
}

function describeSchemaError(error: ErrorObject, prefix: NodePath, manifest: ParsedManifest): DescribedError | undefined {
  const path = [...prefix, ...pathOf(error.instancePath)];
  const params = error.params as Record<string, unknown>;
  // Sub-errors of anyOf and the failing `if` carry no message of their own; the anyOf/then error says it all.
  if (/\/anyOf\/\d+\//.test(error.schemaPath) || error.keyword === 'if') return undefined;

  switch (error.keyword) {
    case 'additionalProperties': {
      const field = String(params.additionalProperty);
      const allowed = Object.keys((error.parentSchema as { properties?: object }).properties ?? {});
      return {
        path: [...path, field],
        part: 'key',
        message: `unknown field \`${field}\` in ${where(path)}${didYouMean(field, allowed)}; expected one of: ${allowed.join(', ')}`,
      };
    }
    case 'required': {
      const field = String(params.missingProperty);
      const hint = completenessOf(error);
      return { path, part: 'value', message: `${where(path)} is missing \`${field}\`${hint ? ` (${hint})` : ''}` };
    }
    case 'type': {
      const asWritten = manifest.sourceOf(path) ?? String(error.data);
      const hint = path[0] === 'variables' && typeof error.data === 'number' ? ` (write it in quotes: "${asWritten}")` : '';
      const got = typeof error.data === 'number' ? `number \`${asWritten}\`` : typeName(error.data);
      return { path, part: 'value', message: `${where(path)}: expected ${expectedType(params.type)}, got ${got}${hint}` };
    }
    case 'const':
      return { path, part: 'value', message: `${where(path)}: expected \`${JSON.stringify(params.allowedValue)}\`, got ${typeName(error.data)}` };
    case 'enum':
      return {
        path,
        part: 'value',
        message: `${where(path)}: expected one of ${(params.allowedValues as unknown[]).map((v) => `\`${String(v)}\``).join(', ')}, got ${typeName(error.data)}`,
      };
    case 'pattern':
      if (error.propertyName !== undefined) {
        return {
          path: [...path, error.propertyName],
          part: 'key',
          message: `\`${error.propertyName}\` in ${where(path)} is not a valid name: use letters, digits and _ (not starting with a digit)`,
        };
      }
      return { path, part: 'value', message: `${where(path)}: ${typeName(error.data)} does not match ${String(params.pattern)}` };
    case 'propertyNames':
      return undefined; // reported by its `pattern` sub-error, placed on the key below
    case 'minItems':
    case 'minProperties':
      if (error.keyword === 'minProperties' && path.length === 4 && path[2] === 'layers') {
        return { path, part: 'value', message: `${where(path)} is empty: write its kind as the key, e.g. \`- apt: {packages: [curl]}\`` };
      }
      return { path, part: 'value', message: `${where(path)} must not be empty` };
    case 'maxProperties': {
      if (path.length === 1 && path[0] === 'images') {
        const count = Object.keys(error.data as object).length;
        return {
          path,
          part: 'key',
          message: `the manifest declares ${grouped(count)} images; at most ${grouped(Number(params.limit))} are built from one manifest: split the family into several manifests`,
        };
      }
      const kinds = Object.keys(error.data as object)
        .map((k) => `\`${k}\``)
        .join(', ');
      return { path, part: 'value', message: `${where(path)} has several kinds (${kinds}); write each as its own list item` };
    }
    case 'anyOf':
      if (completenessOf(error)) return { path, part: 'value', message: `${where(path)} ${completenessOf(error)}` };
      if (/\/port\/anyOf$/.test(error.schemaPath) || /port/.test(JSON.stringify(error.parentSchema))) {
        return {
          path,
          part: 'value',
          message: `${where(path)}: expected a port, a number from 1 to 65535 or \`PORT/tcp\` or \`PORT/udp\`, got ${typeName(error.data)}`,
        };
      }
      return { path, part: 'value', message: `${where(path)}: expected a string or a list of strings, got ${typeName(error.data)}` };
    case 'minimum':
    case 'maximum':
      return { path, part: 'value', message: `${where(path)}: ${typeName(error.data)} ${error.message ?? ''}` };
    default:
      return { path, part: 'value', message: `${where(path)}: ${error.message ?? 'is invalid'}` };
  }
}
