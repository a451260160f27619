/**
 * Limit classes: Klaviyo budgets each operation separately, and a few `additional-fields` values move
 * a request into a lower budget of its own. The operation budgets come from `x-klaviyo-ratelimit` of
 * the subset; the variants are stated only in the full spec's prose (get_profiles and get_segment
 * descriptions), so they are copied here. Class names match services/klaviyo: `operationId`, or
 * `operationId:additionalField` for a variant.
 */
import type { RateBudget, SandboxOperation } from './spec.js';

interface LimitVariant {
  operationId: string;
  /** The `additional-fields[<resource>]` query parameter that triggers the variant. */
  parameter: string;
  value: string;
  budget: RateBudget;
}

export const LIMIT_VARIANTS: readonly LimitVariant[] = [
  {
    operationId: 'get_profiles',
    parameter: 'additional-fields[profile]',
    value: 'predictive_analytics',
    budget: { burst: 10, steady: 150 },
  },
  {
    operationId: 'get_segment',
    parameter: 'additional-fields[segment]',
    value: 'profile_count',
    budget: { burst: 1, steady: 15 },
  },
];

export function limitClassBudgets(operations: readonly SandboxOperation[]): Map<string, RateBudget> {
  const budgets = new Map<string, RateBudget>();
  for (const operation of operations) budgets.set(operation.operationId, operation.budget);
  for (const variant of LIMIT_VARIANTS) budgets.set(`${variant.operationId}:${variant.value}`, variant.budget);
  return budgets;
}

/** Comma-separated or repeated query values, as Klaviyo accepts both. */
export function queryList(query: URLSearchParams, name: string): string[] {
  return query
    .getAll(name)
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter((value) => value.length > 0);
}

export function limitClassOf(operation: SandboxOperation, query: URLSearchParams): string {
  for (const variant of LIMIT_VARIANTS) {
    if (variant.operationId === operation.operationId && queryList(query, variant.parameter).includes(variant.value)) {
      return `${variant.operationId}:${variant.value}`;
    }
  }
  return operation.operationId;
}
