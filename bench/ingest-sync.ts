import type { SandboxReport } from '../sandbox/klaviyo/index.js';
import { startChildServer } from './lib/child-server.js';
import { median } from './lib/rounds.js';
import { benchService } from './lib/service.js';
import { serializeEventBulkCreateBody } from '../services/klaviyo/bodies/event.js';
import { KLAVIYO_LIMIT_CLASSES } from '../services/klaviyo/rate-limits.js';
import { mapEvent } from '../services/sync/event-mapping.js';
import { openPostgresStore } from '../src/store/postgres/open.js';

const KEY = 'pk_bench_ingest_sandbox_01';
const INGEST = 'bench-sync-ingest-token-01';

/**
 * Store + worker + Klaviyo service (shared speedUp) against the sandbox in a child process; app
 * optional. `databaseUrl`: on PostgreSQL (the schema in its search_path must exist) instead of SQLite.
 */
async function setup(speedUp: number, withApp: boolean, databaseUrl?: string) {
  // The fake Klaviyo runs in its own process: its body validation must not slow the worker measured.
  const sandbox = await startChildServer(new URL('./servers/klaviyo-sandbox.ts', import.meta.url), [KEY, String(speedUp)]);
  const report = async () => (await (await fetch(`${sandbox.url}/__sandbox/report`)).json()) as SandboxReport;
  // The service as server.ts builds it, its worker sharing the sandbox's speed-up.
  const pgStore = databaseUrl ? await openPostgresStore({ connectionString: databaseUrl }) : undefined;
  const { service, close: closeService } = benchService(
    { KLAVIYO_API_KEY: KEY, KLAVIYO_BASE_URL: sandbox.url, INGEST_TOKENS: INGEST, DATABASE_URL: databaseUrl },
    { klaviyo: { speedUp }, store: pgStore },
    'warn',
  );
  const { store } = service;
  const worker = { start: () => service.start() };
  const url = withApp ? `http://127.0.0.1:${(await service.listen(0, '127.0.0.1')).port}` : '';
  const drained = async () => {
    // The poll must not load the worker it measures: stats() counts the whole table (tens of ms at
    // 100,000 rows), whereas a ready summary a day ahead sees any pending or leased event at once.
    const dayAhead = () => new Date(Date.now() + 86_400_000);
    while ((await store.outbox.readySummary('event', dayAhead(), 1)).ready > 0) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return (await store.outbox.stats(new Date())).kinds;
  };
  /**
   * One small bulk request straight to the sandbox, then its report reset and its burst window left
   * to pass: the fake compiles its body validator on first use, which Klaviyo never makes us wait for.
   */
  const warmSandbox = async () => {
    const body = serializeEventBulkCreateBody([{ profile: { attributes: { external_id: 'warm-up' } }, events: [{ metric: 'Warm Up', properties: {}, unique_id: 'warm-up' }] }]);
    const headers = { authorization: `Klaviyo-API-Key ${KEY}`, revision: '2026-07-15', 'content-type': 'application/vnd.api+json', accept: 'application/vnd.api+json' };
    const answer = await fetch(`${sandbox.url}/api/event-bulk-create-jobs`, { method: 'POST', headers, body });
    if (answer.status !== 202) throw new Error(`sandbox warm-up answered ${answer.status}`);
    await fetch(`${sandbox.url}/__sandbox/report/reset`, { method: 'POST' });
    await new Promise((resolve) => setTimeout(resolve, 1_100 / speedUp));
  };
  const close = async () => {
    await closeService();
    await sandbox.close();
  };
  return { report, store, worker, url, drained, warmSandbox, close };
}

/** (b) Klaviyo requests per 1,000 orders of 1–2 lines, posted as 10 concurrent requests of 100. */
export async function requestsPerThousandOrders() {
  const env = await setup(1, true);
  try {
    await env.worker.start();
    const now = Date.now();
    const orders = Array.from({ length: 1000 }, (_, i) => ({
      order_id: `bench-${i}`,
      occurred_at: new Date(now - 60_000).toISOString(),
      customer: { email: `buyer${i % 300}@example.com` },
      currency: 'USD',
      total: 30,
      items: Array.from({ length: 1 + (i % 2) }, (_, l) => ({ product_id: `p${l}`, quantity: 1, price: 15 })),
    }));
    await Promise.all(
      Array.from({ length: 10 }, (_, r) =>
        fetch(`${env.url}/v1/orders`, {
          method: 'POST',
          headers: { authorization: `Bearer ${INGEST}`, 'content-type': 'application/json' },
          body: JSON.stringify({ orders: orders.slice(r * 100, r * 100 + 100) }),
        }),
      ),
    );
    const kinds = await env.drained();
    const report = await env.report();
    return { orders: 1000, events: kinds.event.delivered, requests: report.requests.byClass['bulk_create_events'] ?? 0, eventsStored: report.eventsStored };
  } finally {
    await env.close();
  }
}

/** The least time the bulk-events limits allow for `requests` requests (sliding burst and steady windows). */
export function minimumDrainMs(requests: number, speedUp: number): number {
  const { burstPerSecond, steadyPerMinute } = KLAVIYO_LIMIT_CLASSES.bulk_create_events;
  const last = requests - 1;
  return Math.max(Math.floor(last / burstPerSecond) * 1000, Math.floor(last / steadyPerMinute) * 60_000) / speedUp;
}

/** (c) Time to drain a backlog of `events` events under the bulk-events tier limits (M: 10/s, 150/m); on PostgreSQL with `databaseUrl`. */
export async function drainBacklog(events: number, speedUp: number, databaseUrl?: string) {
  const env = await setup(speedUp, false, databaseUrl);
  try {
    const now = new Date();
    for (let start = 0; start < events; start += 10_000) {
      const entries = Array.from({ length: Math.min(10_000, events - start) }, (_, i) => {
        const n = start + i;
        const event = { event_name: 'Backlog Event', distinct_id: `user-${n % 5000}`, insert_id: `backlog-${n}`, properties: { n, sku: `sku-${n % 97}` } };
        return mapEvent(event, event.insert_id, now);
      });
      await env.store.outbox.enqueue(entries, now);
    }
    await env.warmSandbox();
    const started = performance.now();
    await env.worker.start();
    await env.drained();
    const elapsedMs = performance.now() - started;
    const report = await env.report();
    const requests = report.requests.byClass['bulk_create_events'] ?? 0;
    return { events, speedUp, elapsedMs, requests, minimumMs: minimumDrainMs(Math.ceil(events / 1000), speedUp), eventsStored: report.eventsStored, throttled: report.limitClasses['bulk_create_events']?.throttled ?? 0 };
  } finally {
    await env.close();
  }
}

/** `rounds` drains of `events` (SQLite, or PostgreSQL with `databaseUrl`), each printed as it ends; the median ratio to the minimum. */
export async function drainRounds(rounds: number, events: number, speedUp: number, tag: string, databaseUrl?: () => Promise<string>) {
  const drains = [];
  for (let round = 0; round < rounds; round += 1) {
    const drain = await drainBacklog(events, speedUp, databaseUrl ? await databaseUrl() : undefined);
    process.stderr.write(`${tag} drain ${round + 1} of ${rounds}: ${(drain.elapsedMs / 1000).toFixed(2)} s\n`);
    drains.push(drain);
  }
  const first = drains[0];
  if (!first) throw new Error('no drain ran');
  const ratios = drains.map((d) => d.elapsedMs / d.minimumMs);
  const ratio = median(ratios);
  return { drains, first, ratios, ratio, times: drains.map((d) => `${(d.elapsedMs / 1000).toFixed(2)} s`).join(' / ') };
}

