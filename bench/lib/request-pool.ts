import { BENCH_INGEST_TOKEN } from './service.js';
import type { AutocannonRequest } from 'autocannon';

export interface PreparedRequest {
  method: string;
  body: string;
  headers: Record<string, string>;
}

type SetupRequest = NonNullable<AutocannonRequest['setupRequest']>;

/**
 * Hands out requests built before the load starts, then builds the rest on the fly. The load
 * generator shares the machine's two cores with the server, so whatever it spends per request (an
 * HMAC, a template fill) is CPU the server does not get; the hello-world baseline's requests cost it
 * nothing of the kind. Measured: signing each webhook delivery during the load cost the client
 * ~70 µs per request and the delivery route ~20 % of its throughput. Every request is still unique
 * (new ids, its own signature); none is sent twice.
 */
export function pooledRequests(poolSize: number, build: (index: number) => PreparedRequest): () => PreparedRequest {
  const pool: Array<PreparedRequest | undefined> = Array.from({ length: poolSize }, (_, i) => build(i));
  let next = 0;
  return () => {
    const prepared = pool[next] ?? build(next);
    pool[next] = undefined;
    next += 1;
    return prepared;
  };
}

/** The same requests as autocannon's `setupRequest`. */
export function asSetupRequest(next: () => PreparedRequest): SetupRequest {
  return (request) => {
    const prepared = next();
    request.method = prepared.method;
    request.body = prepared.body;
    request.headers = prepared.headers;
    return request;
  };
}

/** Enough requests for a run at `ceilingPerSec` (beyond the hello-world's rate here) for its whole length. */
export function poolSizeFor(seconds: number, ceilingPerSec = 8000): number {
  return Math.ceil(seconds * ceilingPerSec);
}

/** Unique 1-event bodies (no duplicate shortcut), built before the load. */
export function eventBodies(pooled: number) {
  const run = Date.now().toString(36) + Math.random().toString(36).slice(2, 6);
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${BENCH_INGEST_TOKEN}` };
  return pooledRequests(pooled, (i) => ({
    method: 'POST',
    headers,
    body: JSON.stringify({ event_name: 'Viewed Product', email: `shopper${i % 1000}@example.com`, insert_id: `${run}-${i}`, properties: { ProductID: `sku-${i}`, Price: 19.5, Categories: ['Kitchen'] } }),
  }));
}
