import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { ServiceOverrides } from '../../src/service.js';
import { ADMIN_TOKEN, INGEST_TOKEN, buildFoundationApp } from '../helpers/foundation-app.js';
import { buildWebhookApp } from '../webhooks/webhook-app.js';
import { useListeningService } from './support/listening.js';
import { requestHead } from './support/raw-http.js';

/**
 * The HTTP edge on real sockets: the token (or the webhook's headers) is checked before a byte of
 * the body is read, an answer given before the body was read closes the connection instead of
 * reading the rest, and the server bounds how long a request may take and how many connections it
 * holds. supertest always sends the whole body first, so these tests write raw bytes.
 */

const { listen, connect, stop } = useListeningService();

const BIG = 5_000_000;
const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

/**
 * Sends a request head declaring `declared` body bytes, plus the first few of them, then waits for
 * the answer: it can only come if the server answered without the body.
 */
async function answeredEarly(port: number, method: string, path: string, headers: Record<string, string | number>, declared = BIG) {
  const conn = await connect(port);
  const firstBytes = '{"ids":';
  conn.send(requestHead(method, path, { 'Content-Type': 'application/json', 'Content-Length': declared, ...headers }) + firstBytes);
  const res = await conn.response();
  return { conn, res, unsent: declared - firstBytes.length };
}

describe('no work before auth: the token is checked before the body is read', () => {
  const cases: Array<{ name: string; method: string; path: string; headers: Record<string, string>; status: number; code: string }> = [
    { name: 'an admin route without a token', method: 'POST', path: '/v1/sync/dead-letters/replay', headers: {}, status: 401, code: 'unauthorized' },
    { name: 'the webhook replay route without a token', method: 'POST', path: '/v1/webhooks/forwards/replay', headers: {}, status: 401, code: 'unauthorized' },
    { name: 'a jobs route without a token', method: 'POST', path: '/v1/jobs/segment-overlap/runs', headers: {}, status: 401, code: 'unauthorized' },
    { name: 'an admin route with an ingest token', method: 'POST', path: '/v1/sync/dead-letters/replay', headers: auth(INGEST_TOKEN), status: 403, code: 'forbidden' },
    { name: 'an ingest route without a token', method: 'POST', path: '/v1/events', headers: {}, status: 401, code: 'unauthorized' },
    { name: 'an unknown /v1 path without a token', method: 'POST', path: '/v1/nope', headers: {}, status: 401, code: 'unauthorized' },
    { name: 'an unknown /v1 path with a wrong token', method: 'PUT', path: '/v1/sync/nope', headers: auth('nobody-token-zzzzzzzzzzzz'), status: 401, code: 'unauthorized' },
    { name: 'an unknown /v1 path with an ingest token', method: 'POST', path: '/v1/nope', headers: auth(INGEST_TOKEN), status: 404, code: 'not_found' },
    { name: 'a GET-only admin route posted to with an admin token', method: 'POST', path: '/v1/sync', headers: auth(ADMIN_TOKEN), status: 404, code: 'not_found' },
    { name: 'an unknown path outside /v1', method: 'POST', path: '/nope', headers: {}, status: 404, code: 'not_found' },
  ];

  it.each(cases)('when $name sends a 5 MB body, then $status comes back before the body is sent, and the connection closes', async ({ method, path, headers, status, code }) => {
    const { port } = await listen(buildFoundationApp());
    const { conn, res, unsent } = await answeredEarly(port, method, path, headers);
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.body)).toMatchObject({ status, type: `urn:klaviyo-bridge:problem:${code}` });
    expect(res.headers.connection).toBe('close');
    // The rest of the body is of no use: the server closes instead of reading it.
    await expect(conn.push(unsent)).resolves.toBe('closed');
    await conn.closed;
  });

  it('when the JSON type is wrong, then 415 before the body is read; when the declared length is over the limit, then 413', async () => {
    const { port } = await listen(buildFoundationApp({ overrides: { limits: { jsonBodyBytes: 1000 } } }));
    const wrongType = await answeredEarly(port, 'POST', '/v1/sync/dead-letters/replay', { ...auth(ADMIN_TOKEN), 'Content-Type': 'text/csv' });
    expect(wrongType.res.status).toBe(415);
    expect(wrongType.res.headers.connection).toBe('close');
    await expect(wrongType.conn.push(wrongType.unsent)).resolves.toBe('closed');

    for (const [path, token] of [['/v1/sync/dead-letters/replay', ADMIN_TOKEN], ['/v1/events', INGEST_TOKEN]] as const) {
      const tooLarge = await answeredEarly(port, 'POST', path, auth(token));
      expect(tooLarge.res.status).toBe(413);
      expect(JSON.parse(tooLarge.res.body)).toMatchObject({ status: 413, detail: 'The request body exceeds the limit of 1000 bytes.' });
      expect(tooLarge.res.headers.connection).toBe('close');
      await expect(tooLarge.conn.push(tooLarge.unsent)).resolves.toBe('closed');
    }
  });

  it('when an authorized body is read and refused, then the connection stays open for the next request', async () => {
    const { port } = await listen(buildFoundationApp());
    const conn = await connect(port);
    const body = '{"ids": [';
    conn.send(requestHead('POST', '/v1/sync/dead-letters/replay', { ...auth(ADMIN_TOKEN), 'Content-Type': 'application/json', 'Content-Length': body.length }) + body);
    const refused = await conn.response();
    expect(refused.status).toBe(400);
    expect(refused.headers.connection).toBe('keep-alive');
    conn.send(requestHead('GET', '/healthz', {}));
    expect((await conn.response()).status).toBe(200);
  });

  it('when the webhook route gets no Klaviyo headers, then 401 before the body is read; without a secret, 503', async () => {
    const { port } = await listen(buildWebhookApp());
    const unsigned = await answeredEarly(port, 'POST', '/webhooks/klaviyo', {});
    expect(unsigned.res.status).toBe(401);
    expect(JSON.parse(unsigned.res.body)).toMatchObject({ reason: 'missing_signature' });
    expect(unsigned.res.headers.connection).toBe('close');
    await expect(unsigned.conn.push(unsigned.unsent)).resolves.toBe('closed');

    const noWebhookId = await answeredEarly(port, 'POST', '/webhooks/klaviyo', { 'Klaviyo-Signature': 'a'.repeat(64), 'Klaviyo-Timestamp': 'Tue, 14 Apr 2026 03:50:12 GMT' });
    expect(JSON.parse(noWebhookId.res.body)).toMatchObject({ status: 401, reason: 'missing_webhook_id' });

    const over = await answeredEarly(port, 'POST', '/webhooks/klaviyo', signedHeaders(), 10 * 1024 * 1024 + 1);
    expect(over.res.status).toBe(413);
    expect(over.res.headers.connection).toBe('close');
    await expect(over.conn.push(over.unsent)).resolves.toBe('closed');
    await stop();

    const { port: unconfiguredPort } = await listen(buildFoundationApp());
    const unconfigured = await answeredEarly(unconfiguredPort, 'POST', '/webhooks/klaviyo', signedHeaders());
    expect(unconfigured.res.status).toBe(503);
    expect(JSON.parse(unconfigured.res.body)).toMatchObject({ type: 'urn:klaviyo-bridge:problem:webhooks_not_configured' });
    expect(unconfigured.res.headers.connection).toBe('close');
    await expect(unconfigured.conn.push(unconfigured.unsent)).resolves.toBe('closed');
  });
});

/** The three Klaviyo headers, present and well-formed (the signature itself is never reached). */
const signedHeaders = () => ({ 'Klaviyo-Signature': 'a'.repeat(64), 'Klaviyo-Timestamp': 'Tue, 14 Apr 2026 03:50:12 GMT', 'Klaviyo-Webhook-Id': '01KP49WEBHOOK' });

describe('bounded connections', () => {
  it('when listening, then requestTimeout is 30 s, headersTimeout 15 s and maxConnections MAX_CONNECTIONS (default 1024)', async () => {
    const { server } = await listen(buildFoundationApp());
    expect({ requestTimeout: server.requestTimeout, headersTimeout: server.headersTimeout, maxConnections: server.maxConnections }).toEqual({
      requestTimeout: 30_000,
      headersTimeout: 15_000,
      maxConnections: 1024,
    });
    await stop();
    const configured = await listen(buildFoundationApp({ env: { MAX_CONNECTIONS: '7' } }));
    expect(configured.server.maxConnections).toBe(7);
  });

  it('when MAX_CONNECTIONS are open, then one more connection is closed unanswered and the open ones keep working', async () => {
    const { port, server } = await listen(buildFoundationApp({ env: { MAX_CONNECTIONS: '1' } }));
    const first = await connect(port);
    first.send(requestHead('GET', '/healthz', {}));
    expect((await first.response()).status).toBe(200);
    const dropped = new Promise<void>((resolve) => server.once('drop', () => resolve()));
    const second = await connect(port);
    await dropped;
    await second.closed;
    first.send(requestHead('GET', '/healthz', {}));
    expect((await first.response()).status).toBe(200);
  });

  const short: ServiceOverrides = { http: { requestTimeoutMs: 400, headersTimeoutMs: 200, connectionsCheckingIntervalMs: 20 } };

  it('when a body is dribbled a byte at a time, then requestTimeout cuts it with 408 and the connection closes', async () => {
    const { port } = await listen(buildFoundationApp({ overrides: short }));
    const conn = await connect(port);
    conn.send(requestHead('POST', '/v1/events', { ...auth(INGEST_TOKEN), 'Content-Type': 'application/json', 'Content-Length': 1000 }));
    // A client that would need 1000 × 100 ms to finish; the server must not wait for it.
    const dribble = setInterval(() => {
      if (!conn.socket.destroyed) conn.send(' ');
    }, 100);
    try {
      const res = await conn.response();
      expect(res.status).toBe(408);
      await conn.closed;
    } finally {
      clearInterval(dribble);
    }
  });

  it('when the request head never ends, then headersTimeout cuts it with 408', async () => {
    const { port } = await listen(buildFoundationApp({ overrides: short }));
    const conn = await connect(port);
    conn.send('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    expect((await conn.response()).status).toBe(408);
    await conn.closed;
  });
});

describe('bearer scheme', () => {
  it('when the scheme is written bearer or BEARER, then it is accepted; the token itself stays case-sensitive', async () => {
    const { app } = buildFoundationApp();
    for (const scheme of ['bearer', 'BEARER', 'Bearer', 'bEaReR']) {
      expect((await request(app).get('/v1/sync').set('Authorization', `${scheme} ${ADMIN_TOKEN}`)).status).toBe(200);
      expect((await request(app).post('/v1/events').set('Authorization', `${scheme} ${INGEST_TOKEN}`).send({ event_name: 'Scheme', email: 'scheme@example.com' })).status).toBe(202);
    }
    const shouted = await request(app).get('/v1/sync').set('Authorization', `Bearer ${ADMIN_TOKEN.toUpperCase()}`);
    expect(shouted.status).toBe(401);
    expect(shouted.body).toMatchObject({ detail: 'Unknown bearer token.' });
    expect((await request(app).get('/v1/sync').set('Authorization', `Basic ${ADMIN_TOKEN}`)).status).toBe(401);
  });
});
