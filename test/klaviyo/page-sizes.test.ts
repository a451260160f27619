import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KLAVIYO_PAGE_SIZE_MAX, klaviyoPageSize } from '../../services/klaviyo/page-sizes.js';
import { PAGE_LIMITS } from '../../sandbox/klaviyo/page-limits.js';
import { SUBSET_PATH } from './support/openapi-validator.js';

interface Parameter {
  name?: string;
  schema?: { maximum?: number };
}

/** `page[size]` maximum per operationId in the shipped subset; null where the operation has no such parameter. */
function specPageSizeMax(): Map<string, number | null> {
  const spec = JSON.parse(readFileSync(SUBSET_PATH, 'utf8')) as { paths: Record<string, Record<string, { operationId?: string; parameters?: Parameter[] }>> };
  const maxima = new Map<string, number | null>();
  for (const methods of Object.values(spec.paths)) {
    for (const operation of Object.values(methods)) {
      if (!operation?.operationId) continue;
      const pageSize = (operation.parameters ?? []).find((parameter) => parameter.name === 'page[size]');
      maxima.set(operation.operationId, pageSize ? (pageSize.schema?.maximum ?? null) : null);
    }
  }
  return maxima;
}

describe('page sizes within live maxima', () => {
  it('when the client table is compared with the pinned spec, then every size is within the document and none is sent where there is no page[size]', () => {
    const spec = specPageSizeMax();
    for (const [operation, max] of Object.entries(KLAVIYO_PAGE_SIZE_MAX)) {
      expect(spec.has(operation), operation).toBe(true);
      if (max === null) expect(spec.get(operation), operation).toBeNull();
      else expect(max, operation).toBeLessThanOrEqual(spec.get(operation) ?? 0);
    }
    // Live maxima the document does not show: events are served 200 a page although 1,000 is allowed.
    expect(spec.get('get_events')).toBe(1000);
    expect(KLAVIYO_PAGE_SIZE_MAX.get_events).toBe(200);
  });

  it('when the client table is compared with the sandbox, then the client never asks for more than the sandbox (live) serves', () => {
    expect(Object.keys(KLAVIYO_PAGE_SIZE_MAX).sort()).toEqual(Object.keys(PAGE_LIMITS).sort());
    for (const [operation, max] of Object.entries(KLAVIYO_PAGE_SIZE_MAX)) {
      const limit = PAGE_LIMITS[operation];
      if (max === null) expect(limit?.max, operation).toBeNull();
      else expect(max, operation).toBe(Math.min(limit?.max ?? 0, limit?.served ?? Infinity));
    }
  });

  it('when a size is requested, then it is clamped to 1 … the maximum; without one, none is sent', () => {
    expect(klaviyoPageSize('get_segments', 100)).toBe(10);
    expect(klaviyoPageSize('get_flows', 20)).toBe(20);
    expect(klaviyoPageSize('get_events', 1000)).toBe(200);
    expect(klaviyoPageSize('get_profiles', 0)).toBe(1);
    expect(klaviyoPageSize('get_profiles', 12.7)).toBe(12);
    expect(klaviyoPageSize('get_profiles', undefined)).toBeUndefined();
    expect(klaviyoPageSize('get_profiles', Number.NaN)).toBeUndefined();
  });
});
