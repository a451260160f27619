/**
 * What goes on the wire for every Klaviyo call: the URL (base + path + query) and the headers
 * (API key, pinned revision, JSON:API media type).
 */
export const JSON_API = 'application/vnd.api+json';

export type QueryValue = string | number | boolean | readonly string[] | undefined;
export type Query = Record<string, QueryValue>;

/**
 * `path` is `/api/...` or an absolute `links.next` URL. A `links.next` on another origin is re-based
 * onto ours: the API key must never be sent anywhere but the configured Klaviyo base URL.
 */
export function buildUrl(baseUrl: string, path: string, query: Query = {}): URL {
  const base = new URL(baseUrl);
  const given = new URL(path, base);
  const url = new URL(`${given.pathname}${given.search}`, base.origin);
  if (base.pathname !== '/' && !given.pathname.startsWith(base.pathname)) {
    url.pathname = `${base.pathname.replace(/\/+$/, '')}${given.pathname}`;
  }
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    url.searchParams.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  return url;
}

export function buildHeaders(apiKey: string, revision: string, hasBody: boolean): Record<string, string> {
  const headers: Record<string, string> = {
    Authorization: `Klaviyo-API-Key ${apiKey}`,
    revision,
    Accept: JSON_API,
    'User-Agent': 'klaviyo-bridge',
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
