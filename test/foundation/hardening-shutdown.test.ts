import { once } from 'node:events';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { INGEST_TOKEN, buildFoundationApp } from '../helpers/foundation-app.js';
import { useListeningService } from './support/listening.js';
import { requestHead } from './support/raw-http.js';

/**
 * stop() is quick and honest: /readyz fails at once, every answer from then on closes its
 * connection, and connections that carry no request are closed, so the drain ends as soon as the
 * last in-flight request is answered, never by the timeout. Each test proves the drain ended because
 * the connections closed: the outcome is `drained` although nothing else could have closed them
 * within the bound (keepAliveTimeout is raised above it).
 */

const service = useListeningService();

async function listening() {
  const built = buildFoundationApp();
  const { server, port } = await service.listen(built);
  // Node would close a kept-alive connection after 5 s on its own; a bound of 10 s must not be met that way.
  server.keepAliveTimeout = 60_000;
  const connect = () => service.connect(port);
  return { built, server, connect };
}

const event = JSON.stringify({ event_name: 'Shutdown', email: 'shutdown@example.com', insert_id: 'shutdown-1' });

describe('shutdown', () => {
  it('when stop begins, then /readyz answers 503 with check shutdown at once, with Connection: close', async () => {
    const { service } = buildFoundationApp();
    const stopping = service.stop(10_000);
    const res = await request(service.app).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: 'failing', checks: { shutdown: { ok: false, detail: 'shutting down' } } });
    expect(res.headers.connection).toBe('close');
    await stopping;
  });

  it('when the service is running, then /readyz reports the shutdown check as ok', async () => {
    const built = buildFoundationApp();
    service.adopt(built);
    await built.service.start();
    const { app } = built;
    const res = await request(app).get('/readyz');
    expect(res.body.checks.shutdown).toEqual({ ok: true });
  });

  it('when a keep-alive client is idle, then stop closes its connection and drains without forcing', async () => {
    const { built, connect } = await listening();
    const idle = await connect();
    idle.send(requestHead('GET', '/healthz', {}));
    expect((await idle.response()).headers.connection).toBe('keep-alive');
    const outcome = await built.service.stop(10_000);
    await idle.closed;
    expect(outcome).toBe('drained');
  });

  it('when a keep-alive request is in flight at stop, then its answer says Connection: close, the connection closes and the drain ends there', async () => {
    const { built, server, connect } = await listening();
    const client = await connect();
    // The body is still uploading when stop begins: the request is in flight, not idle.
    const received = once(server, 'request');
    client.send(requestHead('POST', '/v1/events', { Authorization: `Bearer ${INGEST_TOKEN}`, 'Content-Type': 'application/json', 'Content-Length': event.length }) + event.slice(0, 10));
    await received;
    let outcome: string | undefined;
    const stopping = built.service.stop(10_000).then((o) => (outcome = o));
    client.send(event.slice(10));
    const res = await client.response();
    expect(res.status).toBe(202);
    expect(res.headers.connection).toBe('close');
    await client.closed;
    await stopping;
    expect(outcome).toBe('drained');
  });

  it('when a client has connected but sent no request yet, then stop closes that connection too and drains without forcing', async () => {
    const { built, server, connect } = await listening();
    const accepted = once(server, 'connection');
    const silent = await connect();
    await accepted;
    const outcome = await built.service.stop(10_000);
    await silent.closed;
    expect(outcome).toBe('drained');
  });
});
