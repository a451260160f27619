/**
 * What goes on the wire for every Klaviyo call: the URL (base + path + query) and the headers
 * (API key, pinned revision, JSON:API media type).
 */
import { KlaviyoForeignLinkError } from './error-classes.js';
import type { KlaviyoLimitClassName } from './rate-limits.js';

export const JSON_API = 'application/vnd.api+json';

export type QueryValue = string | number | boolean | readonly string[] | undefined;
export type Query = Record<string, QueryValue>;

/** A scheme (`https:`, `http:`, …) at the start: an absolute URL, as `links.next` is. */
const ABSOLUTE_URL = /^[a-z][a-z\d+.-]*:/i;

/**
 * `path` is `/api/...` or an absolute `links.next` URL. The API key must never go anywhere but the
 * configured base URL's origin, so the URL is built on that origin and only its path and query come
 * from `path`. Resolving `path` against the base instead would let `//evil.example/…` (or
 * `/\evil.example/…`) name another host. An absolute link on another origin (host, port or scheme)
 * throws `KlaviyoForeignLinkError`: nothing is sent.
 */
export function buildUrl(baseUrl: string, path: string, query: Query = {}, limitClass?: KlaviyoLimitClassName): URL {
  const base = new URL(baseUrl);
  const target = ABSOLUTE_URL.test(path) ? sameOriginTarget(base, path, limitClass) : relativeTarget(path);
  const url = new URL(base.origin);
  // The pathname setter never changes the host: a leading `//` stays part of the path.
  url.pathname = base.pathname !== '/' && !target.pathname.startsWith(base.pathname) ? `${base.pathname.replace(/\/+$/, '')}${target.pathname}` : target.pathname;
  url.search = target.search;
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    url.searchParams.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  return url;
}

function sameOriginTarget(base: URL, link: string, limitClass: KlaviyoLimitClassName | undefined): { pathname: string; search: string } {
  const url = new URL(link);
  if (url.origin !== base.origin) {
    throw new KlaviyoForeignLinkError({
      status: undefined,
      code: 'foreign_link',
      message: `Klaviyo returned a link to ${url.origin}, not to the configured base URL's origin ${base.origin}: refused, so the API key is not sent there`,
      retryable: false,
      limitClass,
      linkOrigin: url.origin,
    });
  }
  return { pathname: url.pathname, search: url.search };
}

/** `/api/...?query`, taken apart by hand: never resolved as a URL reference. */
function relativeTarget(path: string): { pathname: string; search: string } {
  const withoutFragment = path.split('#', 1)[0] ?? '';
  const queryAt = withoutFragment.indexOf('?');
  return queryAt < 0
    ? { pathname: withoutFragment, search: '' }
    : { pathname: withoutFragment.slice(0, queryAt), search: withoutFragment.slice(queryAt) };
}

/** `authorization`: the whole header value, `Klaviyo-API-Key pk_…` or `Bearer <OAuth access token>` (credentials.ts). */
export function buildHeaders(authorization: string, revision: string, hasBody: boolean, userAgent = 'klaviyo-bridge'): Record<string, string> {
  const headers: Record<string, string> = {
    Authorization: authorization,
    revision,
    Accept: JSON_API,
    'User-Agent': userAgent,
  };
  if (hasBody) headers['Content-Type'] = JSON_API;
  return headers;
}

/** Klaviyo answers JSON:API or nothing (202/204); anything else is kept as text for the error. */
export function parseBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
