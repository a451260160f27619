import { randomBytes } from 'node:crypto';
import nock from 'nock';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startKlaviyoSandbox, type KlaviyoSandbox } from '../../sandbox/klaviyo/index.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/lib/logger.js';
import { buildService, type Service } from '../../src/service.js';
import { captureLogs } from '../helpers/foundation-app.js';
import { tempDir } from '../helpers/temp-dirs.js';

/**
 * OAuth app mode end to end against the sandbox's authorization server: install (authorize → consent →
 * callback → code exchange), use (sync with Bearer tokens, in the app's own rate buckets), refresh
 * (ahead of expiry, and after a 401), revoke (held pending, /readyz says why), disconnect; and the
 * bad inputs (reused, unknown or expired state, a refused code, a SECRETS_KEY that cannot decrypt).
 */
const ADMIN = 'admin-token-oauth-000001';
const INGEST = 'ingest-token-oauth-00001';
const CLIENT = { clientId: 'bridge-app', clientSecret: 'bridge-app-secret-0123456789' };
const REDIRECT = 'http://127.0.0.1:3999/oauth/klaviyo/callback';

let sandbox: KlaviyoSandbox | undefined;
let service: Service | undefined;
afterEach(async () => {
  await service?.stop(2000);
  await sandbox?.close();
  service = undefined;
  sandbox = undefined;
});

async function setup(options: { secretsKey?: string; dataDir?: string; now?: () => Date } = {}) {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  sandbox ??= await startKlaviyoSandbox({ apiKey: 'pk_unused_in_oauth_mode', seed: 3, scale: { profiles: 20, orders: 5 }, oauth: { ...CLIENT, redirectUris: [REDIRECT], accessTokenTtlS: 3600 }, live: { profileImportJobMs: 50 } });
  const logs = captureLogs();
  const dataDir = options.dataDir ?? tempDir('kb-oauth-');
  const config = loadConfig({
    KLAVIYO_CLIENT_ID: CLIENT.clientId,
    KLAVIYO_CLIENT_SECRET: CLIENT.clientSecret,
    KLAVIYO_REDIRECT_URL: REDIRECT,
    KLAVIYO_AUTHORIZE_URL: `${sandbox.url}/oauth/authorize`,
    SECRETS_KEY: options.secretsKey ?? randomBytes(32).toString('base64'),
    KLAVIYO_BASE_URL: sandbox.url,
    INGEST_TOKENS: INGEST,
    ADMIN_TOKENS: ADMIN,
    DATA_DIR: dataDir,
  });
  service = buildService(config, {
    logger: createLogger({ level: 'info', destination: logs.stream }),
    clock: options.now,
    syncTuning: { pollMs: 20, lingerMs: 20, quietMs: 5, authPauseMs: 100, importJobPollMs: 20, backoff: { baseDelayMs: 20, maxDelayMs: 100 } },
  });
  await service.start();
  return { http: request(service.app), logs, dataDir, config };
}

const admin = { authorization: `Bearer ${ADMIN}` };

/** What an ops person does: start, open the URL, approve, come back to the callback. */
async function install(http: request.Agent | ReturnType<typeof request>, approve = true) {
  const started = await http.post('/v1/klaviyo/oauth/start').set(admin).send({}).expect(200);
  const url = new URL(started.body.authorize_url as string);
  expect(url.searchParams.get('code_challenge_method')).toBe('S256');
  const decision = approve ? sandbox!.oauth!.approve(url.toString()) : sandbox!.oauth!.deny(url.toString());
  const back = new URL(decision.location);
  return { state: url.searchParams.get('state') as string, back, callback: await http.get(`${back.pathname}${back.search}`) };
}

const drained = async () =>
  vi.waitFor(
    async () => {
      const kinds = (await service!.store.outbox.stats(new Date())).kinds;
      expect(Object.values(kinds).every((k) => k.pending === 0 && k.in_flight === 0 && k.verifying === 0)).toBe(true);
    },
    { timeout: 10_000, interval: 20 },
  );

describe('OAuth app mode against the sandbox', () => {
  it('when ops installs the app, then the tokens are stored sealed, sync uses them in the app\'s own rate quota, and no answer or log shows a token', async () => {
    const { http, logs, dataDir } = await setup();
    expect((await http.get('/v1/klaviyo/connection').set(admin)).body).toEqual({ mode: 'oauth', status: 'not_connected' });
    expect((await http.get('/readyz')).body.checks.klaviyo_connection).toMatchObject({ ok: false, detail: expect.stringContaining('not connected') });

    const { callback } = await install(http);
    expect(callback.status).toBe(200);
    expect(callback.headers['content-type']).toMatch(/text\/html/);
    expect(callback.text).toContain('Klaviyo connected');
    const connection = (await http.get('/v1/klaviyo/connection').set(admin).expect(200)).body;
    expect(connection).toMatchObject({ mode: 'oauth', status: 'connected', scopes: expect.arrayContaining(['profiles:write', 'events:write']), access_expires_at: expect.any(String) });
    expect((await http.get('/readyz')).body.checks.klaviyo_connection).toEqual({ ok: true });

    await http.post('/v1/events').set('authorization', `Bearer ${INGEST}`).send({ event_name: 'Viewed Product', email: 'ada@example.com', insert_id: 'oauth-1' }).expect(202);
    await drained();
    const sent = sandbox!.received().filter((r) => r.path.startsWith('/api/'));
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((r) => r.auth === 'oauth')).toBe(true);
    expect(sandbox!.report().oauthLimitClasses?.['bulk_create_events']?.requests).toBe(1);
    expect(sandbox!.report().limitClasses['bulk_create_events']?.requests ?? 0).toBe(0);

    // Nothing shows a token: not the answers, not the logs, not the store file.
    const stored = await service!.store.klaviyoConnection.get();
    expect(stored?.sealedCredentials).toMatch(/^v1\./);
    const { readdirSync, readFileSync } = await import('node:fs');
    const files = readdirSync(dataDir).map((f) => readFileSync(`${dataDir}/${f}`).toString('latin1')).join('');
    for (const text of [JSON.stringify(connection), logs.text(), files]) expect(text).not.toMatch(/"access_token"|"refresh_token"|Bearer [A-Za-z0-9_-]{20,}/);
  });

  it('when the access token expires or Klaviyo refuses it, then it is refreshed (ahead of expiry, or once after the 401) and every item is still delivered', async () => {
    let offsetMs = 0;
    const { http } = await setup({ now: () => new Date(Date.now() + offsetMs) });
    await install(http);
    const before = sandbox!.oauth!.tokens().refreshed;
    // Klaviyo no longer accepts the access token it issued: the next call is a 401, refreshed, sent again.
    sandbox!.oauth!.expireAccessTokens();
    await http.post('/v1/events').set('authorization', `Bearer ${INGEST}`).send({ event_name: 'Viewed Product', email: 'ada@example.com', insert_id: 'after-401' }).expect(202);
    await drained();
    expect(sandbox!.oauth!.tokens().refreshed).toBe(before + 1);
    expect(sandbox!.report().requests.byStatus['401']).toBe(1);
    // Our clock reaches the last minute of the token's life: refreshed before the call, no 401.
    offsetMs = 3590 * 1000;
    await http.post('/v1/events').set('authorization', `Bearer ${INGEST}`).send({ event_name: 'Viewed Product', email: 'ada@example.com', insert_id: 'ahead' }).expect(202);
    await drained();
    expect(sandbox!.oauth!.tokens().refreshed).toBe(before + 2);
    expect(sandbox!.report().requests.byStatus['401']).toBe(1);
    expect((await http.get('/v1/klaviyo/connection').set(admin)).body).toMatchObject({ status: 'connected', last_refresh_at: expect.any(String) });
    expect(sandbox!.report().eventsStored).toBeGreaterThanOrEqual(2);
  });

  it('when the grant is revoked at Klaviyo, then items stay pending (never dead), /readyz says why, and a new install delivers them', async () => {
    const { http } = await setup();
    await install(http);
    sandbox!.oauth!.revokeAll();
    await http.post('/v1/events').set('authorization', `Bearer ${INGEST}`).send({ event_name: 'Viewed Product', email: 'ada@example.com', insert_id: 'held' }).expect(202);
    await vi.waitFor(async () => expect((await http.get('/v1/klaviyo/connection').set(admin)).body).toMatchObject({ status: 'revoked', last_error: expect.stringContaining('invalid_grant') }), { timeout: 5000, interval: 20 });
    expect((await http.get('/readyz')).status).toBe(503);
    const stats = (await service!.store.outbox.stats(new Date())).kinds.event;
    expect(stats.dead).toBe(0);
    expect(stats.pending + stats.in_flight).toBe(1);
    await install(http);
    await drained();
    expect((await service!.store.outbox.stats(new Date())).kinds.event).toMatchObject({ dead: 0, delivered: 1 });
  });

  it('when ops disconnects, then the grant is revoked at Klaviyo and forgotten here', async () => {
    const { http } = await setup();
    await install(http);
    const answer = await http.delete('/v1/klaviyo/connection').set(admin).expect(202);
    expect(answer.body).toEqual({ mode: 'oauth', status: 'not_connected' });
    expect(sandbox!.oauth!.tokens().active).toBe(0);
    expect(await service!.store.klaviyoConnection.get()).toBeUndefined();
  });

  it('when the callback comes with a reused, unknown or expired state, or a denied or refused code, then a 400 page says why and nothing is stored', async () => {
    let offsetMs = 0;
    const { http } = await setup({ now: () => new Date(Date.now() + offsetMs) });
    const denied = await install(http, false);
    expect(denied.callback.status).toBe(400);
    expect(denied.callback.text).toContain('did not grant access');
    const first = await install(http);
    expect(first.callback.status).toBe(200);
    const again = await http.get(`${first.back.pathname}${first.back.search}`);
    expect(again.status).toBe(400);
    expect(again.text).toContain('unknown, expired or already used');
    expect((await http.get('/oauth/klaviyo/callback?code=x&state=never-issued')).status).toBe(400);
    await service!.store.klaviyoConnection.clear();
    // A state past its 10 minutes.
    const started = await http.post('/v1/klaviyo/oauth/start').set(admin).send({}).expect(200);
    const approved = new URL(sandbox!.oauth!.approve(started.body.authorize_url as string).location);
    offsetMs = 11 * 60_000;
    expect((await http.get(`${approved.pathname}${approved.search}`)).status).toBe(400);
    expect(await service!.store.klaviyoConnection.get()).toBeUndefined();
    // Bad input on the start route.
    expect((await http.post('/v1/klaviyo/oauth/start').set(admin).send({ scopes: ['everything'] })).status).toBe(400);
    expect((await http.post('/v1/klaviyo/oauth/start').send({})).status).toBe(401);
  });

  it('when SECRETS_KEY changes, then the stored tokens are reported undecryptable, delivery is held, and a new install recovers without losing items', async () => {
    const dataDir = tempDir('kb-oauth-key-');
    const first = await setup({ dataDir });
    await install(first.http);
    await service!.stop(2000);
    service = undefined;
    const { http } = await setup({ dataDir, secretsKey: randomBytes(32).toString('base64') });
    expect((await http.get('/v1/klaviyo/connection').set(admin)).body).toMatchObject({ status: 'failing', last_error: expect.stringContaining('SECRETS_KEY') });
    await http.post('/v1/events').set('authorization', `Bearer ${INGEST}`).send({ event_name: 'Viewed Product', email: 'ada@example.com', insert_id: 'kept' }).expect(202);
    expect((await service!.store.outbox.stats(new Date())).kinds.event.dead).toBe(0);
    await install(http);
    await drained();
    expect((await service!.store.outbox.stats(new Date())).kinds.event).toMatchObject({ dead: 0, delivered: 1 });
  });

  it('when npm run klaviyo:webhooks runs in OAuth mode, then it uses the installed connection and creates the system webhook, which a private key could not', async () => {
    const dataDir = tempDir('kb-oauth-cli-');
    const secretsKey = randomBytes(32).toString('base64');
    const { http } = await setup({ dataDir, secretsKey });
    await install(http);
    await service!.stop(2000);
    service = undefined;
    const env = {
      KLAVIYO_CLIENT_ID: CLIENT.clientId,
      KLAVIYO_CLIENT_SECRET: CLIENT.clientSecret,
      KLAVIYO_REDIRECT_URL: REDIRECT,
      SECRETS_KEY: secretsKey,
      KLAVIYO_BASE_URL: sandbox!.url,
      KLAVIYO_WEBHOOK_SECRETS: 'webhook-secret-0123456789',
      INGEST_TOKENS: INGEST,
      ADMIN_TOKENS: ADMIN,
      DATA_DIR: dataDir,
    };
    const lines: string[] = [];
    const topics = (await import('../../scripts/klaviyo-webhooks.js')).runKlaviyoWebhooksCli;
    const code = await topics(['create', '--url', 'https://bridge.example.com/webhooks/klaviyo', '--topics', 'event:klaviyo.sent_sms,event:klaviyo.opened_email'], env, (l) => lines.push(l));
    expect(code, lines.join('\n')).toBe(0);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ created: true, endpoint_url: expect.stringContaining('bridge.example.com') });
    expect(sandbox!.received().filter((r) => r.path.startsWith('/api/webhooks')).every((r) => r.auth === 'oauth')).toBe(true);
    // The same account with its private key: refused (no Advanced KDP).
    const keyLines: string[] = [];
    expect(await topics(['list'], { KLAVIYO_API_KEY: 'pk_unused_in_oauth_mode', KLAVIYO_BASE_URL: sandbox!.url }, (l) => keyLines.push(l))).toBe(77);
  });
});
