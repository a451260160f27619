/**
 * The pinned OpenAPI subset, read from the repository (never from ../shared), turned into the table of
 * operations the fake serves: route matcher, published rate limit, request-body schema.
 */
import { readFileSync } from 'node:fs';
import type { AllowedFilters } from './http/filter.js';

export const SUBSET_SPEC_URL = new URL('../../services/klaviyo/openapi/klaviyo-2026-07-15.subset.json', import.meta.url);

export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, unknown> };
}

interface OpenApiOperation {
  operationId?: string;
  'x-klaviyo-ratelimit'?: { burst?: string; steady?: string; daily?: string };
  requestBody?: { content?: Record<string, { schema?: { $ref?: string } }> };
  'x-klaviyo-filters'?: AllowedFilters;
  'x-klaviyo-scopes'?: string[];
}

export interface RateBudget {
  /** Requests per 1 s window. */
  burst: number;
  /** Requests per 60 s window. */
  steady: number;
  /** Requests per 24 h window, for the reporting endpoints. */
  daily?: number;
}

export interface SandboxOperation {
  operationId: string;
  method: string;
  /** Path template as in the spec, e.g. `/api/profiles/{id}`. */
  template: string;
  budget: RateBudget;
  /** `#/components/schemas/...` of the JSON request body, if the operation takes one. */
  requestSchemaRef: string | null;
  /** Filterable fields and operators (`x-klaviyo-filters`), when the operation takes a filter. */
  filters: AllowedFilters | undefined;
  /** OAuth scopes the operation needs, all of them (`x-klaviyo-scopes`); a private key needs none. */
  scopes: readonly string[];
  match(path: string): Record<string, string> | null;
}

let cachedDocument: OpenApiDocument | null = null;

export function loadSubsetSpec(): OpenApiDocument {
  cachedDocument ??= JSON.parse(readFileSync(SUBSET_SPEC_URL, 'utf8')) as OpenApiDocument;
  return cachedDocument;
}

/** "75/s" → 75; the unit is implied by the field (burst, steady, daily). */
function parseLimit(value: string | undefined, field: string, operationId: string): number {
  const count = Number.parseInt(value ?? '', 10);
  if (!Number.isFinite(count) || count <= 0) throw new Error(`${operationId}: unreadable ${field} limit ${String(value)}`);
  return count;
}

function compileMatcher(template: string): (path: string) => Record<string, string> | null {
  const names: string[] = [];
  const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([^}]+)\}/g, (_all, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  const regex = new RegExp(`^${pattern}/?$`);
  return (path) => {
    const found = regex.exec(path);
    if (!found) return null;
    const params: Record<string, string> = {};
    names.forEach((name, i) => {
      params[name] = decodeURIComponent(found[i + 1] ?? '');
    });
    return params;
  };
}

export function buildOperations(document: OpenApiDocument): SandboxOperation[] {
  const operations: SandboxOperation[] = [];
  for (const [template, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      if (!operation || typeof operation !== 'object' || !operation.operationId) continue;
      const id = operation.operationId;
      const limits = operation['x-klaviyo-ratelimit'];
      const budget: RateBudget = {
        burst: parseLimit(limits?.burst, 'burst', id),
        steady: parseLimit(limits?.steady, 'steady', id),
      };
      if (limits?.daily) budget.daily = parseLimit(limits.daily, 'daily', id);
      const content = operation.requestBody?.content;
      const schema = content ? Object.values(content)[0]?.schema : undefined;
      operations.push({
        operationId: id,
        method: method.toUpperCase(),
        template,
        budget,
        requestSchemaRef: schema?.$ref ?? null,
        filters: operation['x-klaviyo-filters'],
        scopes: operation['x-klaviyo-scopes'] ?? [],
        match: compileMatcher(template),
      });
    }
  }
  // Literal segments beat parameters: `/api/profiles/{id}` must not swallow a longer literal path.
  return operations.sort((a, b) => b.template.split('/').length - a.template.split('/').length);
}
