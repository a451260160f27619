/** What a backend's health keeps of the failures its sub-stores meet (sqlite/store-health.ts, postgres/health.ts). */
export interface SubStoreFailures {
  /** A storage failure becomes a StorageUnavailableError and is remembered; any other error passes through. */
  translate(error: unknown, operation: string): unknown;
  /** A write that gates an acknowledgment committed: the store takes writes again. */
  writeCommitted(): void;
}

/**
 * Every method of a sub-store, with its storage failures turned into StorageUnavailableError (503 +
 * Retry-After at the edge, never a 500) and remembered by health. A method named in `gatingWrites` (a
 * write that gates an acknowledgment) clears a remembered failure when it succeeds. The sub-stores are
 * plain objects of functions, so no `this` is lost. Shared by the SQLite and PostgreSQL backends.
 */
export function guardSubStore<T extends object>(name: string, subStore: T, health: SubStoreFailures, gatingWrites: readonly string[] = []): T {
  const guarded: Record<string, unknown> = {};
  for (const [method, value] of Object.entries(subStore)) {
    if (typeof value !== 'function') {
      guarded[method] = value;
      continue;
    }
    const call = value as (...args: unknown[]) => Promise<unknown>;
    const gating = gatingWrites.includes(method);
    guarded[method] = async (...args: unknown[]) => {
      try {
        const result = await call(...args);
        if (gating) health.writeCommitted();
        return result;
      } catch (error) {
        throw health.translate(error, `${name}.${method}`);
      }
    };
  }
  return guarded as T;
}
