import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { mapOrder } from '../../services/sync/order-mapping.js';
import type { OrderInput } from '../../services/sync/order-schema.js';
import { ADMIN_TOKEN, INGEST_TOKEN, buildFoundationApp } from '../helpers/foundation-app.js';
import { formatKlaviyoMetaTimestamp, signKlaviyoDelivery } from '../helpers/klaviyo-webhook-signer.js';
import { buildOrder, buildOrderLine } from '../sync/support/builders.js';
import { NOW, SECRET_CURRENT, buildWebhookApp } from '../webhooks/webhook-app.js';

/** Bad input is a 4xx problem, never a 5xx, and never stored: broken compression, deep nesting, numbers past Infinity. */

const ingest = { Authorization: `Bearer ${INGEST_TOKEN}` };
const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };

describe('a body whose Content-Encoding does not decode', () => {
  let running: ReturnType<typeof buildFoundationApp> | undefined;
  afterEach(async () => {
    await running?.service.stop(1000);
    running = undefined;
  });

  /** The service listening; posts go through fetch, since supertest would JSON-encode a Buffer sent as application/json. */
  async function listening() {
    running = buildFoundationApp();
    const { port } = await running.service.listen(0, '127.0.0.1');
    const post = async (path: string, encoding: string, bytes: Buffer, headers: Record<string, string> = {}) => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': encoding, ...headers }, body: bytes });
      return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as Record<string, unknown> };
    };
    return { post, store: running.store };
  }

  const valid = gzipSync('{"event_name":"Zip","email":"zip@example.com"}');
  const cases: Array<{ encoding: string; bytes: Buffer; what: string }> = [
    { encoding: 'gzip', bytes: Buffer.from('garbage, not gzip at all'), what: 'garbage' },
    { encoding: 'gzip', bytes: valid.subarray(0, 12), what: 'a truncated stream' },
    { encoding: 'deflate', bytes: Buffer.from('xxxxxxxxxxxx'), what: 'garbage' },
    { encoding: 'br', bytes: Buffer.from('zzzzzzzzzzzzzz'), what: 'garbage' },
  ];

  it.each(cases)('when $encoding carries $what, then 400 malformed_content_encoding on ingest and admin routes', async ({ encoding, bytes }) => {
    const { post, store } = await listening();
    for (const [path, headers] of [['/v1/events', ingest], ['/v1/sync/dead-letters/replay', admin]] as const) {
      const res = await post(path, encoding, bytes, headers);
      expect(res.status).toBe(400);
      expect(res.type).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 400, type: 'urn:klaviyo-bridge:problem:malformed_content_encoding' });
      expect(res.body.detail).toContain(encoding);
    }
    expect((await store.outbox.stats(new Date())).kinds.event.pending).toBe(0);
  });

  it('when the broken body comes without a token, then 401: it is never decompressed', async () => {
    const { post } = await listening();
    for (const path of ['/v1/events', '/v1/sync/dead-letters/replay', '/v1/webhooks/forwards/replay', '/v1/nope']) {
      expect((await post(path, 'gzip', Buffer.from('garbage'))).status).toBe(401);
    }
  });

  it('when the body is valid gzip, deflate or br, then it is still accepted', async () => {
    const { post } = await listening();
    const body = (n: number) => JSON.stringify({ event_name: 'Zip', email: `zip${n}@example.com`, insert_id: `zip-${n}` });
    const encoded = [['gzip', gzipSync(body(1))], ['deflate', deflateSync(body(2))], ['br', brotliCompressSync(body(3))]] as const;
    for (const [encoding, bytes] of encoded) {
      const res = await post('/v1/events', encoding, bytes, ingest);
      expect(res.status).toBe(202);
    }
  });
});

/** A signed delivery of one event whose payload nests `depth` objects deep, built as text (JSON.stringify would overflow the stack itself). */
function deepDelivery(depth: number, externalId: string) {
  const payload = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  const body =
    `{"data":[{"topic":"event:klaviyo.opened_email","external_id":"${externalId}","payload":${payload}}],` +
    `"meta":{"klaviyo_account_id":"WBhXHN","klaviyo_webhook_id":"01KP49WEBHOOK","timestamp":"${formatKlaviyoMetaTimestamp(NOW)}"}}`;
  return signKlaviyoDelivery({ secret: SECRET_CURRENT, body, sentAt: NOW });
}

describe('a signed Klaviyo delivery nested very deep', () => {
  it('when the payload nests 10,000 levels, then 400 too_deeply_nested and nothing is stored', async () => {
    const { app, store } = buildWebhookApp();
    const d = deepDelivery(10_000, 'DEEP10000');
    const res = await request(app).post('/webhooks/klaviyo').set(d.headers).send(d.body);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 400, type: 'urn:klaviyo-bridge:problem:too_deeply_nested' });
    expect(res.body.errors[0].path).toMatch(/^\/data\/0\/payload\/a\/a\//);
    expect(await store.inbox.list({ limit: 10 })).toEqual([]);
    const metrics = await request(app).get('/metrics');
    expect(metrics.text).toContain('webhook_deliveries_total{result="malformed"} 1');
  });

  it('when the payload nests within the limit (60 levels under the body), then it is stored as sent', async () => {
    const { app, store } = buildWebhookApp();
    const d = deepDelivery(60, 'DEEP60');
    const res = await request(app).post('/webhooks/klaviyo').set(d.headers).send(d.body);
    expect(res.status).toBe(200);
    expect((await store.inbox.list({ limit: 10 })).map((e) => e.externalId)).toEqual(['DEEP60']);
  });
});

describe('numbers that do not stay finite', () => {
  it('when price × quantity of an order line overflows, then 400 names the line’s price and nothing is stored', async () => {
    const { app, store } = buildFoundationApp();
    const overflowing = buildOrder({ items: [buildOrderLine(), buildOrderLine({ price: 1e308, quantity: 10 })] });
    const single = await request(app).post('/v1/orders').set(ingest).send(overflowing);
    expect(single.status).toBe(400);
    expect(single.body.errors).toEqual([{ path: '/items/1/price', message: expect.stringMatching(/price × quantity .* finite/) }]);
    const batch = await request(app).post('/v1/orders').set(ingest).send({ orders: [buildOrder(), overflowing] });
    expect(batch.status).toBe(400);
    expect(batch.body.errors.map((e: { path: string }) => e.path)).toEqual(['/orders/1/items/1/price']);
    expect((await store.outbox.stats(new Date())).kinds.event.pending).toBe(0);
  });

  it('when a JSON number is too large for a double (1e400 → Infinity), then 400 names its path', async () => {
    const { app, store } = buildFoundationApp();
    const cases: Array<[string, string, string]> = [
      ['/v1/events', '{"event_name":"Big","email":"big@example.com","properties":{"n":1e400}}', '/properties/n'],
      ['/v1/events', '{"events":[{"event_name":"Big","email":"big@example.com","properties":{"list":[1,-1e999]}}]}', '/events/0/properties/list/1'],
      ['/v1/profiles', '{"email":"big@example.com","properties":{"score":1e400}}', '/properties/score'],
      ['/v1/orders', `{"order_id":"big-1","customer":{"email":"big@example.com"},"currency":"USD","total":1e400}`, '/total'],
    ];
    for (const [path, body, field] of cases) {
      const res = await request(app).post(path).set(ingest).type('application/json').send(body);
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    }
    const stats = (await store.outbox.stats(new Date())).kinds;
    expect([stats.event.pending, stats.profile.pending]).toEqual([0, 0]);
  });

  it('when a line total is near the largest double, then the rounding to 1/10,000 keeps it finite', () => {
    const order = { order_id: 'o', status: 'placed', customer: { email: 'a@example.com' }, currency: 'USD', total: 1e305, items: [{ product_id: 'p', quantity: 1, price: 1e305 }] } as OrderInput;
    const values = mapOrder(order, NOW).items.map((item) => (item.payload as { event: { value: number } }).event.value);
    expect(values).toEqual([1e305, 1e305]);
  });
});
