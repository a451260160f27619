/**
 * Does a webhook Klaviyo lists deliver to the URL we want to register? Live Klaviyo masks
 * `endpoint_url` in its answers (`https://host/*****`; older answers truncated long URLs with
 * `...`), so an exact comparison never matches and every re-run would create a duplicate. What is
 * visible must agree with our URL: the scheme, host and port, and any path shown before the mask.
 * A masked origin alone does not tell two receivers on one host apart, so it must be corroborated
 * by the webhook's name or its topics.
 */

export interface ListedWebhook {
  endpoint_url: string;
  name: string;
  topics: readonly string[];
}

export interface WantedWebhook {
  url: string;
  name: string;
  topics: readonly string[];
}

export function sameWebhookEndpoint(listed: ListedWebhook, wanted: WantedWebhook): boolean {
  const visible = visiblePart(listed.endpoint_url);
  if (visible === undefined) return normalise(listed.endpoint_url) === normalise(wanted.url);
  if (!visibleAgrees(visible, wanted.url)) return false;
  return listed.name === wanted.name || sameTopicSet(listed.topics, wanted.topics);
}

/** The shown prefix of a masked (`*`) or truncated (`...`) URL; undefined when the URL is shown whole. */
function visiblePart(listed: string): string | undefined {
  const mask = listed.indexOf('*');
  if (mask >= 0) return listed.slice(0, mask);
  if (listed.endsWith('...')) return listed.slice(0, -3);
  // Some answers may use the ellipsis character instead of three dots.
  if (listed.endsWith('…')) return listed.slice(0, -1);
  return undefined;
}

function visibleAgrees(visible: string, url: string): boolean {
  const wanted = parse(url);
  const authorityEnd = visible.indexOf('/', visible.indexOf('://') + 3);
  const shown = authorityEnd > 0 ? parse(visible) : undefined;
  if (!wanted || !shown) {
    // The mask cut into the host: only a textual prefix can be compared.
    return url.toLowerCase().startsWith(visible.toLowerCase());
  }
  return shown.origin === wanted.origin && wanted.pathname.startsWith(shown.pathname);
}

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

function normalise(url: string): string {
  const parsed = parse(url);
  return (parsed ? parsed.href : url).replace(/\/+$/, '');
}

/** Topic lists as sets: order and repeats do not matter to Klaviyo. */
export function sameTopicSet(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((t) => right.has(t));
}
