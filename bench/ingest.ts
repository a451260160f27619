import { cpus } from 'node:os';
import { drainRounds, requestsPerThousandOrders } from './ingest-sync.js';
import { runAsMain } from './lib/main.js';

/**
 * Ingest benchmarks (BENCHMARKS.md):
 *  (the edge's own figures, 1-event POST /v1/events against a hello-world and at half load, are bench/edge.ts)
 *  (b) Klaviyo requests per 1,000 orders, beside one request per event;
 *  (c) time to drain 100,000 events under Klaviyo's tier limits, beside the minimum they allow.
 *   npx tsx bench/ingest.ts [drainEvents=100000] [speedUp=1] [parts=bc] [rounds=3]
 */
const drainEvents = Number(process.argv[2] ?? 100_000);
const speedUp = Number(process.argv[3] ?? 1);
/** Which parts to run, e.g. `b` or `bc` (default both). */
const parts = process.argv[4] ?? 'bc';
/** Runs of (c); the median is reported. */
const rounds = Number(process.argv[5] ?? 3);

export async function benchIngest() {
  const lines = [`Node ${process.version}, ${cpus().length} CPU(s) (${cpus()[0]?.model ?? 'unknown'}); the worker as buildService wires it, the sandbox in its own process at Klaviyo's real limits.`, ''];
  if (parts.includes('b')) {
    const orders = await requestsPerThousandOrders();
    lines.push(`(b) 1,000 orders (1–2 lines) = ${orders.events} events → ${orders.requests} Klaviyo requests (one request per event would be ${orders.events}); target ≤ 3 → ${orders.requests <= 3 ? 'met' : 'MISSED'}.`);
  }
  if (parts.includes('c')) {
    const { drains, first, ratios, ratio, times } = await drainRounds(rounds, drainEvents, speedUp, '(c)');
    lines.push(
      `(c) ${first.events} events drained with ${first.requests} requests at speedUp ${first.speedUp}, ${rounds} runs: ${times}; minimum the M tier allows (10/s burst, 150/m steady, 1,000 events per request) ${(first.minimumMs / 1000).toFixed(2)} s → median ${ratio.toFixed(3)} × minimum (${ratios.map((r) => r.toFixed(3)).join(' / ')}); target ≤ 1.15 → ${ratio <= 1.15 ? 'met' : 'MISSED'}; 429s ${drains.map((d) => d.throttled).join(' / ')}.`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

runAsMain(import.meta.url, benchIngest);
