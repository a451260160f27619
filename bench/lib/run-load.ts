import autocannon, { type AutocannonRequest } from 'autocannon';

export interface LoadOptions {
  url: string;
  /** Concurrent connections. */
  connections?: number;
  /** Seconds of measured load. */
  durationS?: number;
  /** Seconds of unmeasured load first (JIT, caches, SQLite pages). */
  warmupS?: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Called between the warm-up and the measured run (e.g. to sample the server's CPU time). */
  beforeMeasure?: () => Promise<void>;
  /** Requests per second across all connections (open load); absent → as fast as the server answers. */
  overallRate?: number;
  /** Builds each request (e.g. a freshly signed, unique delivery). */
  setupRequest?: AutocannonRequest['setupRequest'];
}

export interface LoadResult {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  total: number;
  non2xx: number;
  errors: number;
}

/** Runs autocannon against `url` and reduces its result to the figures BENCHMARKS.md reports. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const base = {
    url: options.url,
    connections: options.connections ?? 10,
    method: options.method ?? 'GET',
    headers: options.headers,
    body: options.body,
    requests: options.setupRequest ? [{ setupRequest: options.setupRequest }] : undefined,
  };
  if ((options.warmupS ?? 2) > 0) await autocannon({ ...base, duration: options.warmupS ?? 2 });
  await options.beforeMeasure?.();
  const result = await autocannon({ ...base, duration: options.durationS ?? 10, ...(options.overallRate ? { overallRate: options.overallRate } : {}) });
  return {
    requestsPerSec: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}
