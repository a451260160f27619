import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { Service } from '../../src/service.js';
import { buildService } from '../../src/service.js';
import { INGEST_TOKEN, buildFoundationApp, testEnv } from '../helpers/foundation-app.js';

/** The hardening limits as the composition root wires them from the environment (DESIGN §3). */
describe('hardening, wired by buildService from the environment', () => {
  const services: Service[] = [];
  afterEach(async () => {
    await Promise.all(services.splice(0).map((s) => s.stop(1000)));
  });
  const built = (env: Record<string, string> = {}) => {
    const app = buildFoundationApp({ env });
    services.push(app.service);
    return app;
  };
  const event = (i: number) => ({ event_name: 'Viewed Product', email: `shopper${i}@example.com`, insert_id: `wired-${i}` });

  it('when OUTBOX_MAX_PENDING is reached, then ingest answers 503 outbox_full with Retry-After and stores nothing more', async () => {
    const { app, store } = built({ OUTBOX_MAX_PENDING: '2' });
    const post = (i: number) => request(app).post('/v1/events').set('authorization', `Bearer ${INGEST_TOKEN}`).send(event(i));
    expect((await post(1)).status).toBe(202);
    expect((await post(2)).status).toBe(202);
    const refused = await post(3);
    expect(refused.status).toBe(503);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(refused.body).toMatchObject({ status: 503, type: 'urn:klaviyo-bridge:problem:outbox_full', kind: 'event', cap: 2 });
    const stats = await store.outbox.stats(new Date());
    expect(stats.kinds.event.pending).toBe(2);
  });

  it('when nothing is wrong, then /readyz reports the store, Klaviyo reachability and shutdown checks', async () => {
    const { app } = built();
    // The workers are not started here, so `worker` fails; the checks wired for hardening pass.
    const res = await request(app).get('/readyz');
    expect(res.body.checks).toMatchObject({ store: { ok: true }, klaviyo_reachable: { ok: true }, shutdown: { ok: true } });
  });

  it('when the data directory has less free space than MIN_FREE_DISK_MB, then /readyz fails and says so', async () => {
    const { app } = built({ MIN_FREE_DISK_MB: String(1024 * 1024 * 1024) });
    const res = await request(app).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body.checks.store.ok).toBe(false);
    expect(res.body.checks.store.detail).toMatch(/free/i);
  });

  it('when the service starts, then webhook events older than WEBHOOK_RETENTION_DAYS are pruned', async () => {
    const { service, store } = built({ WEBHOOK_RETENTION_DAYS: '7' });
    const old = new Date(Date.now() - 8 * 86_400_000);
    const events = [
      { externalId: 'wired-old', topic: 'event:klaviyo.sent_email', payload: { id: 'wired-old' } },
      { externalId: 'wired-new', topic: 'event:klaviyo.sent_email', payload: { id: 'wired-new' } },
    ];
    await store.inbox.storeDelivery({ klaviyoAccountId: 'A', klaviyoWebhookId: 'W', events: events.slice(0, 1) }, old);
    await store.inbox.storeDelivery({ klaviyoAccountId: 'A', klaviyoWebhookId: 'W', events: events.slice(1) }, new Date());
    const undispatched = await store.inbox.listUndispatched(10);
    await store.inbox.markDispatched(undispatched.map((e) => e.seq), new Date());
    await service.start();
    await vi.waitFor(async () => expect((await store.inbox.list({ limit: 10 })).map((e) => e.externalId)).toEqual(['wired-new']));
  });

  it('when a second service is built on the same DATA_DIR, then it refuses with a message naming it', () => {
    const env = testEnv();
    const first = buildService(loadConfig(env));
    services.push(first);
    expect(() => buildService(loadConfig(env))).toThrow(new RegExp(`DATA_DIR ${env.DATA_DIR.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is in use`));
  });
});
