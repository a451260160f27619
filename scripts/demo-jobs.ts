/**
 * The jobs section of `npm run demo` (scripts/demo.ts calls `runJobsDemo`). It starts a fake Mavera
 * and, in this process, the jobs API (createApp + runner over the shared fake Klaviyo), then runs
 * every job dry and for real through HTTP (`POST …/runs`, `GET …?wait=`) and prints a summary of each.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KlaviyoSandbox } from '../sandbox/klaviyo/index.js';
import { startMaveraSandbox } from '../sandbox/mavera/index.js';
import { ALL_JOBS, createJobRunner, createKlaviyoReadsAdapter, createMaveraCallsAdapter } from '../services/jobs/index.js';
import { createKlaviyoService } from '../services/klaviyo/index.js';
import { createMaveraClient } from '../services/mavera/index.js';
import { createApp } from '../src/app.js';
import { createAppServer } from '../src/lib/http-server.js';
import { createLogger } from '../src/lib/logger.js';
import { createMetrics } from '../src/lib/metrics.js';
import { openSqliteStore } from '../src/store/sqlite/open.js';

export interface JobsDemoContext {
  klaviyoSandbox: KlaviyoSandbox;
  log: (line: string) => void;
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const ADMIN = 'demo-jobs-admin-token-0001';
const MAVERA_KEY = 'mvra_demo_jobs_key_000001';

const SUMMARIES: Record<string, (r: Json) => string> = {
  'persona-enrichment': (r) =>
    `${r.profiles_with_predictions}/${r.profiles_scanned} profiles with predictions; tiers ${r.tiers.map((t: Json) => `${t.label}: ${t.count}`).join(', ')}; personas ${r.personas.map((p: Json) => p.action).join(', ')}`,
  'flow-content-refresh': (r) =>
    `${r.messages.length} messages judged, ${r.underperforming.length} underperforming (${r.underperforming.map((m: Json) => `${m.flow_name}/${m.message_name}`).join('; ')}), ${r.rewrites.length} rewrites`,
  'segment-overlap': (r) =>
    `${r.segments.length} segments (${r.partial_segments.length} still processing: partial), ${r.overlaps.length} overlapping pairs, clusters ${JSON.stringify(r.clusters)}${r.recommendation ? `; Mave: "${String(r.recommendation.content).replace(/\s+/g, ' ').slice(0, 60)}…"` : ''}`,
  'product-affinity': (r) =>
    `${r.orders_scanned} orders, ${r.pairs.length} pairs; top ${r.pairs.slice(0, 3).map((p: Json) => `${p.a_title}+${p.b_title} (${p.count}, lift ${p.lift})`).join('; ')}${r.focus_group ? `; focus group ${r.focus_group.id ?? '(planned)'} with ${r.focus_group.personas_source} personas` : ''}`,
  'sms-vs-email': (r) =>
    `email ${r.channels.email.campaigns} campaigns, click ${r.channels.email.click_rate}, rpr ${r.channels.email.revenue_per_recipient}; sms ${r.channels.sms.campaigns} campaigns, click ${r.channels.sms.click_rate}, rpr ${r.channels.sms.revenue_per_recipient}; ${r.pairs.length} matched pairs; focus group ${r.focus_group.id ?? '(planned)'} with ${r.focus_group.personas_source} personas`,
};

export async function runJobsDemo(context: JobsDemoContext): Promise<void> {
  const { klaviyoSandbox, log } = context;
  const mavera = await startMaveraSandbox({ apiKey: MAVERA_KEY, credits: 20_000 });
  const dataDir = mkdtempSync(join(tmpdir(), 'klaviyo-bridge-demo-jobs-'));
  const store = openSqliteStore({ dataDir });
  const logger = createLogger({ level: 'silent' });
  const metrics = createMetrics();
  const klaviyo = createKlaviyoService({ apiKey: klaviyoSandbox.apiKey, baseUrl: klaviyoSandbox.url, revision: klaviyoSandbox.revision, speedUp: klaviyoSandbox.speedUp });
  const runner = createJobRunner({
    store,
    jobs: ALL_JOBS,
    klaviyo: createKlaviyoReadsAdapter(klaviyo),
    mavera: createMaveraCallsAdapter(
      createMaveraClient({ apiKey: MAVERA_KEY, baseUrl: mavera.url, workspaceId: 'ws_demo', requestsPerMinute: 600, focusGroupPolling: { initialIntervalMs: 50, maxIntervalMs: 200, timeoutMs: 30_000 } }),
    ),
    maveraWorkspaceId: 'ws_demo',
    logger,
    metrics,
  });
  const server = createAppServer(createApp({ logger, store, metrics, tokens: { ingest: ['demo-jobs-ingest-token-01'], admin: [ADMIN] }, jobs: runner }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const call = async (method: string, path: string, body?: unknown): Promise<Json> => {
    const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return (await res.json()) as Json;
  };

  log('\njobs (fake Klaviyo → fake Mavera), each run dry then real:');
  try {
    for (const job of ALL_JOBS) {
      for (const dryRun of [true, false]) {
        const started = Date.now();
        const accepted = await call('POST', `/v1/jobs/${job.name}/runs`, { dryRun });
        let run = await call('GET', `${accepted.links.self}?wait=60`);
        while (run.status === 'queued' || run.status === 'running') run = await call('GET', `${accepted.links.self}?wait=60`);
        const head = `  ${job.name.padEnd(21)} ${dryRun ? 'dry ' : 'real'} ${String(run.status).padEnd(9)} ${((Date.now() - started) / 1000).toFixed(1)} s, ${run.usage.klaviyo_requests} Klaviyo requests, ${run.usage.mavera_credits} credits`;
        log(head);
        log(run.status === 'succeeded' ? `      ${SUMMARIES[job.name]?.(run.result) ?? ''}${dryRun ? ` | ${run.result.mavera_requests.length} Mavera request bodies planned` : ''}` : `      error: ${JSON.stringify(run.error)}`);
      }
    }
    const credits = mavera.credits();
    log(`  Mavera received ${mavera.requests().length} requests; credits used ${credits.used}, remaining ${credits.remaining}`);
  } finally {
    await runner.stop(5000);
    await new Promise((resolve) => server.close(resolve));
    await store.close();
    await mavera.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
