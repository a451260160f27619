import { createHmac } from 'node:crypto';
import type { PrivacyIdentifier, PrivacyIdentifierKind } from './privacy.js';

/**
 * Which stored JSON names a person (docs/privacy.md#matching), one rule for both backends. The SQL
 * side narrows the rows with a substring test (`prefilterNeedle`, a superset); `jsonNames` then
 * decides on the parsed value, so SQLite and PostgreSQL purge exactly the same rows.
 *
 * - email: any string value, anywhere, equal to the address once trimmed and lower-cased (ingest
 *   keeps the caller's case in payloads; Klaviyo folds case);
 * - phone_number: any string value equal to the E.164 number;
 * - distinct_id: a string value of a member named `external_id` or `distinct_id` (how our payloads
 *   and Klaviyo's carry it). An opaque id such as "42" may also be someone's order id or SKU, so it
 *   is not matched elsewhere.
 */
export function normalizePrivacyIdentifier(kind: PrivacyIdentifierKind, value: string): PrivacyIdentifier {
  return { kind, value: kind === 'email' ? value.trim().toLowerCase() : value };
}

/** The text every matching row's JSON contains; `lowerCase`: compare it with the JSON lower-cased. */
export function prefilterNeedle(identifier: PrivacyIdentifier): { text: string; lowerCase: boolean } {
  if (identifier.kind === 'email') return { text: identifier.value, lowerCase: true };
  // As JSON.stringify writes it inside a string (quotes and backslashes escaped): every payload is stored that way.
  return { text: JSON.stringify(identifier.value).slice(1, -1), lowerCase: false };
}

const ID_MEMBERS = new Set(['external_id', 'distinct_id']);

function names(value: unknown, identifier: PrivacyIdentifier, member: string | undefined): boolean {
  if (typeof value === 'string') {
    if (identifier.kind === 'email') return value.trim().toLowerCase() === identifier.value;
    if (identifier.kind === 'phone_number') return value === identifier.value;
    return member !== undefined && ID_MEMBERS.has(member) && value === identifier.value;
  }
  if (Array.isArray(value)) return value.some((element) => names(element, identifier, member));
  if (typeof value === 'object' && value !== null) return Object.entries(value).some(([key, inner]) => names(inner, identifier, key));
  return false;
}

/** Whether stored JSON text names the person; text that is not JSON names no one. */
export function jsonNames(json: string, identifier: PrivacyIdentifier): boolean {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return false;
  }
  return names(value, identifier, undefined);
}

/** The audit's salted hash: HMAC-SHA-256 of `kind:value` under the installation's salt, hex. */
export function identifierHash(salt: string, identifier: PrivacyIdentifier): string {
  return createHmac('sha256', salt).update(`${identifier.kind}:${identifier.value}`).digest('hex');
}

/**
 * A purged in-flight item's merge key: no longer the person's (`email:…`), still equal for items that
 * shared one, so a bulk job's items group as they were sent (the verifier maps import errors by position).
 */
export function purgedMergeKey(salt: string, mergeKey: string | null): string | null {
  return mergeKey === null ? null : `purged:${createHmac('sha256', salt).update(mergeKey).digest('hex').slice(0, 32)}`;
}

/** What a purged item in a verifying job reads as (OutboxStore.verifyingJobs): a profile with nothing in it. */
export const purgedProfilePayload = (): Record<string, unknown> => ({ profile: {} });

/**
 * Cache keys to drop with the entries that name the person: a cached read of several pages
 * (`<key>:page:<n>`, services/jobs/read-cache.ts) goes whole, its manifest with it, so the next read
 * goes to Klaviyo instead of finding a page missing.
 */
export function cacheKeysToDrop(matched: readonly string[]): string[] {
  const keys = new Set(matched);
  for (const key of matched) {
    const paged = /^(.*):page:\d+$/.exec(key);
    if (paged) keys.add(`${paged[1]}:manifest`);
  }
  return [...keys];
}
