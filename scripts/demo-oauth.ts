import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KlaviyoSandbox } from '../sandbox/klaviyo/index.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/lib/logger.js';
import { buildService } from '../src/service.js';
import { runKlaviyoWebhooksCli } from './klaviyo-webhooks.js';

/** The OAuth app the demo's fake Klaviyo knows (scripts/demo.ts starts it with these). */
export const DEMO_OAUTH_APP = { clientId: 'demo-bridge-app', clientSecret: 'demo-bridge-app-secret-01', redirectUri: 'http://127.0.0.1:3999/oauth/klaviyo/callback' };
const ADMIN = 'demo-oauth-admin-token-01';
const INGEST = 'demo-oauth-ingest-token-1';

/**
 * The OAuth app mode: the service built from an OAuth environment (no private key), installed as
 * ops would (start → consent → callback), then used: an event delivered with the app's token in the
 * app's own rate quota, and the system webhook created, which the private key could not do.
 */
export async function runOAuthDemo(context: { klaviyoSandbox: KlaviyoSandbox; log: (line: string) => void }): Promise<void> {
  const { klaviyoSandbox: sandbox, log } = context;
  const dataDir = mkdtempSync(join(tmpdir(), 'klaviyo-bridge-demo-oauth-'));
  const env = {
    KLAVIYO_CLIENT_ID: DEMO_OAUTH_APP.clientId,
    KLAVIYO_CLIENT_SECRET: DEMO_OAUTH_APP.clientSecret,
    KLAVIYO_REDIRECT_URL: DEMO_OAUTH_APP.redirectUri,
    KLAVIYO_AUTHORIZE_URL: `${sandbox.url}/oauth/authorize`,
    SECRETS_KEY: randomBytes(32).toString('base64'),
    KLAVIYO_BASE_URL: sandbox.url,
    KLAVIYO_WEBHOOK_SECRETS: 'demo-oauth-webhook-secret-01',
    INGEST_TOKENS: INGEST,
    ADMIN_TOKENS: ADMIN,
    DATA_DIR: dataDir,
  };
  const service = buildService(loadConfig(env), { logger: createLogger({ level: 'silent' }) });
  await service.start();
  const { port } = await service.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${port}`;
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return (await res.json()) as Record<string, unknown>;
  };
  log('\n== OAuth app mode (no private key): install, use, webhook management');
  try {
    log(`  before install: ${JSON.stringify(await call('GET', '/v1/klaviyo/connection', ADMIN))}`);
    const started = await call('POST', '/v1/klaviyo/oauth/start', ADMIN, {});
    const consent = sandbox.oauth?.approve(String(started.authorize_url));
    if (!consent) throw new Error('the sandbox has no OAuth app');
    const back = new URL(consent.location);
    const page = await fetch(`${base}${back.pathname}${back.search}`);
    log(`  ops opened the authorize URL and approved; the callback answered ${page.status}: ${(await page.text()).replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 80)}…`);
    const connection = await call('GET', '/v1/klaviyo/connection', ADMIN);
    log(`  connection: ${connection.status}, ${(connection.scopes as string[]).length} scopes, access token until ${String(connection.access_expires_at)}`);
    await call('POST', '/v1/events', INGEST, { event_name: 'Viewed Product', email: 'oauth-demo@example.com', insert_id: 'oauth-demo-1' });
    for (let i = 0; i < 100 && (await service.store.outbox.stats(new Date())).kinds.event.delivered < 1; i += 1) await new Promise((resolve) => setTimeout(resolve, 50));
    log(`  an event delivered with the app's token: bulk_create_events in the app's own quota ${sandbox.report().oauthLimitClasses?.['bulk_create_events']?.requests ?? 0} request(s)`);
    await service.stop(5000);
    const lines: string[] = [];
    const code = await runKlaviyoWebhooksCli(['create', '--url', 'https://bridge.example.com/webhooks/klaviyo', '--topics', 'event:klaviyo.sent_sms,event:klaviyo.opened_email'], env, (line) => lines.push(line));
    log(`  npm run klaviyo:webhooks -- create (OAuth): exit ${code}, ${code === 0 ? `webhook ${String((JSON.parse(lines[0] ?? '{}') as { id?: string }).id)} created` : lines.join(' ')}`);
  } finally {
    await service.stop(5000);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
