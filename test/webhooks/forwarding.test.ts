import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ForwardTarget } from '../../src/config.js';
import { createLogger } from '../../src/lib/logger.js';
import { openSqliteStore } from '../../src/store/sqlite/open.js';
import type { Store } from '../../src/store/store.js';
import { createWebhookDispatcher } from '../../services/webhooks/dispatcher.js';
import { createForwardHandler } from '../../services/webhooks/forward-handler.js';
import { createForwardWorker } from '../../services/webhooks/forward-worker.js';
import { ADMIN_TOKEN } from '../helpers/foundation-app.js';
import { buildKlaviyoDeliveryBody, buildKlaviyoWebhookEvent, signKlaviyoDelivery } from '../helpers/klaviyo-webhook-signer.js';
import { startLocalReceiver } from './local-receiver.js';
import { SECRET_CURRENT, buildWebhookApp } from './webhook-app.js';

const WHSEC = `whsec_${randomBytes(24).toString('base64')}`;
const POLICY = { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 4000 };

/** A clock the test moves: the forwarder signs with it, so it stays close to real time. */
function manualClock() {
  let now = Date.now();
  return { clock: () => new Date(now), advance: (ms: number) => (now += ms) };
}

async function setup(targets: (url: (p?: string) => string) => ForwardTarget[], secret = WHSEC) {
  const receiver = await startLocalReceiver();
  const time = manualClock();
  const built = buildWebhookApp();
  const { store } = built;
  const worker = createForwardWorker({ forwards: store.forwards, secret, logger: built.deps.logger, metrics: built.deps.metrics, clock: time.clock, random: () => 0.999, policy: POLICY, timeoutMs: 2000 });
  const dispatcher = createWebhookDispatcher({
    inbox: store.inbox,
    handlers: [createForwardHandler({ forwards: store.forwards, targets: targets(receiver.url), clock: time.clock })],
    logger: built.deps.logger,
    clock: time.clock,
  });
  const deliver = async (events = [buildKlaviyoWebhookEvent()]) => {
    const d = signKlaviyoDelivery({ secret: SECRET_CURRENT, body: buildKlaviyoDeliveryBody({ events }), sentAt: new Date('2026-04-13T22:50:12Z') });
    const res = await request(built.app).post('/webhooks/klaviyo').set(d.headers).send(d.body);
    expect(res.status).toBe(200);
    return events;
  };
  return { ...built, receiver, time, worker, dispatcher, deliver };
}

describe('forwarding stored webhook events', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });
  const track = <T extends { store: Store; receiver: { close(): Promise<void> } }>(ctx: T) => {
    cleanups.push(async () => {
      await ctx.receiver.close();
      await ctx.store.close();
    });
    return ctx;
  };

  it('when an event is dispatched, then each matching subscriber receives it signed, and standardwebhooks verifies it', async () => {
    const ctx = track(await setup((url) => [{ url: url('/all'), topics: [] }, { url: url('/sms'), topics: ['event:klaviyo.sent_sms'] }]));
    const [email] = await ctx.deliver([buildKlaviyoWebhookEvent({ topic: 'event:klaviyo.opened_email' })]);
    const [sms] = await ctx.deliver([buildKlaviyoWebhookEvent({ topic: 'event:klaviyo.sent_sms' })]);
    expect(await ctx.dispatcher.dispatchOnce()).toBe(2);
    expect(await ctx.worker.forwardOnce()).toBe(3);

    const byPath = (p: string) => ctx.receiver.received.filter((r) => r.path === p);
    expect(byPath('/all')).toHaveLength(2);
    expect(byPath('/sms')).toHaveLength(1);
    const verifier = new Webhook(WHSEC);
    for (const r of ctx.receiver.received) {
      const verified = verifier.verify(r.body, r.headers as Record<string, string>) as { type: string; data: { id: string; payload: unknown } };
      expect(r.headers['webhook-id']).toBe(verified.data.id);
    }
    const smsBody = JSON.parse(byPath('/sms')[0]!.body) as { type: string; data: { id: string; payload: unknown; klaviyo_webhook_id: string } };
    expect(smsBody).toMatchObject({ type: 'event:klaviyo.sent_sms', data: { id: sms!.external_id, payload: sms!.payload, klaviyo_webhook_id: '01KP49WEBHOOK' } });
    expect(byPath('/all').map((r) => (JSON.parse(r.body) as { data: { id: string } }).data.id)).toEqual([email!.external_id, sms!.external_id]);
    expect(await ctx.store.forwards.counts()).toEqual({ pending: 0, delivered: 3, dead: 0 });
  });

  it('when the secret is not whsec_-prefixed, then the signature verifies with the raw-key form', async () => {
    const raw = 'plain-forward-secret-0123456789';
    const ctx = track(await setup((url) => [{ url: url(), topics: [] }], raw));
    await ctx.deliver();
    await ctx.dispatcher.dispatchOnce();
    await ctx.worker.forwardOnce();
    const [r] = ctx.receiver.received;
    expect(() => new Webhook(raw, { format: 'raw' }).verify(r!.body, r!.headers as Record<string, string>)).not.toThrow();
    expect(() => new Webhook(WHSEC).verify(r!.body, r!.headers as Record<string, string>)).toThrow();
  });

  it('when the subscriber is down and then up, then the delivery is retried after its backoff and arrives once', async () => {
    const ctx = track(await setup((url) => [{ url: url(), topics: [] }]));
    await ctx.receiver.down();
    await ctx.deliver(); // Klaviyo's answer (200, checked inside) does not depend on the subscriber.
    await ctx.dispatcher.dispatchOnce();
    await ctx.worker.forwardOnce();
    const [pending] = await ctx.store.forwards.claimDue(ctx.time.clock(), 10, 0);
    expect(pending).toBeUndefined(); // not due yet: it waits out its backoff
    expect(await ctx.store.forwards.counts()).toEqual({ pending: 1, delivered: 0, dead: 0 });

    await ctx.receiver.up();
    ctx.time.advance(POLICY.baseDelayMs);
    expect(await ctx.worker.forwardOnce()).toBe(1);
    expect(ctx.receiver.received).toHaveLength(1);
    expect(await ctx.store.forwards.counts()).toEqual({ pending: 0, delivered: 1, dead: 0 });
    const metrics = await ctx.deps.metrics.registry.getSingleMetricAsString('webhook_forwards_total');
    expect(metrics).toContain('webhook_forwards_total{result="retry"} 1');
    expect(metrics).toContain('webhook_forwards_total{result="delivered"} 1');
  });

  it('when the subscriber always fails, then the delivery is dead-lettered after the bound, and a replay delivers it once it is back', async () => {
    const ctx = track(await setup((url) => [{ url: url(), topics: [] }]));
    ctx.receiver.answerWith(() => 500);
    const [event] = await ctx.deliver();
    await ctx.dispatcher.dispatchOnce();
    for (let i = 0; i < POLICY.maxAttempts; i += 1) {
      expect(await ctx.worker.forwardOnce()).toBe(1);
      ctx.time.advance(POLICY.maxDelayMs);
    }
    expect(await ctx.worker.forwardOnce()).toBe(0);
    const admin = (req: request.Test) => req.set('authorization', `Bearer ${ADMIN_TOKEN}`);
    const dead = await admin(request(ctx.app).get('/v1/webhooks/forwards/dead-letters'));
    expect(dead.status).toBe(200);
    expect(dead.body.items).toHaveLength(1);
    expect(dead.body.items[0]).toMatchObject({ event_id: event!.external_id, state: 'dead', attempts: 3, last_status: 500 });

    ctx.receiver.answerWith(() => 200);
    const replay = await admin(request(ctx.app).post('/v1/webhooks/forwards/replay').send({ ids: [dead.body.items[0].id] }));
    expect(replay.status).toBe(202);
    expect(replay.body).toEqual({ requeued: 1 });
    expect(await ctx.worker.forwardOnce()).toBe(1);
    expect(await ctx.worker.forwardOnce()).toBe(0);
    expect(ctx.receiver.received).toHaveLength(1);
    expect((await admin(request(ctx.app).get('/v1/webhooks/forwards/dead-letters'))).body.items).toEqual([]);
  });

  it('when a subscriber answers 429 with Retry-After, then the next attempt waits at least that long', async () => {
    const ctx = track(await setup((url) => [{ url: url(), topics: [] }]));
    ctx.receiver.answerWith(() => ({ status: 429, headers: { 'retry-after': '3' } }));
    await ctx.deliver();
    await ctx.dispatcher.dispatchOnce();
    await ctx.worker.forwardOnce();
    // Without Retry-After the first retry would be due in 999 ms (jitter 0.999 of the 1 s ceiling).
    expect((await ctx.store.forwards.nextDueAt())!.getTime() - ctx.time.clock().getTime()).toBe(3000);
  });
});

describe('the dispatcher', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const silent = createLogger({ level: 'silent' });
  const delivery = (n: number) => ({ klaviyoAccountId: 'A', klaviyoWebhookId: 'W', events: Array.from({ length: n }, () => {
    const e = buildKlaviyoWebhookEvent();
    return { externalId: e.external_id, topic: e.topic, payload: e.payload };
  }) });

  it('when the process restarts before dispatch, then the stored events are handed over at the next start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kb-dispatch-'));
    dirs.push(dir);
    let store = openSqliteStore({ dataDir: dir });
    await store.inbox.storeDelivery(delivery(3), new Date());
    await store.close();

    store = openSqliteStore({ dataDir: dir });
    const seen: string[] = [];
    const dispatcher = createWebhookDispatcher({ inbox: store.inbox, logger: silent, handlers: [{ name: 'probe', handle: async (events) => void seen.push(...events.map((e) => e.externalId)) }] });
    expect(await dispatcher.dispatchOnce()).toBe(3);
    expect(await dispatcher.dispatchOnce()).toBe(0);
    expect(seen).toHaveLength(3);
    await store.close();
  });

  it('when a handler fails, then the events stay undispatched and are handed over again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kb-dispatch-'));
    dirs.push(dir);
    const store = openSqliteStore({ dataDir: dir });
    await store.inbox.storeDelivery(delivery(2), new Date());
    let failing = true;
    const handle = vi.fn(async () => {
      if (failing) throw new Error('subscriber store unavailable');
    });
    const dispatcher = createWebhookDispatcher({ inbox: store.inbox, logger: silent, handlers: [{ name: 'flaky', handle }] });
    await expect(dispatcher.dispatchOnce()).rejects.toThrow('subscriber store unavailable');
    expect(await store.inbox.listUndispatched(10)).toHaveLength(2);
    failing = false;
    expect(await dispatcher.dispatchOnce()).toBe(2);
    expect(handle).toHaveBeenCalledTimes(2);
    expect(await store.inbox.listUndispatched(10)).toHaveLength(0);
    await store.close();
  });

  it('when the workers run in the background, then a delivery reaches the subscriber without polling delays and stop() returns', async () => {
    const receiver = await startLocalReceiver();
    const built = buildWebhookApp({
      secrets: [SECRET_CURRENT],
      clock: () => new Date(),
      env: { WEBHOOK_FORWARD_URLS: receiver.url(), WEBHOOK_FORWARD_SECRET: WHSEC },
      overrides: { webhooks: { dispatcherPollIntervalMs: 60_000, forwardWorker: { pollIntervalMs: 60_000 } } },
    });
    const { app, service } = built;
    // The leader's background work, as server.ts starts it.
    const workers = { start: () => service.start(), stop: () => service.leadership.stop() };
    await workers.start();
    const d = signKlaviyoDelivery({ secret: SECRET_CURRENT, body: buildKlaviyoDeliveryBody() });
    expect((await request(app).post('/webhooks/klaviyo').set(d.headers).send(d.body)).status).toBe(200);
    // Both loops sleep 60 s between polls: only the wake-ups can deliver within the wait.
    await vi.waitFor(() => expect(receiver.received).toHaveLength(1), { timeout: 5000, interval: 20 });
    await workers.stop();
    await receiver.close();
    await built.store.close();
  });
});
