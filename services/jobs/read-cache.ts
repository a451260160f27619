import type { CacheStore } from '../../src/store/store.js';

const HOUR_MS = 60 * 60 * 1000;

/** Lifetimes of cached Klaviyo reads, in milliseconds (docs/jobs.md). */
export const CACHE_TTL_MS = {
  predictiveAnalytics: 24 * HOUR_MS,
  segments: HOUR_MS,
  catalog: HOUR_MS,
  reports: HOUR_MS,
  /** Flow structure and copy change as rarely as segments, and crawling them costs the most requests. */
  flows: HOUR_MS,
  campaigns: HOUR_MS,
  /** Metric ids never change once a metric exists; only found ids are kept (see placed-order-metric.ts). */
  metrics: HOUR_MS,
} as const;

/** Pages outlive their manifest by this much, so a reader that found the manifest finds every page. */
const PAGE_GRACE_MS = 10 * 60 * 1000;

interface PagesManifest {
  pages: number;
}

/** Which loaded values (or pages) are worth keeping; the rest are used once and read again next time. */
export interface KeepOptions<T> {
  keep?: (value: T) => boolean;
}

export interface ReadCacheOptions {
  cache: CacheStore;
  clock: () => Date;
  /** Skip cached values (they are still refreshed), e.g. for a run with `refreshCache: true`. */
  bypass?: boolean;
}

/**
 * Slow-changing Klaviyo reads kept in the store's cache. Paged reads are cached page by page and
 * replayed page by page, so memory stays bounded at any account size; a manifest written after the
 * last page marks a complete copy (a run cancelled half-way leaves no half copy that looks whole).
 */
export function createReadCache(options: ReadCacheOptions) {
  const { cache, clock } = options;
  return {
    async value<T>(key: string, ttlMs: number, load: () => Promise<T>, keepOptions: KeepOptions<T> = {}): Promise<T> {
      if (!options.bypass) {
        const hit = await cache.get<{ v: T }>(key, clock());
        if (hit) return hit.v;
      }
      const value = await load();
      if (keepOptions.keep?.(value) ?? true) await cache.set(key, { v: value }, ttlMs, clock());
      return value;
    },

    /** `keep` is asked about every page; if it refuses one, no manifest is written (the next read goes to Klaviyo). */
    async *pages<T>(key: string, ttlMs: number, source: () => AsyncIterable<T[]>, keepOptions: KeepOptions<T[]> = {}): AsyncIterable<T[]> {
      const manifest = options.bypass ? undefined : await cache.get<PagesManifest>(`${key}:manifest`, clock());
      if (manifest) {
        for (let i = 0; i < manifest.pages; i += 1) {
          const page = await cache.get<T[]>(`${key}:page:${i}`, clock());
          if (!page) throw new Error(`cached page ${i} of ${key} is missing`);
          yield page;
        }
        return;
      }
      const startedAt = clock();
      let count = 0;
      let complete = true;
      // One page read ahead: the next request is in flight while this page is stored and consumed,
      // so a sequential cursor walk is paced by the limiter, not by our own per-page work.
      const pages = source()[Symbol.asyncIterator]();
      let ahead = pages.next();
      try {
        for (;;) {
          const current = await ahead;
          if (current.done) break;
          ahead = pages.next();
          ahead.catch(() => undefined); // surfaced by the await above on the next turn
          if (keepOptions.keep && !keepOptions.keep(current.value)) complete = false;
          if (complete) await cache.set(`${key}:page:${count}`, current.value, ttlMs + PAGE_GRACE_MS, startedAt);
          count += 1;
          yield current.value;
        }
      } finally {
        await pages.return?.();
      }
      if (complete) await cache.set(`${key}:manifest`, { pages: count } satisfies PagesManifest, ttlMs, startedAt);
    },
  };
}

export type ReadCache = ReturnType<typeof createReadCache>;
