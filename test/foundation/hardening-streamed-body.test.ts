import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { INGEST_TOKEN, buildFoundationApp } from '../helpers/foundation-app.js';
import { buildWebhookApp } from '../webhooks/webhook-app.js';
import { useListeningService } from './support/listening.js';
import { requestHead, type RawConnection } from './support/raw-http.js';

/**
 * A body without a Content-Length (chunked) that grows past the route's limit: the 413 comes as the
 * limit is crossed, and the connection closes while the client is still sending. Stock body-parser
 * answers only after the client has sent all of it, so an endless body held the connection (and the
 * server's reading) until the request timeout.
 */
const service = useListeningService();

const LIMIT = 64 * 1024;
/** Far beyond the limit: a server still reading at this point reads whatever it is sent. */
const ENDLESS = 64 * 1024 * 1024;

async function open(built: ReturnType<typeof buildFoundationApp>): Promise<RawConnection> {
  const { port } = await service.listen(built);
  return service.connect(port);
}

/** Writes chunked-framed bytes until the server closes or `limit` bytes went out; how many went out. */
async function pushChunked(conn: RawConnection, chunk: Buffer, limit: number): Promise<{ sent: number; outcome: 'closed' | 'all-written' }> {
  const framed = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
  let sent = 0;
  let closed = false;
  void conn.closed.then(() => (closed = true));
  while (sent < limit) {
    if (closed || conn.socket.destroyed) return { sent, outcome: 'closed' };
    sent += chunk.length;
    if (!conn.socket.write(framed)) {
      const drained = await Promise.race([new Promise<boolean>((resolve) => conn.socket.once('drain', () => resolve(true))), conn.closed.then(() => false)]);
      if (!drained) return { sent, outcome: 'closed' };
    }
  }
  return { sent, outcome: 'all-written' };
}

describe('a streamed body past its limit', () => {
  it('when a chunked JSON body crosses the limit, then 413 comes at once and the connection closes while the client still sends', async () => {
    const conn = await open(buildFoundationApp({ overrides: { limits: { jsonBodyBytes: LIMIT } } }));
    conn.send(requestHead('POST', '/v1/events', { Authorization: `Bearer ${INGEST_TOKEN}`, 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' }));
    const answer = conn.response();
    const pushed = await pushChunked(conn, Buffer.alloc(16 * 1024, 0x20), ENDLESS);
    const res = await answer;
    expect(res.status).toBe(413);
    expect(res.headers.connection).toBe('close');
    expect(JSON.parse(res.body)).toMatchObject({ status: 413, type: 'urn:klaviyo-bridge:problem:payload_too_large' });
    expect(pushed.outcome).toBe('closed');
    expect(pushed.sent).toBeLessThan(ENDLESS);
  });

  it('when a gzip body streams far past the limit, then it is refused before the client has sent it all', async () => {
    const conn = await open(buildFoundationApp({ overrides: { limits: { jsonBodyBytes: LIMIT } } }));
    conn.send(requestHead('POST', '/v1/events', { Authorization: `Bearer ${INGEST_TOKEN}`, 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'Transfer-Encoding': 'chunked' }));
    const answer = conn.response();
    // Incompressible bytes: the compressed stream is as large as what it inflates to.
    const noise = gzipSync(Buffer.from(Array.from({ length: 256 * 1024 }, (_, i) => (i * 2654435761) % 251)), { level: 0 });
    const pushed = await pushChunked(conn, noise, ENDLESS);
    const res = await answer;
    expect(res.status).toBe(413);
    expect(pushed.outcome).toBe('closed');
  });

  it('when a chunked webhook delivery crosses the limit, then it is 413 at once and counted too_large', async () => {
    const built = buildWebhookApp({ bodyLimitBytes: LIMIT });
    const conn = await open(built);
    conn.send(
      requestHead('POST', '/webhooks/klaviyo', {
        'Content-Type': 'application/json',
        'Klaviyo-Signature': 'ab'.repeat(32),
        'Klaviyo-Timestamp': new Date().toUTCString(),
        'Klaviyo-Webhook-Id': '01KP49WEBHOOK',
        'Transfer-Encoding': 'chunked',
      }),
    );
    const answer = conn.response();
    const pushed = await pushChunked(conn, Buffer.alloc(16 * 1024, 0x20), ENDLESS);
    const res = await answer;
    expect(res.status).toBe(413);
    expect(pushed.outcome).toBe('closed');
    expect(await built.service.metrics.registry.getSingleMetricAsString('webhook_deliveries_total')).toMatch(/result="too_large"\} 1/);
  });

  it('when a chunked body stays within the limit, then it is parsed and accepted as before', async () => {
    const conn = await open(buildFoundationApp({ overrides: { limits: { jsonBodyBytes: LIMIT } } }));
    const body = Buffer.from(JSON.stringify({ event_name: 'Viewed Product', email: 'chunked@example.com', insert_id: 'chunked-1' }));
    conn.send(requestHead('POST', '/v1/events', { Authorization: `Bearer ${INGEST_TOKEN}`, 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' }));
    conn.send(Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]));
    const res = await conn.response();
    expect(res.status).toBe(202);
  });
});
