import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import * as ajvFormats from 'ajv-formats';

/** The subset shipped in the repo (never ../shared): what our bodies must satisfy. */
export const SUBSET_PATH = fileURLToPath(
  new URL('../../../services/klaviyo/openapi/klaviyo-2026-07-15.subset.json', import.meta.url),
);

interface Operation {
  operationId?: string;
  requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
  'x-klaviyo-ratelimit'?: { burst: string; steady: string; daily?: string };
}

export interface SubsetSpec {
  paths: Record<string, Record<string, Operation>>;
}

export function loadSubset(): SubsetSpec {
  return JSON.parse(readFileSync(SUBSET_PATH, 'utf8')) as SubsetSpec;
}

export function operations(spec: SubsetSpec): Array<{ method: string; path: string; operation: Operation }> {
  return Object.entries(spec.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([, op]) => typeof op === 'object' && op !== null && 'operationId' in op)
      .map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })),
  );
}

/**
 * OpenAPI 3.0's `nullable: true` becomes `anyOf: [schema, {type: 'null'}]`. Ajv knows `nullable` only
 * next to `type`, and the spec also puts it beside `$ref`, `oneOf` and `enum`.
 */
function nullableToJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(nullableToJsonSchema);
  if (typeof node !== 'object' || node === null) return node;
  const entries = Object.entries(node as Record<string, unknown>).map(([k, v]) => [k, nullableToJsonSchema(v)] as const);
  const converted = Object.fromEntries(entries) as Record<string, unknown>;
  if (converted['nullable'] !== true) return converted;
  const { nullable: _nullable, ...rest } = converted;
  return { anyOf: [rest, { type: 'null' }] };
}

/**
 * A real JSON Schema validator over the OpenAPI 3.0 document: ajv understands `nullable`; strict
 * mode is off because OpenAPI adds keywords (example, x-*) that JSON Schema does not define.
 */
export function createRequestValidator(spec: SubsetSpec = loadSubset()) {
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  // ajv-formats is CommonJS: its default export sits one level down under NodeNext.
  const addFormats = ((ajvFormats as unknown as { default?: unknown }).default ?? ajvFormats) as (ajv: Ajv) => void;
  addFormats(ajv);
  ajv.addSchema(nullableToJsonSchema(spec) as object, 'klaviyo');
  const cache = new Map<string, ValidateFunction>();
  return (operationId: string): ValidateFunction => {
    const cached = cache.get(operationId);
    if (cached) return cached;
    const op = operations(spec).find((o) => o.operation.operationId === operationId);
    const ref = op?.operation.requestBody?.content['application/vnd.api+json']?.schema.$ref;
    if (!ref) throw new Error(`no request body schema for ${operationId}`);
    const validate = ajv.compile({ $ref: `klaviyo${ref}` });
    cache.set(operationId, validate);
    return validate;
  };
}
