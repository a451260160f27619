import type { z } from 'zod';

/**
 * Klaviyo's ingestion limits for custom properties (Klaviyo's documented event ingestion limits):
 * ≤ 300 top-level keys, nesting ≤ 10 levels, any string ≤ 100 KB, arrays ≤ 4,000 items. Checked
 * here so Klaviyo never dead-letters what we acknowledged. Every violation is reported with its path.
 */
export const PROPERTY_LIMITS = {
  maxKeys: 300,
  maxDepth: 10,
  maxStringBytes: 100 * 1024,
  maxArrayItems: 4000,
} as const;

type Path = Array<string | number>;

export function checkPropertyLimits(properties: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const keyCount = Object.keys(properties).length;
  if (keyCount > PROPERTY_LIMITS.maxKeys) {
    ctx.addIssue({ code: 'custom', message: `has ${keyCount} keys; Klaviyo allows at most ${PROPERTY_LIMITS.maxKeys}` });
  }
  walk(properties, [], 1, ctx);
}

function walk(value: unknown, path: Path, depth: number, ctx: z.RefinementCtx): void {
  if (typeof value === 'string') {
    // Byte length only matters near the limit; the cheap char count rules out most strings.
    if (value.length * 3 > PROPERTY_LIMITS.maxStringBytes && Buffer.byteLength(value) > PROPERTY_LIMITS.maxStringBytes) {
      ctx.addIssue({ code: 'custom', path, message: `string exceeds ${PROPERTY_LIMITS.maxStringBytes} bytes` });
    }
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (depth > PROPERTY_LIMITS.maxDepth) {
    ctx.addIssue({ code: 'custom', path, message: `nesting exceeds ${PROPERTY_LIMITS.maxDepth} levels` });
    return;
  }
  if (Array.isArray(value)) {
    if (value.length > PROPERTY_LIMITS.maxArrayItems) {
      ctx.addIssue({ code: 'custom', path, message: `array has ${value.length} items; Klaviyo allows at most ${PROPERTY_LIMITS.maxArrayItems}` });
      return;
    }
    value.forEach((item, i) => walk(item, [...path, i], depth + 1, ctx));
    return;
  }
  for (const [key, item] of Object.entries(value)) walk(item, [...path, key], depth + 1, ctx);
}
