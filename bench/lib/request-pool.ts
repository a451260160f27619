import type { AutocannonRequest } from 'autocannon';

export interface PreparedRequest {
  method: string;
  body: string;
  headers: Record<string, string>;
}

type SetupRequest = NonNullable<AutocannonRequest['setupRequest']>;

/**
 * A `setupRequest` that hands out requests built before the load starts, then builds the rest on
 * the fly. The load generator shares the machine's two cores with the server, so whatever it
 * spends per request (an HMAC, a template fill) is CPU the server does not get; the hello-world
 * baseline's requests cost it nothing of the kind. Measured: signing each webhook delivery inside
 * setupRequest cost the client ~70 µs per request and the delivery route ~20 % of its throughput.
 * Every request is still unique (new ids, its own signature); none is sent twice.
 */
export function pooledRequests(poolSize: number, build: (index: number) => PreparedRequest): SetupRequest {
  const pool = Array.from({ length: poolSize }, (_, i) => build(i));
  let next = 0;
  return (request) => {
    const prepared = pool[next] ?? build(next);
    pool[next] = undefined as unknown as PreparedRequest;
    next += 1;
    request.method = prepared.method;
    request.body = prepared.body;
    request.headers = prepared.headers;
    return request;
  };
}

/** Enough requests for a run at `ceilingPerSec` (beyond the hello-world's rate here) for its whole length. */
export function poolSizeFor(seconds: number, ceilingPerSec = 4000): number {
  return Math.ceil(seconds * ceilingPerSec);
}
