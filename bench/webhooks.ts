import { cpus } from 'node:os';
import { buildKlaviyoDeliveryBody, buildKlaviyoWebhookEvent, signKlaviyoBody } from '../sandbox/webhooks/klaviyo-webhook-signer.js';
import { startChildServer } from './lib/child-server.js';
import { runLoad, type LoadResult } from './lib/run-load.js';

/**
 * Verified Klaviyo deliveries per second and p99 latency for 1-event and 100-event bodies, beside an
 * Express hello-world measured in the same run (BENCHMARKS.md). Each request is a new delivery with
 * unique external_ids, freshly signed, so every one is verified and stored (no duplicate shortcut).
 *   npx tsx bench/webhooks.ts [durationS] [connections]   (benchWebhooks() is exported for a bench runner)
 */
const SECRET = 'bench-webhook-secret-0123456789';
const durationS = Number(process.argv[2] ?? 10);
const connections = Number(process.argv[3] ?? 10);

/** A body template whose ids are filled per request: cheaper than JSON.stringify of 100 events each time. */
function deliveryTemplate(events: number): string {
  const items = Array.from({ length: events }, (_, i) => buildKlaviyoWebhookEvent({ external_id: `__ID__-${i}` }));
  return JSON.stringify(buildKlaviyoDeliveryBody({ events: items }));
}

function signedDeliveries(events: number) {
  const template = deliveryTemplate(events);
  const run = Date.now().toString(36);
  let counter = 0;
  return (request: { headers: Record<string, string>; body?: string | Buffer; method?: string }) => {
    counter += 1;
    const body = template.replaceAll('__ID__', `${run}-${counter}`);
    const timestamp = new Date().toUTCString();
    request.method = 'POST';
    request.body = body;
    request.headers = {
      ...request.headers,
      'content-type': 'application/json',
      'klaviyo-signature': signKlaviyoBody(body, timestamp, SECRET),
      'klaviyo-timestamp': timestamp,
      'klaviyo-webhook-id': '01KP49WEBHOOK',
    };
    return request;
  };
}

/**
 * One scenario against a fresh server process. Besides req/s and latency it records the server's CPU
 * time per request: on a shared or noisy machine that figure moves far less than throughput does.
 */
async function measure(label: string, moduleUrl: URL, load: (url: string, beforeMeasure: () => Promise<void>) => Promise<LoadResult>) {
  const server = await startChildServer(moduleUrl, [SECRET]);
  try {
    let cpuStart = 0;
    const result = await load(server.url, async () => {
      cpuStart = await server.cpuMicros();
    });
    const cpuMicrosPerRequest = (await server.cpuMicros() - cpuStart) / Math.max(1, result.total);
    process.stderr.write(`${label}: ${result.requestsPerSec.toFixed(0)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, ${cpuMicrosPerRequest.toFixed(0)} µs CPU/req, non-2xx ${result.non2xx}, errors ${result.errors}\n`);
    return { label, ...result, cpuMicrosPerRequest };
  } finally {
    await server.close();
  }
}

export async function benchWebhooks() {
  const common = { connections, durationS, warmupS: 2 };
  const baseline = await measure('express hello-world (GET /)', new URL('./servers/hello-world.ts', import.meta.url), (url, beforeMeasure) => runLoad({ ...common, url, beforeMeasure }));
  const webhookServer = new URL('./servers/webhook-app.ts', import.meta.url);
  // The floor every route of the app stands on: helmet, pino-http request logging, metrics, router.
  const floor = await measure('GET /healthz of the same app (middleware floor)', webhookServer, (url, beforeMeasure) =>
    runLoad({ ...common, url: `${url}/healthz`, beforeMeasure }),
  );
  const one = await measure('POST /webhooks/klaviyo, 1 event', webhookServer, (url, beforeMeasure) =>
    runLoad({ ...common, url: `${url}/webhooks/klaviyo`, method: 'POST', setupRequest: signedDeliveries(1), beforeMeasure }),
  );
  const hundred = await measure('POST /webhooks/klaviyo, 100 events', webhookServer, (url, beforeMeasure) =>
    runLoad({ ...common, url: `${url}/webhooks/klaviyo`, method: 'POST', setupRequest: signedDeliveries(100), beforeMeasure }),
  );
  const rows = [baseline, floor, one, hundred];
  const lines = [
    `Node ${process.version}, ${cpus().length} CPU(s) (${cpus()[0]?.model ?? 'unknown'}), ${connections} connections, ${durationS} s per run after a 2 s warm-up; server in its own process; SQLite WAL, synchronous=FULL.`,
    '',
    '| scenario | req/s | vs baseline | p50 ms | p99 ms | server CPU µs/req | non-2xx | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.label} | ${r.requestsPerSec.toFixed(0)} | ${((r.requestsPerSec / baseline.requestsPerSec) * 100).toFixed(0)} % | ${r.p50Ms} | ${r.p99Ms} | ${r.cpuMicrosPerRequest.toFixed(0)} | ${r.non2xx} | ${r.errors} |`,
    ),
    '',
    `Target (1-event): ≥ 50 % of the baseline and p99 < 20 ms → ${one.requestsPerSec >= baseline.requestsPerSec / 2 && one.p99Ms < 20 ? 'met' : 'MISSED'}.`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchWebhooks().catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
}
