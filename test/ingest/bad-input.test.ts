import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEvent, buildOrder, buildProfile } from '../sync/support/builders.js';
import { INGEST, startIngestHarness, type IngestHarness } from '../sync/support/harness.js';

// The edge alone (no worker, no sandbox): a rejected request must leave the outbox as it was.
let harness: IngestHarness;
beforeAll(() => {
  harness = startIngestHarness();
});
afterAll(() => harness.close());

const deep = (levels: number): Record<string, unknown> => (levels === 0 ? { leaf: 1 } : { nested: deep(levels - 1) });
const manyKeys = Object.fromEntries(Array.from({ length: 301 }, (_, i) => [`k${i}`, i]));

interface BadCase {
  name: string;
  route: string;
  body: unknown;
  contentType?: string;
  raw?: string;
  status: number;
  /** Paths the problem must list (validation failures). */
  paths?: string[];
}

const cases: BadCase[] = [
  { name: 'event name of the wrong type', route: '/v1/events', body: buildEvent({ event_name: 42 }), status: 400, paths: ['/event_name'] },
  { name: 'event with no identity', route: '/v1/events', body: buildEvent({ email: undefined }), status: 400, paths: ['/'] },
  { name: 'event phone not E.164', route: '/v1/events', body: buildEvent({ phone_number: '555-0100' }), status: 400, paths: ['/phone_number'] },
  { name: 'event with 301 properties', route: '/v1/events', body: buildEvent({ properties: manyKeys }), status: 400, paths: ['/properties'] },
  { name: 'properties nested 11 deep', route: '/v1/events', body: buildEvent({ properties: deep(11) }), status: 400 },
  { name: 'property string over 100 KB', route: '/v1/events', body: buildEvent({ properties: { blob: 'x'.repeat(100 * 1024 + 1) } }), status: 400, paths: ['/properties/blob'] },
  { name: 'property array over 4000 items', route: '/v1/events', body: buildEvent({ properties: { list: Array.from({ length: 4001 }, () => 1) } }), status: 400, paths: ['/properties/list'] },
  { name: 'event time before 2000', route: '/v1/events', body: buildEvent({ event_time: '1999-12-31T23:59:59Z' }), status: 400, paths: ['/event_time'] },
  { name: 'event time over a year ahead', route: '/v1/events', body: buildEvent({ event_time: new Date(Date.now() + 400 * 86_400_000).toISOString() }), status: 400, paths: ['/event_time'] },
  { name: 'currency not ISO 4217', route: '/v1/events', body: buildEvent({ value: 5, currency: 'usd' }), status: 400, paths: ['/currency'] },
  { name: 'unknown field', route: '/v1/events', body: buildEvent({ evnt_name: 'typo' }), status: 400 },
  { name: 'empty event batch', route: '/v1/events', body: { events: [] }, status: 400, paths: ['/events'] },
  { name: 'event batch over 1000', route: '/v1/events', body: { events: Array.from({ length: 1001 }, () => buildEvent()) }, status: 400, paths: ['/events'] },
  { name: 'one bad event in a batch', route: '/v1/events', body: { events: [buildEvent(), buildEvent({ email: 'nope' }), buildEvent({ phone_number: '12' })] }, status: 400, paths: ['/events/1/email', '/events/2/phone_number'] },
  { name: 'body not JSON', route: '/v1/events', raw: '{"event_name": ', contentType: 'application/json', body: undefined, status: 400 },
  { name: 'wrong content type', route: '/v1/events', raw: 'event_name=x', contentType: 'application/x-www-form-urlencoded', body: undefined, status: 415 },
  { name: 'JSON array body', route: '/v1/events', body: [buildEvent()], status: 400 },
  { name: 'order without customer identity', route: '/v1/orders', body: buildOrder({ customer: { first_name: 'A' } }), status: 400, paths: ['/customer'] },
  { name: 'order with negative total and bad status', route: '/v1/orders', body: buildOrder({ total: -1, status: 'lost' }), status: 400, paths: ['/total', '/status'] },
  { name: 'order line quantity not an integer', route: '/v1/orders', body: buildOrder({ items: [{ product_id: 'p', quantity: 1.5, price: 1 }] }), status: 400, paths: ['/items/0/quantity'] },
  { name: 'order batch over 1000', route: '/v1/orders', body: { orders: Array.from({ length: 1001 }, () => buildOrder()) }, status: 400, paths: ['/orders'] },
  { name: 'profile with no identity', route: '/v1/profiles', body: buildProfile({ email: undefined }), status: 400 },
  { name: 'sms consent without a phone', route: '/v1/profiles', body: buildProfile({ subscriptions: { sms_marketing: true } }), status: 400, paths: ['/subscriptions/sms_marketing'] },
  { name: 'empty profile batch', route: '/v1/profiles', body: { profiles: [] }, status: 400, paths: ['/profiles'] },
  { name: 'body over the 5 MB limit', route: '/v1/events', body: { events: [buildEvent({ properties: { a: 'y'.repeat(6 * 1024 * 1024) } })] }, status: 413 },
];

describe('ingest: bad input', () => {
  it.each(cases)('when $name, then $status problem+json and nothing is stored', async (c) => {
    const before = await harness.store.outbox.stats(new Date());
    const request = harness.http.post(c.route).set('authorization', INGEST);
    const res = c.raw !== undefined ? await request.set('content-type', c.contentType ?? 'application/json').send(c.raw) : await request.send(c.body as object);
    expect(res.status).toBe(c.status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: c.status, type: expect.any(String), detail: expect.any(String) });
    for (const path of c.paths ?? []) {
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    const after = await harness.store.outbox.stats(new Date());
    expect(after.kinds).toEqual(before.kinds);
  });

  it('when every bad field of a request is wrong at once, then each is listed', async () => {
    const res = await harness.http.post('/v1/events').set('authorization', INGEST).send(buildEvent({ event_name: '', phone_number: 'x', currency: 'EURO', value: 'ten' }));
    expect(res.status).toBe(400);
    const paths = res.body.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['/event_name', '/phone_number', '/currency', '/value']));
  });

  it('when the token is missing or an admin token, then 401 / 403', async () => {
    await harness.http.post('/v1/events').send(buildEvent()).expect(401);
    await harness.http.post('/v1/events').set('authorization', 'Bearer admin-token-sync-0000001').send(buildEvent()).expect(403);
  });
});
