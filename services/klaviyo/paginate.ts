import type { KlaviyoClient } from './client.js';
import type { JsonApiDocument, JsonApiResource } from './json-api.js';
import type { KlaviyoLimitClassName } from './rate-limits.js';
import type { Query } from './wire.js';

export interface PagedRead {
  limitClass: KlaviyoLimitClassName;
  path: string;
  query?: Query;
  signal?: AbortSignal;
}

/**
 * Walks a cursor-paginated read by following `links.next` (which carries the cursor and every
 * original parameter) until it is absent. Pages are fetched lazily, one at a time, so memory stays
 * bounded however large the account is; every page goes through the class's limiter.
 */
export async function* paginatePages<R extends JsonApiResource<unknown>>(
  client: KlaviyoClient,
  read: PagedRead,
): AsyncGenerator<JsonApiDocument<R[]>, void, undefined> {
  let path = read.path;
  let query: Query | undefined = read.query;
  let previous: string | undefined;
  for (;;) {
    const { body } = await client.request<JsonApiDocument<R[]>>({
      limitClass: read.limitClass,
      method: 'GET',
      path,
      query,
      idempotent: true,
      signal: read.signal,
    });
    yield body;
    const next = body?.links?.next;
    if (!next) return;
    // A server that hands back the same cursor would loop forever; stop instead.
    if (next === previous) throw new Error(`Klaviyo returned the same next link twice for ${read.limitClass}`);
    previous = next;
    path = next;
    query = undefined;
  }
}

/** Every resource of a paginated read, in order. */
export async function* paginate<R extends JsonApiResource<unknown>>(
  client: KlaviyoClient,
  read: PagedRead,
): AsyncGenerator<R, void, undefined> {
  for await (const page of paginatePages<R>(client, read)) yield* page.data ?? [];
}
