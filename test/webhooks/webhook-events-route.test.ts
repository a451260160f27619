import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { ADMIN_TOKEN, INGEST_TOKEN } from '../helpers/foundation-app.js';
import { buildKlaviyoDeliveryBody, buildKlaviyoWebhookEvent, signKlaviyoDelivery } from '../helpers/klaviyo-webhook-signer.js';
import { NOW, SECRET_CURRENT, buildWebhookApp } from './webhook-app.js';

type Item = { id: string; topic: string; received_at: string; payload: unknown };

describe('GET /v1/webhooks/events', () => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  /** Five deliveries of one event each, alternating topics, received one minute apart. */
  async function seeded() {
    let clockNow = NOW;
    const built = buildWebhookApp({ secrets: [SECRET_CURRENT], toleranceS: 3600, clock: () => clockNow });
    store = built.store;
    const app = built.app;
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      clockNow = new Date(NOW.getTime() + i * 60_000);
      const event = buildKlaviyoWebhookEvent({ topic: i % 2 === 0 ? 'event:klaviyo.opened_email' : 'event:klaviyo.sent_sms' });
      const d = signKlaviyoDelivery({ secret: SECRET_CURRENT, body: buildKlaviyoDeliveryBody({ events: [event] }), sentAt: NOW });
      expect((await request(app).post('/webhooks/klaviyo').set(d.headers).send(d.body)).status).toBe(200);
      ids.push(event.external_id);
    }
    const get = (query: string, token = ADMIN_TOKEN) => request(app).get(`/v1/webhooks/events${query}`).set('authorization', `Bearer ${token}`);
    return { app, ids, get };
  }

  it('when listed, then events come back newest first with their payloads', async () => {
    const { ids, get } = await seeded();
    const res = await get('');
    expect(res.status).toBe(200);
    expect((res.body.items as Item[]).map((i) => i.id)).toEqual([...ids].reverse());
    expect(res.body.items[0]).toMatchObject({ klaviyo_account_id: 'WBhXHN', klaviyo_webhook_id: '01KP49WEBHOOK', payload: { data: { type: 'event' } } });
    expect(res.body.next_cursor).toBeNull();
  });

  it('when filtered by topic and since, then only matching events come back', async () => {
    const { ids, get } = await seeded();
    const sms = await get('?topic=event:klaviyo.sent_sms');
    expect((sms.body.items as Item[]).map((i) => i.id)).toEqual([ids[3], ids[1]]);
    const since = new Date(NOW.getTime() + 2 * 60_000).toISOString();
    const recent = await get(`?since=${encodeURIComponent(since)}`);
    expect((recent.body.items as Item[]).map((i) => i.id)).toEqual([ids[4], ids[3], ids[2]]);
  });

  it('when paged with the cursor, then every event appears exactly once', async () => {
    const { ids, get } = await seeded();
    const seen: string[] = [];
    let cursor: string | null = '';
    let pages = 0;
    while (cursor !== null) {
      const res = await get(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...(res.body.items as Item[]).map((i) => i.id));
      cursor = res.body.next_cursor as string | null;
      pages += 1;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());
  });

  it.each([
    ['?since=yesterday', '/since'],
    ['?limit=0', '/limit'],
    ['?limit=501', '/limit'],
    ['?cursor=bm9wZQ', '/cursor'],
  ])('when the query is %s, then 400 names %s', async (query, path) => {
    const { get } = await seeded();
    const res = await get(query);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect((res.body.errors as Array<{ path: string }>).map((e) => e.path)).toContain(path);
  });

  it('when the token is missing or an ingest token, then 401 or 403', async () => {
    const { app, get } = await seeded();
    expect((await request(app).get('/v1/webhooks/events')).status).toBe(401);
    expect((await get('', INGEST_TOKEN)).status).toBe(403);
  });
});
