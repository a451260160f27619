/** Builders and a tiny client for the Klaviyo sandbox tests. */
import { afterEach } from 'vitest';
import { startKlaviyoSandbox, type KlaviyoSandbox, type KlaviyoSandboxOptions } from '../../sandbox/klaviyo/index.js';

export const API_KEY = 'pk_sandbox_test_key_0001';

const started: KlaviyoSandbox[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((sandbox) => sandbox.close()));
});

/** A small account by default, so tests stay fast; closed after each test. */
export async function startSandbox(overrides: Partial<KlaviyoSandboxOptions> = {}): Promise<KlaviyoSandbox> {
  const sandbox = await startKlaviyoSandbox({
    apiKey: API_KEY,
    seed: 7,
    ...overrides,
    scale: { profiles: 300, orders: 400, ...overrides.scale },
  });
  started.push(sandbox);
  return sandbox;
}

/** A clock the test moves by hand (epoch milliseconds), for deterministic rate-limit windows. */
export function manualClock(startMs = Date.UTC(2026, 6, 1)) {
  let nowMs = startMs;
  return {
    now: () => nowMs,
    advance: (ms: number) => {
      nowMs += ms;
    },
  };
}

export interface KlaviyoAnswer {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON:API documents of many shapes
}

export async function klaviyo(
  sandbox: KlaviyoSandbox,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string | undefined> = {},
): Promise<KlaviyoAnswer> {
  const merged: Record<string, string> = {};
  const defaults = { authorization: `Klaviyo-API-Key ${API_KEY}`, revision: '2026-07-15', 'content-type': 'application/vnd.api+json', accept: 'application/vnd.api+json' };
  for (const [name, value] of Object.entries({ ...defaults, ...headers })) if (value !== undefined) merged[name] = value;
  const url = path.startsWith('http') ? path : `${sandbox.url}${path}`;
  const response = await fetch(url, { method, headers: merged, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

/** Follows `links.next` until it is null; returns every resource of every page. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON:API resources of many shapes
export async function allPages(sandbox: KlaviyoSandbox, path: string, beforeEachPage?: () => void): Promise<any[]> {
  const items: KlaviyoAnswer['body'][] = [];
  let next: string | null = path;
  while (next) {
    beforeEachPage?.();
    const answer: KlaviyoAnswer = await klaviyo(sandbox, 'GET', next);
    if (answer.status !== 200) throw new Error(`GET ${next} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    items.push(...answer.body.data);
    next = answer.body.links?.next ?? null;
  }
  return items;
}

export function buildEvent(overrides: { email?: string; metric?: string; uniqueId?: string | null; time?: string; properties?: Record<string, unknown>; value?: number } = {}) {
  const attributes: Record<string, unknown> = {
    properties: overrides.properties ?? { OrderId: 'A-1' },
    metric: { data: { type: 'metric', attributes: { name: overrides.metric ?? 'Placed Order' } } },
    profile: { data: { type: 'profile', attributes: { email: overrides.email ?? 'buyer@example.org' } } },
  };
  if (overrides.uniqueId !== null) attributes.unique_id = overrides.uniqueId ?? 'order:A-1:placed';
  if (overrides.time) attributes.time = overrides.time;
  if (overrides.value !== undefined) attributes.value = overrides.value;
  return { data: { type: 'event', attributes } };
}

export function buildBulkEvents(groups: { email: string; events: { metric?: string; uniqueId: string }[] }[]) {
  return {
    data: {
      type: 'event-bulk-create-job',
      attributes: {
        'events-bulk-create': {
          data: groups.map((group) => ({
            type: 'event-bulk-create',
            attributes: {
              profile: { data: { type: 'profile', attributes: { email: group.email } } },
              events: {
                data: group.events.map((event) => ({
                  type: 'event',
                  attributes: { properties: {}, unique_id: event.uniqueId, metric: { data: { type: 'metric', attributes: { name: event.metric ?? 'Viewed Product' } } } },
                })),
              },
            },
          })),
        },
      },
    },
  };
}

export function buildProfileImport(attributes: Record<string, unknown>) {
  return { data: { type: 'profile', attributes } };
}

export function buildBulkImport(profiles: Record<string, unknown>[]) {
  return { data: { type: 'profile-bulk-import-job', attributes: { profiles: { data: profiles.map((attributes) => ({ type: 'profile', attributes })) } } } };
}

export function buildReport(type: 'campaign-values-report' | 'flow-values-report', conversionMetricId: string, overrides: Record<string, unknown> = {}) {
  return {
    data: {
      type,
      attributes: {
        statistics: ['recipients', 'delivered', 'opens_unique', 'clicks_unique', 'conversion_uniques', 'conversion_value', 'open_rate', 'click_rate', 'conversion_rate', 'revenue_per_recipient'],
        timeframe: { key: 'last_90_days' },
        conversion_metric_id: conversionMetricId,
        ...overrides,
      },
    },
  };
}

/** `{data: [{type: 'profile', id}, …]}`: the body of adding to and removing from a list. */
export function buildListMembers(ids: string[]) {
  return { data: ids.map((id) => ({ type: 'profile', id })) };
}

/** A data-privacy deletion job; `id` goes next to `attributes` (which the schema requires, `{}` with an id). */
export function buildProfileDeletion(target: { email?: string | null; phone_number?: string | null; id?: string | null }) {
  const { id, ...attributes } = target;
  return { data: { type: 'data-privacy-deletion-job', attributes: { profile: { data: { type: 'profile', ...(id !== undefined ? { id } : {}), attributes } } } } };
}
