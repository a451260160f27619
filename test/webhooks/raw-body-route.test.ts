import { request as httpRequest, type IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { buildKlaviyoDeliveryBody, buildKlaviyoWebhookEvent, signKlaviyoDelivery } from '../helpers/klaviyo-webhook-signer.js';
import { NOW, SECRET_CURRENT, buildWebhookApp } from './webhook-app.js';

/**
 * The webhook route's body reading (express.raw, no inflating) on a real socket: chunked bodies,
 * the limit without a Content-Length, empty and compressed bodies. The Klaviyo headers are present
 * (else the route answers 401 before reading), and the verifier answers 401 to these unsigned
 * bodies, which shows the bytes reached it.
 */
async function startApp(limitBytes: number) {
  const built = buildWebhookApp({ bodyLimitBytes: limitBytes });
  const { server, port } = await built.service.listen(0, '127.0.0.1');
  return { server, port: () => port, built };
}

/** Sends `chunks` with chunked transfer encoding (no Content-Length), one write per chunk. */
function postChunked(port: number, chunks: Buffer[], headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/webhooks/klaviyo', method: 'POST', headers: { 'content-type': 'application/octet-stream', ...headers } }, (res: IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

/** The three headers, present (unsigned): without them the route answers 401 before reading a body. */
const KLAVIYO_HEADERS = { 'klaviyo-signature': 'a'.repeat(64), 'klaviyo-timestamp': 'Tue, 14 Apr 2026 03:50:12 GMT', 'klaviyo-webhook-id': '01KP49WEBHOOK' };

describe('POST /webhooks/klaviyo reads the raw body', () => {
  let app: Awaited<ReturnType<typeof startApp>> | undefined;
  afterEach(async () => {
    await app?.built.service.stop(1000);
    app = undefined;
  });

  it('when a signed body arrives in many chunks without Content-Length, then every byte, in order, reaches the verifier', async () => {
    app = await startApp(64 * 1024);
    const events = Array.from({ length: 5 }, () => buildKlaviyoWebhookEvent());
    const d = signKlaviyoDelivery({ secret: SECRET_CURRENT, body: buildKlaviyoDeliveryBody({ events }), sentAt: NOW });
    const bytes = Buffer.from(d.body);
    const chunks = Array.from({ length: 10 }, (_, i) => bytes.subarray(Math.floor((i * bytes.length) / 10), Math.floor(((i + 1) * bytes.length) / 10)));
    const res = await postChunked(app.port(), chunks, d.headers);
    // The HMAC over the raw bytes matched, so they arrived whole and in order.
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ received: 5, duplicates: 0 });
  });

  it('when a chunked body without Content-Length passes the limit, then 413 problem+json', async () => {
    app = await startApp(1024);
    const res = await postChunked(app.port(), [Buffer.alloc(600, 1), Buffer.alloc(600, 2)], KLAVIYO_HEADERS);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ status: 413, type: 'urn:klaviyo-bridge:problem:payload_too_large' });
  });

  it('when the body is empty, then it reaches the verifier as no bytes', async () => {
    app = await startApp(1024);
    const res = await postChunked(app.port(), [], KLAVIYO_HEADERS);
    expect(res.status).toBe(401);
    // The headers passed the route's check, so the verifier judged the signature over no bytes.
    expect(JSON.parse(res.body)).toMatchObject({ reason: 'signature_mismatch' });
  });

  it('when the body is compressed, then 415 and the route never runs', async () => {
    app = await startApp(1024);
    const res = await postChunked(app.port(), [Buffer.from('x')], { ...KLAVIYO_HEADERS, 'content-encoding': 'gzip' });
    expect(res.status).toBe(415);
    expect(JSON.parse(res.body)).toMatchObject({ status: 415 });
  });
});
