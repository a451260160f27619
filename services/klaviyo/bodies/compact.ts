/**
 * Drops keys whose value is undefined. The schemas reject a present-but-undefined field, and an
 * omitted field means "leave unchanged" to Klaviyo, whereas null means "clear it".
 */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Guards a batch size Klaviyo documents; exceeding it is a programming error of the caller. */
export function assertBatchSize(what: string, size: number, max: number): void {
  if (size < 1 || size > max) throw new RangeError(`${what}: expected 1–${max} items, got ${size}`);
}
