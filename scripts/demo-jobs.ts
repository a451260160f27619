import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KlaviyoSandbox } from '../sandbox/klaviyo/index.js';
import { startMaveraSandbox } from '../sandbox/mavera/index.js';
import { ALL_JOBS } from '../services/jobs/index.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/lib/logger.js';
import { buildService } from '../src/service.js';

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
  // The service as server.ts builds it, pointed at the two sandboxes.
  const config = loadConfig({
    KLAVIYO_API_KEY: klaviyoSandbox.apiKey,
    KLAVIYO_BASE_URL: klaviyoSandbox.url,
    KLAVIYO_REVISION: klaviyoSandbox.revision,
    MAVERA_API_KEY: MAVERA_KEY,
    MAVERA_BASE_URL: mavera.url,
    MAVERA_WORKSPACE_ID: 'ws_demo',
    MAVERA_REQUESTS_PER_MINUTE: '600',
    INGEST_TOKENS: 'demo-jobs-ingest-token-01',
    ADMIN_TOKENS: ADMIN,
    DATA_DIR: dataDir,
  });
  const service = buildService(config, {
    logger: createLogger({ level: 'silent' }),
    klaviyo: { speedUp: klaviyoSandbox.speedUp },
    mavera: { focusGroupPolling: { initialIntervalMs: 50, maxIntervalMs: 200, timeoutMs: 30_000 } },
  });
  // Started as server.ts starts it: the job executor runs while this process leads (always, on SQLite).
  await service.start();
  const { port } = await service.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${port}`;
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
    await service.stop(5000);
    await mavera.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
