/**
 * How two pending updates of the same person combine (last write wins per field; docs/ingest.md).
 * Plain objects merge key by key, recursively, so `properties.plan` from the newer update does not
 * erase `properties.tier` from the older one; anything else (strings, numbers, arrays, null) in the
 * newer payload replaces the older value. Part of the store contract, so every backend merges alike.
 */
export function mergePayloads(older: Record<string, unknown>, newer: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...older };
  for (const [key, value] of Object.entries(newer)) {
    const previous = merged[key];
    // defineProperty, not assignment: a "__proto__" key from a client's JSON must stay a plain field.
    Object.defineProperty(merged, key, {
      value: isPlainObject(previous) && isPlainObject(value) ? mergePayloads(previous, value) : value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return merged;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
