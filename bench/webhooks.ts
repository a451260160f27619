import { cpus } from 'node:os';
import { buildKlaviyoDeliveryBody, buildKlaviyoWebhookEvent, signKlaviyoBody } from '../sandbox/webhooks/klaviyo-webhook-signer.js';
import { helloWorldScenario, interleavedRounds, measure, perRound, type Measured } from './lib/rounds.js';
import { poolSizeFor, pooledRequests } from './lib/request-pool.js';
import { runLoad } from './lib/run-load.js';

/**
 * Verified Klaviyo deliveries per second and p99 latency for 1-event and 100-event bodies, beside an
 * Express hello-world measured in the same run (BENCHMARKS.md). Each request is a new delivery with
 * unique external_ids, freshly signed, so every one is verified and stored (no duplicate shortcut).
 *   npx tsx bench/webhooks.ts [durationS=6] [connections=10] [rounds=5]   (benchWebhooks() is exported for a bench runner)
 */
const SECRET = 'bench-webhook-secret-0123456789';
const durationS = Number(process.argv[2] ?? 6);
const connections = Number(process.argv[3] ?? 10);
const rounds = Number(process.argv[4] ?? 5);

/** A body template whose ids are filled per request: cheaper than JSON.stringify of 100 events each time. */
function deliveryTemplate(events: number): string {
  const items = Array.from({ length: events }, (_, i) => buildKlaviyoWebhookEvent({ external_id: `__ID__-${i}` }));
  return JSON.stringify(buildKlaviyoDeliveryBody({ events: items }));
}

/** Unique, freshly signed deliveries: `pooled` of them built before the load starts (request-pool.ts). */
function signedDeliveries(events: number, pooled: number) {
  const template = deliveryTemplate(events);
  const run = Date.now().toString(36);
  return pooledRequests(pooled, (i) => {
    const body = template.replaceAll('__ID__', `${run}-${i}`);
    const timestamp = new Date().toUTCString();
    return {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'klaviyo-signature': signKlaviyoBody(body, timestamp, SECRET),
        'klaviyo-timestamp': timestamp,
        'klaviyo-webhook-id': '01KP49WEBHOOK',
      },
    };
  });
}

export async function benchWebhooks() {
  const common = { connections, durationS, warmupS: 2 };
  const webhookServer = new URL('./servers/webhook-app.ts', import.meta.url);
  const post = (events: number) => (url: string, beforeMeasure: () => Promise<void>) =>
    // 1-event bodies are pre-built for the whole run; 100-event ones (30 KB each) are built as sent.
    runLoad({ ...common, url: `${url}/webhooks/klaviyo`, method: 'POST', setupRequest: signedDeliveries(events, events === 1 ? poolSizeFor(durationS + 2) : 0), beforeMeasure });
  // The target pair alternates (with the second reference), so each ratio compares runs seconds apart.
  const [baseline, one] = await interleavedRounds(rounds, [
    helloWorldScenario(common),
    () => measure('POST /webhooks/klaviyo, 1 event', webhookServer, [SECRET], post(1)),
  ]);
  if (!baseline || !one) throw new Error('a scenario did not run');
  // Not targets: measured once, after the rounds. The floor is what every route of the app stands
  // on (security headers, access log, metrics, routing); its ratio is against the last baseline.
  const floorRun = await measure('GET /healthz of the same app (middleware floor)', webhookServer, [SECRET], (url, beforeMeasure) => runLoad({ ...common, url: `${url}/healthz`, beforeMeasure }));
  const hundred = await measure('POST /webhooks/klaviyo, 100 events', webhookServer, [SECRET], post(100));
  const lastBaseline = baseline.runs.at(-1) as Measured;
  const met = one.vsBaseline >= 0.5 && one.p99Ms < 20;
  const lines = [
    `Node ${process.version}, ${cpus().length} CPU(s) (${cpus()[0]?.model ?? 'unknown'}), ${connections} connections, ${durationS} s per run after a 2 s warm-up, ${rounds} interleaved rounds (medians); server in its own process; SQLite WAL, synchronous=FULL.`,
    '',
    '| scenario | req/s | vs baseline | per round | p50 ms | p99 ms | server CPU µs/req | non-2xx | errors |',
    '|---|---:|---:|---|---:|---:|---:|---:|---:|',
    ...[baseline, one].map(
      (r) =>
        `| ${r.label} | ${r.requestsPerSec.toFixed(0)} | ${(r.vsBaseline * 100).toFixed(0)} % | ${perRound(r, baseline, (run, base) => `${((run.requestsPerSec / base.requestsPerSec) * 100).toFixed(0)} %`)} | ${r.p50Ms} | ${r.p99Ms} | ${r.cpuMicrosPerRequest.toFixed(0)} | ${r.non2xx} | ${r.errors} |`,
    ),
    `| ${floorRun.label} (once) | ${floorRun.requestsPerSec.toFixed(0)} | ${((floorRun.requestsPerSec / lastBaseline.requestsPerSec) * 100).toFixed(0)} % | – | ${floorRun.p50Ms} | ${floorRun.p99Ms} | ${floorRun.cpuMicrosPerRequest.toFixed(0)} | ${floorRun.non2xx} | ${floorRun.errors} |`,
    `| ${hundred.label} (once) | ${hundred.requestsPerSec.toFixed(0)} (${(hundred.requestsPerSec * 100).toFixed(0)} events/s) | – | – | ${hundred.p50Ms} | ${hundred.p99Ms} | ${hundred.cpuMicrosPerRequest.toFixed(0)} | ${hundred.non2xx} | ${hundred.errors} |`,
    '',
    `1-event p99 per round: ${one.runs.map((r) => `${r.p99Ms} ms`).join(' / ')} (baseline ${baseline.runs.map((r) => `${r.p99Ms} ms`).join(' / ')}).`,
    `Target (1-event): ≥ 50 % of the baseline and p99 < 20 ms (medians) → ${met ? 'met' : 'MISSED'}.`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return [baseline, one];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchWebhooks().catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
}
