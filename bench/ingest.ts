import { cpus } from 'node:os';
import { helloWorldScenario, interleavedRounds, measure, median, perRound } from './lib/rounds.js';
import { poolSizeFor, pooledRequests } from './lib/request-pool.js';
import { runLoad } from './lib/run-load.js';
import { drainBacklog, requestsPerThousandOrders } from './ingest-sync.js';

/**
 * Ingest benchmarks (BENCHMARKS.md):
 *  (a) POST /v1/events throughput and p50/p99 for 1- and 100-event bodies, beside hello-world;
 *  (b) Klaviyo requests per 1,000 orders, beside one request per event;
 *  (c) time to drain 100,000 events under Klaviyo's tier limits, beside the minimum they allow.
 *   npx tsx bench/ingest.ts [durationS=10] [connections=32] [drainEvents=100000] [speedUp=1] [parts=abc] [rounds=3]
 */
const durationS = Number(process.argv[2] ?? 10);
const connections = Number(process.argv[3] ?? 32);
const drainEvents = Number(process.argv[4] ?? 100_000);
const speedUp = Number(process.argv[5] ?? 1);
/** Which parts to run, e.g. `a` or `bc` (default all). */
const parts = process.argv[6] ?? 'abc';
/** Interleaved rounds of (a) and runs of (c); medians are reported. */
const rounds = Number(process.argv[7] ?? 3);
const TOKEN = 'bench-ingest-token-0000000';

/** Unique insert_ids per request, so every event is stored (no duplicate shortcut); `pooled` built before the load. */
function eventBodies(events: number, pooled: number) {
  const one = (i: number) => ({ event_name: 'Viewed Product', email: `shopper${i % 1000}@example.com`, insert_id: `__ID__-${i}`, properties: { ProductID: `sku-${i}`, Price: 19.5, Categories: ['Kitchen'] } });
  const template = JSON.stringify(events === 1 ? one(0) : { events: Array.from({ length: events }, (_, i) => one(i)) });
  const run = Date.now().toString(36);
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` };
  return pooledRequests(pooled, (i) => ({ method: 'POST', body: template.replaceAll('__ID__', `${run}-${i}`), headers }));
}

export async function benchIngest() {
  const common = { connections, durationS, warmupS: 2 };
  const lines = [
    `Node ${process.version}, ${cpus().length} CPU(s) (${cpus()[0]?.model ?? 'unknown'}), ${connections} connections, ${durationS} s per run after a 2 s warm-up, ${rounds} interleaved rounds (medians); server in its own process; SQLite WAL, synchronous=FULL.`,
    '',
  ];
  if (parts.includes('a')) {
    const ingestServer = new URL('./servers/ingest-app.ts', import.meta.url);
    const post = (events: number) => (url: string, beforeMeasure: () => Promise<void>) =>
      runLoad({ ...common, url: `${url}/v1/events`, method: 'POST', setupRequest: eventBodies(events, events === 1 ? poolSizeFor(durationS + 2) : 0), beforeMeasure });
    const [baseline, one] = await interleavedRounds(rounds, [
      helloWorldScenario(common),
      () => measure('POST /v1/events, 1 event', ingestServer, [], post(1)),
    ]);
    // Not a target: measured once, after the rounds.
    const hundred = await measure('POST /v1/events, 100 events', ingestServer, [], post(100));
    if (!baseline || !one) throw new Error('a scenario did not run');
    const oneOk = one.vsBaseline >= 0.4 && one.p99Ms < 25;
    lines.push(
      '| scenario | req/s | events/s | vs baseline (req/s) | per round | p50 ms | p99 ms | server CPU µs/req | non-2xx |',
      '|---|---:|---:|---:|---|---:|---:|---:|---:|',
      ...[baseline, one].map(
        (r) =>
          `| ${r.label} | ${r.requestsPerSec.toFixed(0)} | ${r !== one ? '–' : r.requestsPerSec.toFixed(0)} | ${(r.vsBaseline * 100).toFixed(0)} % | ${perRound(r, baseline, (run, base) => `${((run.requestsPerSec / base.requestsPerSec) * 100).toFixed(0)} %, p99 ${run.p99Ms} ms`)} | ${r.p50Ms} | ${r.p99Ms} | ${r.cpuMicrosPerRequest.toFixed(0)} | ${r.non2xx} |`,
      ),
      `| ${hundred.label} (once) | ${hundred.requestsPerSec.toFixed(0)} | ${(hundred.requestsPerSec * 100).toFixed(0)} | ${((hundred.requestsPerSec / baseline.requestsPerSec) * 100).toFixed(0)} % | – | ${hundred.p50Ms} | ${hundred.p99Ms} | ${hundred.cpuMicrosPerRequest.toFixed(0)} | ${hundred.non2xx} |`,
      '',
      `(a) target 1-event ≥ 40 % of baseline and p99 < 25 ms (medians) → ${oneOk ? 'met' : 'MISSED'}.`,
    );
  }
  if (parts.includes('b')) {
    const orders = await requestsPerThousandOrders();
    lines.push(`(b) 1,000 orders (1–2 lines) = ${orders.events} events → ${orders.requests} Klaviyo requests (one request per event would be ${orders.events}); target ≤ 3 → ${orders.requests <= 3 ? 'met' : 'MISSED'}.`);
  }
  if (parts.includes('c')) {
    const drains = [];
    for (let round = 0; round < rounds; round += 1) {
      const drain = await drainBacklog(drainEvents, speedUp);
      process.stderr.write(`(c) drain ${round + 1} of ${rounds}: ${(drain.elapsedMs / 1000).toFixed(2)} s\n`);
      drains.push(drain);
    }
    const ratios = drains.map((d) => d.elapsedMs / d.minimumMs);
    const ratio = median(ratios);
    const first = drains[0];
    if (!first) throw new Error('no drain ran');
    lines.push(
      `(c) ${first.events} events drained with ${first.requests} requests at speedUp ${first.speedUp}, ${rounds} runs: ${drains.map((d) => `${(d.elapsedMs / 1000).toFixed(2)} s`).join(' / ')}; minimum the M tier allows (10/s burst, 150/m steady, 1,000 events per request) ${(first.minimumMs / 1000).toFixed(2)} s → median ${ratio.toFixed(3)} × minimum (${ratios.map((r) => r.toFixed(3)).join(' / ')}); target ≤ 1.15 → ${ratio <= 1.15 ? 'met' : 'MISSED'}; 429s ${drains.map((d) => d.throttled).join(' / ')}.`,
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
