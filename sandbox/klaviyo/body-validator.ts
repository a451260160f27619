/**
 * Request bodies are checked against the request schema of the matched operation in the pinned
 * subset, with ajv (compiled once per operation, on first use). Two adaptations of the OpenAPI 3.0
 * schemas, both to behave like Klaviyo:
 * - `nullable` next to `$ref`/`oneOf` (no `type`) becomes `anyOf [schema, null]`, which ajv needs;
 * - objects that declare `properties` are closed (`additionalProperties: false`): Klaviyo answers
 *   "'x' is not a valid field for the resource 'y'" for unknown attributes. Free-form objects
 *   (custom `properties`) declare none and stay open. Request schemas use no `allOf`, so closing
 *   them is safe.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import * as ajvFormats from 'ajv-formats';
import type { OpenApiDocument } from './spec.js';

export interface BodyIssue {
  /** JSON pointer into the request body. */
  pointer: string;
  detail: string;
}

type JsonSchema = Record<string, unknown>;

function adaptSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(adaptSchema);
  if (!node || typeof node !== 'object') return node;
  const adapted: JsonSchema = {};
  for (const [key, value] of Object.entries(node as JsonSchema)) {
    // Examples are data, not schemas; `properties` maps field names (which may be "description") to schemas.
    if (key === 'example' || key === 'examples' || key === 'description') continue;
    adapted[key] = key === 'properties' && value && typeof value === 'object' ? adaptSchemaMap(value as JsonSchema) : adaptSchema(value);
  }
  if (adapted.type === 'object' && adapted.properties && adapted.additionalProperties === undefined) {
    adapted.additionalProperties = false;
  }
  if (adapted.nullable === true && Array.isArray(adapted.enum) && !adapted.enum.includes(null)) {
    adapted.enum = [...adapted.enum, null];
  }
  if (adapted.nullable === true && adapted.type === undefined) {
    delete adapted.nullable;
    return { anyOf: [adapted, { type: 'null' }] };
  }
  return adapted;
}

/** Adapts a map of name → schema without treating its keys as keywords. */
function adaptSchemaMap(schemas: JsonSchema): JsonSchema {
  const adapted: JsonSchema = {};
  for (const [name, schema] of Object.entries(schemas)) adapted[name] = adaptSchema(schema);
  return adapted;
}

function pointerOf(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') return `${error.instancePath}/${String(params.missingProperty)}`;
  if (error.keyword === 'additionalProperties') return `${error.instancePath}/${String(params.additionalProperty)}`;
  return error.instancePath || '/';
}

function detailOf(error: ErrorObject, body: unknown): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `'${String(params.missingProperty)}' is a required field.`;
    case 'additionalProperties': {
      const resource = resourceTypeAt(body, error.instancePath);
      return `'${String(params.additionalProperty)}' is not a valid field for the resource '${resource}'.`;
    }
    case 'enum':
      return `${error.instancePath || 'Value'} must be one of: ${(params.allowedValues as unknown[]).map(String).join(', ')}.`;
    default:
      return `${error.instancePath || 'Body'} ${error.message ?? 'is invalid'}.`;
  }
}

/** The JSON:API `type` of the innermost resource object on the path (Klaviyo names it in errors). */
function resourceTypeAt(body: unknown, instancePath: string): string {
  let node: unknown = body;
  let resource = 'data';
  for (const token of instancePath.split('/').slice(1)) {
    if (node && typeof node === 'object') {
      const type = (node as { type?: unknown }).type;
      if (typeof type === 'string') resource = type;
      node = (node as Record<string, unknown>)[token.replace(/~1/g, '/').replace(/~0/g, '~')];
    }
  }
  const type = (node as { type?: unknown } | null)?.type;
  return typeof type === 'string' ? type : resource;
}

/**
 * The subset's prose stripping also removed real fields named `description` (compare the full spec):
 * put them back so valid bodies are not rejected as unknown fields.
 */
function restoreStrippedFields(schemas: JsonSchema): JsonSchema {
  const webhook = schemas.WebhookCreateQueryResourceObject as
    | { properties?: { attributes?: { properties?: JsonSchema } } }
    | undefined;
  const attributes = webhook?.properties?.attributes?.properties;
  if (attributes && !attributes.description) attributes.description = { type: 'string', nullable: true };
  return schemas;
}

export class BodyValidator {
  private ajvInstance: Ajv | null = null;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly document: OpenApiDocument) {}

  /** Built on first use: adapting and registering 500 schemas takes a few hundred milliseconds. */
  private get ajv(): Ajv {
    if (!this.ajvInstance) {
      this.ajvInstance = new Ajv({ strict: false, allErrors: true });
      const addFormats = ((ajvFormats as unknown as { default?: unknown }).default ?? ajvFormats) as (ajv: Ajv) => void;
      addFormats(this.ajvInstance);
      const schemas = restoreStrippedFields(adaptSchemaMap(this.document.components.schemas as JsonSchema));
      this.ajvInstance.addSchema({ $id: 'klaviyo', components: { schemas } });
    }
    return this.ajvInstance;
  }

  /** Issues found in `body` for the schema `#/components/schemas/...` (empty when valid). */
  validate(schemaRef: string, body: unknown): BodyIssue[] {
    let validate = this.compiled.get(schemaRef);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `klaviyo${schemaRef}` });
      this.compiled.set(schemaRef, validate);
    }
    if (validate(body)) return [];
    const seen = new Set<string>();
    const issues: BodyIssue[] = [];
    for (const error of validate.errors ?? []) {
      // anyOf/oneOf summaries repeat what their branches said, without a useful pointer.
      if (error.keyword === 'anyOf' || error.keyword === 'oneOf') continue;
      const issue = { pointer: pointerOf(error), detail: detailOf(error, body) };
      const key = `${issue.pointer}\u0000${issue.detail}`;
      if (seen.has(key)) continue;
      seen.add(key);
      issues.push(issue);
    }
    return issues.length > 0 ? issues.slice(0, 50) : [{ pointer: '/', detail: 'The request body is invalid.' }];
  }
}

/**
 * Validators are pure (schema in, issues out), so sandboxes started in one process share one per
 * document and each operation's schema is compiled once per process, not once per sandbox.
 */
const sharedValidators = new WeakMap<OpenApiDocument, BodyValidator>();

export function bodyValidatorFor(document: OpenApiDocument): BodyValidator {
  let validator = sharedValidators.get(document);
  if (!validator) sharedValidators.set(document, (validator = new BodyValidator(document)));
  return validator;
}
