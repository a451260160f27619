/**
 * `npm run demo`: the fake Klaviyo and the real service (src/server.ts as a child process, on a
 * temporary DATA_DIR), a realistic stream of orders, profiles and events, then what Klaviyo got.
 * Then the webhooks section (scripts/demo-webhooks.ts) and the jobs section (scripts/demo-jobs.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKlaviyoSandbox, type KlaviyoSandbox } from '../sandbox/klaviyo/index.js';
import { DEMO_OAUTH_APP, runOAuthDemo } from './demo-oauth.js';
import { runJobsDemo } from './demo-jobs.js';
import { startServiceProcess } from './service-process.js';
import { demoEvents, demoHistoricalOrders, demoOrders, demoProfiles } from './demo-traffic.js';
import { DEMO_FORWARD_SECRET, DEMO_WEBHOOK_SECRET, runWebhooksDemo, startForwardReceiver } from './demo-webhooks.js';

/** What a demo section (e.g. scripts/demo-jobs.ts) gets to work with. */
export interface DemoContext {
  serviceUrl: string;
  adminToken: string;
  ingestToken: string;
  klaviyoSandbox: KlaviyoSandbox;
  log: (line: string) => void;
}

const INGEST_TOKEN = 'demo-ingest-token-0000001';
const ADMIN_TOKEN = 'demo-admin-token-00000001';
const API_KEY = 'pk_demo_sandbox_key_0001';
const log = (line: string) => process.stdout.write(`${line}\n`);

async function call(url: string, token: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status >= 400) throw new Error(`${url} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

async function waitForDrain(serviceUrl: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = (await call(`${serviceUrl}/v1/sync`, ADMIN_TOKEN)) as { kinds: Record<string, { pending: number; in_flight: number; verifying: number }> };
    if (Object.values(status.kinds).every((k) => k.pending === 0 && k.in_flight === 0 && k.verifying === 0)) return status;
    if (Date.now() > deadline) throw new Error(`outbox did not drain: ${JSON.stringify(status.kinds)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'klaviyo-bridge-demo-'));
  const sandbox = await startKlaviyoSandbox({ apiKey: API_KEY, seed: 42, oauth: { clientId: DEMO_OAUTH_APP.clientId, clientSecret: DEMO_OAUTH_APP.clientSecret, redirectUris: [DEMO_OAUTH_APP.redirectUri] } });
  log(`fake Klaviyo on ${sandbox.url}; DATA_DIR=${dataDir}`);
  const receiver = await startForwardReceiver();
  const service = await startServiceProcess({
    KLAVIYO_API_KEY: API_KEY,
    KLAVIYO_BASE_URL: sandbox.url,
    KLAVIYO_WEBHOOK_SECRETS: DEMO_WEBHOOK_SECRET,
    WEBHOOK_FORWARD_URLS: receiver.url,
    WEBHOOK_FORWARD_SECRET: DEMO_FORWARD_SECRET,
    DATA_DIR: dataDir,
    INGEST_TOKENS: INGEST_TOKEN,
    ADMIN_TOKENS: ADMIN_TOKEN,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'info',
  }, 20_000);
  log(`klaviyo-bridge on ${service.url}`);
  try {
    const now = new Date();
    const orders = demoOrders(40, now);
    const profiles = demoProfiles(12);
    const events = demoEvents(120, now);
    for (let i = 0; i < orders.length; i += 10) await call(`${service.url}/v1/orders`, INGEST_TOKEN, { orders: orders.slice(i, i + 10) });
    await call(`${service.url}/v1/profiles`, INGEST_TOKEN, { profiles });
    for (const event of events.slice(0, 20)) await call(`${service.url}/v1/events`, INGEST_TOKEN, event);
    await call(`${service.url}/v1/events`, INGEST_TOKEN, { events: events.slice(20) });
    const again = await call(`${service.url}/v1/orders`, INGEST_TOKEN, { orders: orders.slice(0, 10) });
    // A historical import: last year's orders, sent with backfill so that no flow fires for them.
    const history = demoHistoricalOrders(15, now);
    await call(`${service.url}/v1/orders`, INGEST_TOKEN, { orders: history, backfill: true });
    // List membership (never consent): the first list of the account gets the gold customers.
    const list = sandbox.data.account.lists[0]?.id;
    const members = profiles.filter((p) => p.properties.loyalty_tier === 'gold');
    if (list) await call(`${service.url}/v1/profiles`, INGEST_TOKEN, { profiles: members.map((p) => ({ email: p.email, lists: { add: [list] } })) });
    log(`sent ${orders.length} order updates, ${profiles.length} profiles, ${events.length} events (re-sent 10 orders: ${String(again.duplicates)} duplicates), ${history.length} historical orders as a backfill, ${members.length} list joins`);

    const status = await waitForDrain(service.url);
    const report = sandbox.report();
    log('\nwhat Klaviyo received:');
    for (const [metric, count] of Object.entries(report.eventsByMetric).filter(([m]) => !m.startsWith('Seeded'))) log(`  events  ${metric.padEnd(18)} ${count}`);
    log(`  profiles created ${report.profilesCreated}, updated ${report.profilesUpdated}`);
    log(`  consent  email subscribed ${report.subscriptions.emailSubscribed}, sms subscribed ${report.subscriptions.smsSubscribed}, unsubscribed ${report.subscriptions.unsubscribed}`);
    log(`  requests ${report.requests.total}: ${Object.entries(report.requests.byClass).map(([c, n]) => `${c} ${n}`).join(', ')}`);
    log(`  duplicates dropped by Klaviyo-style dedupe: ${report.duplicateEvents}`);
    log(`  backfill events (recorded, no flow fired): ${report.backfillEvents}; flows triggered by live events: ${report.flowTriggers.total}`);
    if (list) log(`  list ${list}: ${sandbox.data.listMemberIds(list).length} members`);
    log(`outbox: ${JSON.stringify(status.kinds)}`);

    const context: DemoContext = { serviceUrl: service.url, adminToken: ADMIN_TOKEN, ingestToken: INGEST_TOKEN, klaviyoSandbox: sandbox, log };
    await runWebhooksDemo(context, receiver);
    await runJobsDemo(context);
    await runOAuthDemo(context);
  } finally {
    service.child.kill('SIGTERM');
    await new Promise((resolve) => service.child.once('exit', resolve));
    await sandbox.close();
    await receiver.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
