/**
 * How calls and answers cross to and from the store thread: as one JSON string each, which a
 * MessagePort copies far more cheaply than the structured clone of the objects themselves. Dates
 * (the store's `now` arguments, its items' timestamps) survive the trip as tagged epoch numbers.
 */
const DATE_TAG = '$kbDate';
/** An `undefined` in an array (e.g. an optional argument) stays undefined instead of becoming null. */
const UNDEFINED_TAG = '$kbUndefined';

export function encode(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, replaced: unknown) {
    const raw = this[key];
    if (raw instanceof Date) return { [DATE_TAG]: raw.getTime() };
    if (raw === undefined && Array.isArray(this)) return { [UNDEFINED_TAG]: 1 };
    return replaced;
  });
}

export function decode(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown) => {
    if (value === null || typeof value !== 'object') return value;
    if (DATE_TAG in value) return new Date((value as Record<string, number>)[DATE_TAG] as number);
    // Returning undefined leaves a hole in the array, which reads as undefined.
    return UNDEFINED_TAG in value ? undefined : value;
  });
}
