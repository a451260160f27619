import { cpus } from 'node:os';
import { buildKlaviyoDeliveryBody, buildKlaviyoWebhookEvent, signKlaviyoBody } from '../sandbox/webhooks/klaviyo-webhook-signer.js';
import { isolateServerCpu, startChildServer } from './lib/child-server.js';
import { startFsyncProbe, type DiskLatency } from './lib/fsync-probe.js';
import { asSetupRequest, eventBodies, poolSizeFor, pooledRequests } from './lib/request-pool.js';
import { helloWorldScenario, measure, median, type Measured } from './lib/rounds.js';
import { runPacedLoad } from './lib/paced-load.js';
import { runLoad } from './lib/run-load.js';
import { runAsMain } from './lib/main.js';

/**
 * The HTTP edge on the stock stack, for 1-event `POST /v1/events` and 1-event Klaviyo deliveries:
 *  1. saturation: the route's req/s against a stock Express hello-world, 32 connections each,
 *     target ≥ 0.40 ×;
 *  2. half load: the route at half of its own saturation rate (open load at an even pace, latency
 *     counted from when each request was due: paced-load.ts),
 *     with the service's background work running as in production (the sync worker draining to
 *     a Klaviyo sandbox, the webhook dispatcher), while a probe measures the disk's fdatasync
 *     latency on the same disk at the same time; target p99 ≤ 2 × the disk's p99 + 5 ms (a request
 *     may wait for the commit in progress, then its own).
 * Rounds alternate baseline and subjects, each against fresh server processes; medians are reported.
 *   npx tsx bench/edge.ts [durationS=6] [rounds=3] [subjects=ingest,webhooks]
 */
const durationS = Number(process.argv[2] ?? 6);
const rounds = Number(process.argv[3] ?? 3);
const subjects = (process.argv[4] ?? 'ingest,webhooks').split(',');
const CONNECTIONS = 32;
const SECRET = 'bench-webhook-secret-0123456789';
const SANDBOX_KEY = 'pk_bench_edge_sandbox_01';

const ingestServer = new URL('./servers/ingest-app.ts', import.meta.url);
const webhookServer = new URL('./servers/webhook-app.ts', import.meta.url);

/** Unique, freshly signed 1-event deliveries, built before the load. */
function signedDeliveries(pooled: number) {
  const run = Date.now().toString(36) + Math.random().toString(36).slice(2, 6);
  const template = JSON.stringify(buildKlaviyoDeliveryBody({ events: [buildKlaviyoWebhookEvent({ external_id: '__ID__' })] }));
  return pooledRequests(pooled, (i) => {
    const body = template.replaceAll('__ID__', `${run}-${i}`);
    const timestamp = new Date().toUTCString();
    return {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'klaviyo-signature': signKlaviyoBody(body, timestamp, SECRET), 'klaviyo-timestamp': timestamp, 'klaviyo-webhook-id': '01KP49WEBHOOK' },
    };
  });
}

interface Subject {
  name: string;
  label: string;
  path: string;
  /** Server args; for the half-load run, with the background work of production. */
  serverArgs(sandboxUrl: string): string[];
  server: URL;
  requests(pooled: number): ReturnType<typeof pooledRequests>;
}

const SUBJECTS: Subject[] = [
  { name: 'ingest', label: 'POST /v1/events, 1 event', path: '/v1/events', server: ingestServer, serverArgs: (url) => [url, SANDBOX_KEY], requests: eventBodies },
  { name: 'webhooks', label: 'POST /webhooks/klaviyo, 1 event', path: '/webhooks/klaviyo', server: webhookServer, serverArgs: () => [SECRET], requests: signedDeliveries },
];

interface HalfLoad extends Measured {
  rate: number;
  disk: DiskLatency;
  budgetMs: number;
}

async function saturation(subject: Subject, sandboxUrl: string): Promise<Measured> {
  // The edge alone: no background work competes for the CPU (the half-load run adds it).
  return measure(`${subject.label} (saturation)`, subject.server, subject.name === 'ingest' ? [] : subject.serverArgs(sandboxUrl), (url, beforeMeasure) =>
    runLoad({ url: `${url}${subject.path}`, method: 'POST', connections: CONNECTIONS, durationS, warmupS: 2, setupRequest: asSetupRequest(subject.requests(poolSizeFor(durationS + 2))), beforeMeasure }),
  );
}

async function halfLoad(subject: Subject, sandboxUrl: string, saturatedRate: number): Promise<HalfLoad> {
  const rate = Math.max(1, Math.round(saturatedRate / 2));
  let probe: Awaited<ReturnType<typeof startFsyncProbe>> | undefined;
  const run = await measure(`${subject.label} at ${rate} req/s (half load)`, subject.server, subject.serverArgs(sandboxUrl), async (url, beforeMeasure) =>
    runPacedLoad({
      url: `${url}${subject.path}`,
      connections: CONNECTIONS,
      durationS,
      warmupS: 2,
      rate,
      next: subject.requests(Math.ceil(rate * (durationS + 2) * 1.1)),
      beforeMeasure: async () => {
        await beforeMeasure();
        probe = await startFsyncProbe();
      },
    }),
  );
  if (!probe) throw new Error('the disk probe did not start');
  const disk = await probe.stop();
  const budgetMs = 2 * disk.p99Ms + 5;
  process.stderr.write(`  disk fdatasync p50 ${disk.p50Ms} ms, p99 ${disk.p99Ms} ms (${disk.samples} samples) → budget ${budgetMs.toFixed(1)} ms; route p99 ${run.p99Ms} ms\n`);
  return { ...run, rate, disk, budgetMs };
}

export async function benchEdge(): Promise<string> {
  // The fake Klaviyo the ingest worker drains to, in its own process, at Klaviyo's real limits.
  const placement = isolateServerCpu();
  const sandbox = await startChildServer(new URL('./servers/klaviyo-sandbox.ts', import.meta.url), [SANDBOX_KEY, '1'], { isolated: false });
  const baselines: Measured[] = [];
  const results = new Map<string, { saturated: Measured[]; half: HalfLoad[] }>(SUBJECTS.map((s) => [s.name, { saturated: [], half: [] }]));
  try {
    for (let round = 0; round < rounds; round += 1) {
      process.stderr.write(`-- round ${round + 1} of ${rounds}\n`);
      baselines.push(await helloWorldScenario({ connections: CONNECTIONS, durationS, warmupS: 2 })());
      for (const subject of SUBJECTS.filter((s) => subjects.includes(s.name))) {
        const own = results.get(subject.name);
        if (!own) continue;
        const saturated = await saturation(subject, sandbox.url);
        own.saturated.push(saturated);
        own.half.push(await halfLoad(subject, sandbox.url, saturated.requestsPerSec));
      }
    }
  } finally {
    await sandbox.close();
  }

  const lines = [
    `Node ${process.version}, ${cpus().length} CPU(s) (${cpus()[0]?.model ?? 'unknown'}), ${CONNECTIONS} connections, ${durationS} s per run after a 2 s warm-up, ${rounds} rounds (medians); each server in its own process, ${placement}; SQLite WAL, synchronous=FULL.`,
    '',
    '| route | saturation req/s | vs hello-world | per round | half load req/s | p50 ms | p99 ms | disk fdatasync p99 ms | budget 2 × disk p99 + 5 ms | per round (p99 / budget) | CPU µs/req |',
    '|---|---:|---:|---|---:|---:|---:|---:|---:|---|---:|',
    `| express hello-world (GET /) | ${median(baselines.map((b) => b.requestsPerSec)).toFixed(0)} | 100 % | – | – | – | – | – | – | – | ${median(baselines.map((b) => b.cpuMicrosPerRequest)).toFixed(0)} |`,
  ];
  const verdicts: string[] = [];
  for (const subject of SUBJECTS.filter((s) => subjects.includes(s.name))) {
    const own = results.get(subject.name);
    if (!own || own.saturated.length === 0) continue;
    const ratios = own.saturated.map((r, i) => r.requestsPerSec / (baselines[i]?.requestsPerSec ?? Number.NaN));
    const ratio = median(ratios);
    const p99 = median(own.half.map((h) => h.p99Ms));
    const budget = median(own.half.map((h) => h.budgetMs));
    const withinBudget = own.half.filter((h) => h.p99Ms <= h.budgetMs).length;
    lines.push(
      `| ${subject.label} | ${median(own.saturated.map((r) => r.requestsPerSec)).toFixed(0)} | ${(ratio * 100).toFixed(0)} % | ${ratios.map((r) => `${(r * 100).toFixed(0)} %`).join(' / ')} | ${median(own.half.map((h) => h.rate)).toFixed(0)} | ${median(own.half.map((h) => h.p50Ms))} | ${p99} | ${median(own.half.map((h) => h.disk.p99Ms))} | ${budget.toFixed(1)} | ${own.half.map((h) => `${h.p99Ms} / ${h.budgetMs.toFixed(1)}`).join(', ')} | ${median(own.saturated.map((r) => r.cpuMicrosPerRequest)).toFixed(0)} |`,
    );
    verdicts.push(
      `${subject.label}: saturation ${(ratio * 100).toFixed(0)} % of the hello-world (target ≥ 40 %) → ${ratio >= 0.4 ? 'met' : 'MISSED'}; half-load p99 ${p99} ms vs budget ${budget.toFixed(1)} ms (median; ${withinBudget} of ${own.half.length} rounds within their own budget) → ${p99 <= budget ? 'met' : 'MISSED'}; non-2xx ${own.half.reduce((s, h) => s + h.non2xx, 0) + own.saturated.reduce((s, r) => s + r.non2xx, 0)}.`,
    );
  }
  lines.push('', ...verdicts);
  const table = lines.join('\n');
  process.stdout.write(`${table}\n`);
  return table;
}

runAsMain(import.meta.url, benchEdge);
