import { cpus } from 'node:os';
import { startChildServer } from './lib/child-server.js';
import { runLoad, type LoadResult } from './lib/run-load.js';
import { drainBacklog, requestsPerThousandOrders } from './ingest-sync.js';

/**
 * Ingest benchmarks (BENCHMARKS.md):
 *  (a) POST /v1/events throughput and p50/p99 for 1- and 100-event bodies, beside hello-world;
 *  (b) Klaviyo requests per 1,000 orders, beside one request per event;
 *  (c) time to drain 100,000 events under Klaviyo's tier limits, beside the minimum they allow.
 *   npx tsx bench/ingest.ts [durationS=10] [connections=32] [drainEvents=100000] [speedUp=1] [parts=abc]
 */
const durationS = Number(process.argv[2] ?? 10);
const connections = Number(process.argv[3] ?? 32);
const drainEvents = Number(process.argv[4] ?? 100_000);
const speedUp = Number(process.argv[5] ?? 1);
/** Which parts to run, e.g. `a` or `bc` (default all). */
const parts = process.argv[6] ?? 'abc';
const TOKEN = 'bench-ingest-token-0000000';

/** Unique insert_ids per request, so every event is stored (no duplicate shortcut). */
function eventBodies(events: number) {
  const one = (i: number) => ({ event_name: 'Viewed Product', email: `shopper${i % 1000}@example.com`, insert_id: `__ID__-${i}`, properties: { ProductID: `sku-${i}`, Price: 19.5, Categories: ['Kitchen'] } });
  const template = JSON.stringify(events === 1 ? one(0) : { events: Array.from({ length: events }, (_, i) => one(i)) });
  const run = Date.now().toString(36);
  let counter = 0;
  return (request: { headers: Record<string, string>; body?: string | Buffer; method?: string }) => {
    counter += 1;
    request.method = 'POST';
    request.body = template.replaceAll('__ID__', `${run}-${counter}`);
    request.headers = { ...request.headers, 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` };
    return request;
  };
}

async function measure(label: string, moduleUrl: URL, load: (url: string) => Promise<LoadResult>) {
  const server = await startChildServer(moduleUrl);
  try {
    const result = await load(server.url);
    process.stderr.write(`${label}: ${result.requestsPerSec.toFixed(0)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, non-2xx ${result.non2xx}\n`);
    return { label, ...result };
  } finally {
    await server.close();
  }
}

export async function benchIngest() {
  const common = { connections, durationS, warmupS: 2 };
  const lines = [
    `Node ${process.version}, ${cpus().length} CPU(s) (${cpus()[0]?.model ?? 'unknown'}), ${connections} connections, ${durationS} s per run after a 2 s warm-up; server in its own process; SQLite WAL, synchronous=FULL.`,
    '',
  ];
  if (parts.includes('a')) {
    const baseline = await measure('express hello-world (GET /)', new URL('./servers/hello-world.ts', import.meta.url), (url) => runLoad({ ...common, url }));
    const ingestServer = new URL('./servers/ingest-app.ts', import.meta.url);
    const one = await measure('POST /v1/events, 1 event', ingestServer, (url) => runLoad({ ...common, url: `${url}/v1/events`, method: 'POST', setupRequest: eventBodies(1) }));
    const hundred = await measure('POST /v1/events, 100 events', ingestServer, (url) => runLoad({ ...common, url: `${url}/v1/events`, method: 'POST', setupRequest: eventBodies(100) }));
    const rows = [baseline, one, hundred];
    const oneOk = one.requestsPerSec >= baseline.requestsPerSec * 0.4 && one.p99Ms < 25;
    lines.push(
      '| scenario | req/s | events/s | vs baseline (req/s) | p50 ms | p99 ms | non-2xx |',
      '|---|---:|---:|---:|---:|---:|---:|',
      ...rows.map((r, i) => `| ${r.label} | ${r.requestsPerSec.toFixed(0)} | ${i === 0 ? '–' : (r.requestsPerSec * (i === 1 ? 1 : 100)).toFixed(0)} | ${((r.requestsPerSec / baseline.requestsPerSec) * 100).toFixed(0)} % | ${r.p50Ms} | ${r.p99Ms} | ${r.non2xx} |`),
      '',
      `(a) target 1-event ≥ 40 % of baseline and p99 < 25 ms → ${oneOk ? 'met' : 'MISSED'}.`,
    );
  }
  if (parts.includes('b')) {
    const orders = await requestsPerThousandOrders();
    lines.push(`(b) 1,000 orders (1–2 lines) = ${orders.events} events → ${orders.requests} Klaviyo requests (one request per event would be ${orders.events}); target ≤ 3 → ${orders.requests <= 3 ? 'met' : 'MISSED'}.`);
  }
  if (parts.includes('c')) {
    const drain = await drainBacklog(drainEvents, speedUp);
    lines.push(
      `(c) ${drain.events} events drained in ${(drain.elapsedMs / 1000).toFixed(2)} s with ${drain.requests} requests at speedUp ${drain.speedUp}; minimum the M tier allows (10/s burst, 150/m steady, 1,000 events per request) ${(drain.minimumMs / 1000).toFixed(2)} s → ${(drain.elapsedMs / drain.minimumMs).toFixed(3)} × minimum; target ≤ 1.15 → ${drain.elapsedMs <= drain.minimumMs * 1.15 ? 'met' : 'MISSED'}; 429s ${drain.throttled}.`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchIngest().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exit(1);
    },
  );
}
