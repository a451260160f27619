import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { createWebhookDispatcher } from '../../services/webhooks/dispatcher.js';
import { targetWants } from '../../services/webhooks/forward-handler.js';
import { buildKlaviyoDeliveryBody, buildKlaviyoWebhookEvent, signKlaviyoBody, signKlaviyoDelivery, type SignKlaviyoDeliveryOptions } from '../helpers/klaviyo-webhook-signer.js';
import { NOW, SECRET_CURRENT, SECRET_PREVIOUS, TOLERANCE_S, buildWebhookApp } from './webhook-app.js';

interface Delivery {
  body: string | Buffer;
  headers: Record<string, string>;
}

/** Signed as live Klaviyo signs: meta.timestamp = sentAt, Klaviyo-Timestamp 5 h ahead of it (unless headerSkewMs says otherwise). */
const signed = (overrides: Omit<Partial<SignKlaviyoDeliveryOptions>, 'secret'> & { secret?: string } = {}): Delivery =>
  signKlaviyoDelivery({ ...overrides, secret: overrides.secret ?? SECRET_CURRENT, body: overrides.body ?? buildKlaviyoDeliveryBody(), sentAt: overrides.sentAt ?? NOW });

const minutes = (n: number) => n * 60_000;

const without = (d: Delivery, header: string): Delivery => {
  const headers = { ...d.headers };
  delete headers[header];
  return { ...d, headers };
};

const withBody = (d: Delivery, body: string | Buffer): Delivery => ({ ...d, body });

/** Signed by a valid secret over a body we choose (valid signature, bad content). */
const signedRaw = (body: string | Buffer): Delivery => {
  const timestamp = NOW.toUTCString();
  return {
    body,
    headers: { 'content-type': 'application/json', 'klaviyo-signature': signKlaviyoBody(body, timestamp, SECRET_CURRENT), 'klaviyo-timestamp': timestamp, 'klaviyo-webhook-id': '01KP49WEBHOOK' },
  };
};

const flipOneByte = (body: string): string => {
  const i = body.indexOf('opened_email');
  return `${body.slice(0, i)}O${body.slice(i + 1)}`;
};

const repeatedTwice = (() => {
  const event = buildKlaviyoWebhookEvent();
  return buildKlaviyoDeliveryBody({ events: [event, event, buildKlaviyoWebhookEvent()] });
})();

interface Row {
  when: string;
  delivery: () => Delivery;
  status: number;
  reason?: string;
  /** The problem's `judged` member: which signed time freshness was judged on. */
  judged?: string;
  answer?: { received: number; duplicates: number };
  inbox: number;
  secrets?: string[];
}

const table: Row[] = [
  { when: 'a valid delivery signed with the current secret', delivery: () => signed(), status: 200, answer: { received: 1, duplicates: 0 }, inbox: 1 },
  { when: 'a valid delivery signed with the previous secret (rotation)', delivery: () => signed({ secret: SECRET_PREVIOUS }), status: 200, answer: { received: 1, duplicates: 0 }, inbox: 1 },
  { when: 'one byte of the body changed', delivery: () => { const d = signed(); return withBody(d, flipOneByte(d.body as string)); }, status: 401, reason: 'signature_mismatch', inbox: 0 },
  { when: 'the same JSON re-serialized with other whitespace', delivery: () => { const d = signed(); return withBody(d, JSON.stringify(JSON.parse(d.body as string), null, 2)); }, status: 401, reason: 'signature_mismatch', inbox: 0 },
  { when: 'signed with a wrong secret', delivery: () => signed({ secret: 'not-the-configured-secret-xx' }), status: 401, reason: 'signature_mismatch', inbox: 0 },
  { when: 'Klaviyo-Signature is missing', delivery: () => without(signed(), 'klaviyo-signature'), status: 401, reason: 'missing_signature', inbox: 0 },
  { when: 'Klaviyo-Timestamp is missing', delivery: () => without(signed(), 'klaviyo-timestamp'), status: 401, reason: 'missing_timestamp', inbox: 0 },
  { when: 'Klaviyo-Webhook-Id is missing', delivery: () => without(signed(), 'klaviyo-webhook-id'), status: 401, reason: 'missing_webhook_id', inbox: 0 },
  { when: 'the signature is not hex', delivery: () => { const d = signed(); return { ...d, headers: { ...d.headers, 'klaviyo-signature': 'sha256=abc' } }; }, status: 401, reason: 'malformed_signature', inbox: 0 },
  { when: 'signed as live Klaviyo signs (Klaviyo-Timestamp 5 h ahead, meta.timestamp true)', delivery: () => signed(), status: 200, answer: { received: 1, duplicates: 0 }, inbox: 1 },
  { when: 'meta.timestamp is 6 minutes old (a replay; header 5 h ahead as live)', delivery: () => signed({ sentAt: new Date(NOW.getTime() - minutes(6)) }), status: 401, reason: 'meta_timestamp_too_old', judged: 'meta.timestamp', inbox: 0 },
  { when: 'meta.timestamp is one second past the tolerance', delivery: () => signed({ sentAt: new Date(NOW.getTime() - (TOLERANCE_S + 1) * 1000) }), status: 401, reason: 'meta_timestamp_too_old', judged: 'meta.timestamp', inbox: 0 },
  { when: 'meta.timestamp is just inside the tolerance', delivery: () => signed({ sentAt: new Date(NOW.getTime() - TOLERANCE_S * 1000) }), status: 200, answer: { received: 1, duplicates: 0 }, inbox: 1 },
  { when: 'meta.timestamp is 6 minutes ahead', delivery: () => signed({ sentAt: new Date(NOW.getTime() + minutes(6)) }), status: 401, reason: 'meta_timestamp_too_new', judged: 'meta.timestamp', inbox: 0 },
  { when: 'meta.timestamp is fresh and the header is 6 minutes old (the header is not judged)', delivery: () => signed({ headerSkewMs: -minutes(6) }), status: 200, answer: { received: 1, duplicates: 0 }, inbox: 1 },
  { when: 'meta.timestamp is absent and the header is fresh (fallback)', delivery: () => signed({ metaTimestamp: null, headerSkewMs: 0 }), status: 200, answer: { received: 1, duplicates: 0 }, inbox: 1 },
  { when: 'meta.timestamp is absent and the header is 5 h ahead (fallback judges the header)', delivery: () => signed({ metaTimestamp: null }), status: 401, reason: 'header_timestamp_too_new', judged: 'Klaviyo-Timestamp', inbox: 0 },
  { when: 'meta.timestamp is not a date and the header is 6 minutes old', delivery: () => signed({ metaTimestamp: 'soon', headerSkewMs: -minutes(6) }), status: 401, reason: 'header_timestamp_too_old', judged: 'Klaviyo-Timestamp', inbox: 0 },
  { when: 'neither meta.timestamp nor the signed header is a date', delivery: () => { const ts = 'yesterday-ish'; const body = JSON.stringify(buildKlaviyoDeliveryBody()).replace(/"timestamp":"[^"]*"/, '"timestamp":"soon"'); return { body, headers: { 'content-type': 'application/json', 'klaviyo-signature': signKlaviyoBody(body, ts, SECRET_CURRENT), 'klaviyo-timestamp': ts, 'klaviyo-webhook-id': '01KP49WEBHOOK' } }; }, status: 401, reason: 'timestamp_unparsable', inbox: 0 },
  { when: 'the topic is one we have never seen (a custom metric)', delivery: () => signed({ body: buildKlaviyoDeliveryBody({ events: [buildKlaviyoWebhookEvent({ topic: 'event:shopify.custom_metric' })] }) }), status: 200, answer: { received: 1, duplicates: 0 }, inbox: 1 },
  { when: 'the webhook id header differs from meta.klaviyo_webhook_id', delivery: () => signed({ webhookId: '01OTHERWEBHOOK' }), status: 401, reason: 'webhook_id_mismatch', inbox: 0 },
  { when: 'a valid signature covers a non-JSON body', delivery: () => signedRaw('event=opened&id=1'), status: 400, inbox: 0 },
  { when: 'a valid signature covers JSON that is not a delivery', delivery: () => signedRaw(JSON.stringify({ data: [{ topic: 'x' }], meta: {} })), status: 400, inbox: 0 },
  { when: 'a valid signature covers an empty body', delivery: () => signedRaw(''), status: 400, inbox: 0 },
  { when: 'the body is over 10 MB', delivery: () => signedRaw(Buffer.alloc(10 * 1024 * 1024 + 1, 0x20)), status: 413, inbox: 0 },
  { when: 'the signed body is sent gzip-compressed (Content-Encoding)', delivery: () => { const d = signed(); return { ...d, headers: { ...d.headers, 'content-encoding': 'gzip' } }; }, status: 415, inbox: 0 },
  { when: 'one delivery repeats an external_id', delivery: () => signed({ body: repeatedTwice }), status: 200, answer: { received: 3, duplicates: 1 }, inbox: 2 },
  { when: 'one delivery carries 1,000 events', delivery: () => signed({ body: buildKlaviyoDeliveryBody({ events: Array.from({ length: 1000 }, () => buildKlaviyoWebhookEvent()) }) }), status: 200, answer: { received: 1000, duplicates: 0 }, inbox: 1000 },
  { when: 'no secret is configured', delivery: () => signed(), secrets: [], status: 503, inbox: 0 },
];

const post = (app: Parameters<typeof request>[0], d: Delivery) => {
  let req = request(app).post('/webhooks/klaviyo');
  for (const [name, value] of Object.entries(d.headers)) req = req.set(name, value);
  // A string goes out byte-for-byte; superagent would JSON-encode a Buffer under a JSON content type.
  return req.send(typeof d.body === 'string' ? d.body : d.body.toString('utf8'));
};

describe('POST /webhooks/klaviyo', () => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  it.each(table)('when $when, then $status and the inbox holds $inbox', async (row) => {
    const built = buildWebhookApp({ secrets: row.secrets });
    store = built.store;
    const delivery = row.delivery();
    const res = await post(built.app, delivery);
    expect(res.status).toBe(row.status);
    if (row.answer) expect(res.body).toEqual(row.answer);
    else expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    if (row.reason) expect(JSON.parse(res.text)).toMatchObject({ status: 401, reason: row.reason, ...(row.judged ? { judged: row.judged } : {}) });
    if (row.judged) expect(JSON.parse(res.text).detail).toContain(row.judged === 'meta.timestamp' ? 'meta.timestamp' : 'Klaviyo-Timestamp');
    // The expected signature is never echoed, whatever the failure.
    const expected = ['klaviyo-timestamp'].every((h) => delivery.headers[h]) ? signKlaviyoBody(delivery.body, delivery.headers['klaviyo-timestamp']!, SECRET_CURRENT) : 'none';
    if (row.status !== 200) expect(res.text).not.toContain(expected);
    expect(await store.inbox.list({ limit: 2000 })).toHaveLength(row.inbox);
  });

  it('when the same delivery arrives twice, then the second answer counts every item as a duplicate and nothing is stored twice', async () => {
    const built = buildWebhookApp();
    store = built.store;
    const delivery = signed({ body: buildKlaviyoDeliveryBody({ events: [buildKlaviyoWebhookEvent(), buildKlaviyoWebhookEvent()] }) });
    expect((await post(built.app, delivery)).body).toEqual({ received: 2, duplicates: 0 });
    const again = await post(built.app, delivery);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ received: 2, duplicates: 2 });
    expect(await store.inbox.list({ limit: 10 })).toHaveLength(2);
  });

  it('when deliveries end in each outcome, then webhook_deliveries_total counts them by result', async () => {
    const built = buildWebhookApp({ bodyLimitBytes: 1024 });
    store = built.store;
    const ok = signed();
    await post(built.app, ok);
    await post(built.app, ok);
    await post(built.app, signed({ secret: 'not-the-configured-secret-xx' }));
    await post(built.app, signed({ sentAt: new Date(0) }));
    await post(built.app, signedRaw('not json'));
    await post(built.app, signedRaw(Buffer.alloc(2048, 0x20)));
    const metrics = await built.deps.metrics.registry.getSingleMetricAsString('webhook_deliveries_total');
    for (const result of ['accepted', 'duplicate', 'bad_signature', 'stale', 'malformed', 'too_large']) {
      expect(metrics).toContain(`webhook_deliveries_total{result="${result}"} 1`);
    }
  });

  it('when the live test vector arrives (header Tue, 14 Apr 2026 03:50:12 GMT, meta.timestamp 22:50:12.101159 the day before) with the clock at the meta time, then it is stored', async () => {
    const built = buildWebhookApp();
    store = built.store;
    const d = signed({ metaTimestamp: '2026-04-13T22:50:12.101159+00:00' });
    expect(d.headers['klaviyo-timestamp']).toBe('Tue, 14 Apr 2026 03:50:12 GMT');
    const res = await post(built.app, d);
    expect(res.status).toBe(200);
    expect(await store.inbox.list({ limit: 10 })).toHaveLength(1);
  });

  it('when deliveries are refused, then webhook_refusals_total counts each by its reason code', async () => {
    const built = buildWebhookApp();
    store = built.store;
    await post(built.app, signed({ sentAt: new Date(NOW.getTime() - minutes(6)) }));
    await post(built.app, signed({ sentAt: new Date(NOW.getTime() - minutes(7)) }));
    await post(built.app, signed({ sentAt: new Date(NOW.getTime() + minutes(6)) }));
    await post(built.app, signed({ metaTimestamp: null }));
    await post(built.app, signed({ secret: 'not-the-configured-secret-xx' }));
    await post(built.app, without(signed(), 'klaviyo-signature'));
    await post(built.app, signed()); // accepted: not a refusal
    await post(built.app, signedRaw('not json')); // a 400, not a 401: not a refusal
    const metrics = await built.deps.metrics.registry.getSingleMetricAsString('webhook_refusals_total');
    expect(metrics).toContain('webhook_refusals_total{reason="meta_timestamp_too_old"} 2');
    expect(metrics).toContain('webhook_refusals_total{reason="meta_timestamp_too_new"} 1');
    expect(metrics).toContain('webhook_refusals_total{reason="header_timestamp_too_new"} 1');
    expect(metrics).toContain('webhook_refusals_total{reason="signature_mismatch"} 1');
    expect(metrics).toContain('webhook_refusals_total{reason="missing_signature"} 1');
    const counted = [...metrics.matchAll(/^webhook_refusals_total\{[^}]*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    expect(counted).toBe(6);
  });

  it('when a delivery carries a topic we have never seen, then it is stored and handed to the dispatcher’s handlers like any other', async () => {
    const built = buildWebhookApp();
    store = built.store;
    const event = buildKlaviyoWebhookEvent({ topic: 'event:shopify.custom_metric' });
    expect((await post(built.app, signed({ body: buildKlaviyoDeliveryBody({ events: [event] }) }))).status).toBe(200);
    const handed: string[] = [];
    const dispatcher = createWebhookDispatcher({ inbox: store.inbox, handlers: [{ name: 'capture', handle: async (events) => void handed.push(...events.map((e) => e.topic)) }], logger: built.deps.logger });
    expect(await dispatcher.dispatchOnce()).toBe(1);
    expect(handed).toEqual(['event:shopify.custom_metric']);
    expect(targetWants({ url: 'https://internal.example/hook', topics: [] }, 'event:shopify.custom_metric')).toBe(true);
  });

  it('when a delivery is refused, then neither the signature nor the secret reaches the logs', async () => {
    const built = buildWebhookApp();
    store = built.store;
    const forged = signed({ secret: 'not-the-configured-secret-xx' });
    await post(built.app, forged);
    expect(built.logs.text()).not.toContain(forged.headers['klaviyo-signature']);
    expect(built.logs.text()).not.toContain(SECRET_CURRENT);
    expect(built.logs.text()).toContain('webhook_verification_failed');
  });
});
