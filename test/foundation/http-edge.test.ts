import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createTokenVerifier, requireToken } from '../../src/lib/auth.js';
import { ValidationError } from '../../src/lib/errors.js';
import { createLogger } from '../../src/lib/logger.js';
import { createMetrics } from '../../src/lib/metrics.js';
import { problemHandler, requireJsonBody } from '../../src/lib/problem.js';
import { requestLogging } from '../../src/lib/request-logging.js';
import { requestMetrics } from '../../src/lib/request-metrics.js';
import { ADMIN_TOKEN, INGEST_TOKEN, INGEST_TOKEN_ROTATED, buildFoundationApp, captureLogs } from '../helpers/foundation-app.js';

/**
 * A sample ingest route and admin route guarded exactly as the real ones are, plus routes that fail
 * on purpose, so every status of the problem+json contract can be provoked.
 */
function buildEdgeApp() {
  const logs = captureLogs();
  const app = express();
  const logger = createLogger({ level: 'info', destination: logs.stream });
  app.use(requestLogging(logger));
  app.use(requestMetrics(createMetrics()));
  const verify = createTokenVerifier({ ingest: [INGEST_TOKEN, INGEST_TOKEN_ROTATED], admin: [ADMIN_TOKEN] });
  app.post('/v1/sample-ingest', requireToken(verify, 'ingest'), requireJsonBody, express.json({ limit: 1024 }), (req, res) => {
    res.status(202).json({ accepted: 1, echo: req.body });
  });
  app.get('/v1/sample-admin', requireToken(verify, 'admin'), (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/boom', () => {
    throw new Error('database password is hunter2 at /srv/secret/path');
  });
  app.get('/invalid', () => {
    throw new ValidationError('Two fields are wrong', [{ path: '/a', message: 'bad' }, { path: '/b', message: 'worse' }]);
  });
  app.use(problemHandler());
  return { app, logs };
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('bearer auth matrix', () => {
  const { app } = buildEdgeApp();
  const cases: Array<{ name: string; route: 'ingest' | 'admin'; headers: Record<string, string>; status: number }> = [
    { name: 'no token', route: 'ingest', headers: {}, status: 401 },
    { name: 'malformed header', route: 'ingest', headers: { Authorization: `Token ${INGEST_TOKEN}` }, status: 401 },
    { name: 'bearer without token', route: 'ingest', headers: { Authorization: 'Bearer ' }, status: 401 },
    { name: 'wrong token', route: 'ingest', headers: bearer('ingest-token-zzzzzzzzzzzz'), status: 401 },
    { name: 'admin token on ingest route', route: 'ingest', headers: bearer(ADMIN_TOKEN), status: 403 },
    { name: 'right token', route: 'ingest', headers: bearer(INGEST_TOKEN), status: 202 },
    { name: 'rotated second token', route: 'ingest', headers: bearer(INGEST_TOKEN_ROTATED), status: 202 },
    { name: 'no token', route: 'admin', headers: {}, status: 401 },
    { name: 'malformed header', route: 'admin', headers: { Authorization: ADMIN_TOKEN }, status: 401 },
    { name: 'wrong token', route: 'admin', headers: bearer('admin-token-zzzzzzzzzzzz'), status: 401 },
    { name: 'ingest token on admin route', route: 'admin', headers: bearer(INGEST_TOKEN), status: 403 },
    { name: 'right token', route: 'admin', headers: bearer(ADMIN_TOKEN), status: 200 },
  ];

  it.each(cases)('when the $route route gets $name, then it answers $status', async ({ route, headers, status }) => {
    const res =
      route === 'ingest'
        ? await request(app).post('/v1/sample-ingest').set(headers).send({ event_name: 'x' })
        : await request(app).get('/v1/sample-admin').set(headers);
    expect(res.status).toBe(status);
    if (status === 401) {
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 401, title: 'Unauthorized', type: 'urn:klaviyo-bridge:problem:unauthorized' });
    }
    if (status === 403) expect(res.body).toMatchObject({ status: 403, title: 'Forbidden' });
  });
});

describe('bearer auth matrix on the real routes (POST /v1/events, GET /v1/sync)', () => {
  const { app } = buildFoundationApp();
  const event = { event_name: 'Viewed Product', email: 'matrix@example.com', insert_id: 'auth-matrix-1' };
  const cases: Array<{ name: string; headers: Record<string, string>; ingest: number; admin: number }> = [
    { name: 'no token', headers: {}, ingest: 401, admin: 401 },
    { name: 'malformed header', headers: { Authorization: `Bearer${INGEST_TOKEN}` }, ingest: 401, admin: 401 },
    { name: 'wrong token', headers: bearer('nobody-token-zzzzzzzzzzzz'), ingest: 401, admin: 401 },
    { name: 'ingest token', headers: bearer(INGEST_TOKEN), ingest: 202, admin: 403 },
    { name: 'rotated ingest token', headers: bearer(INGEST_TOKEN_ROTATED), ingest: 202, admin: 403 },
    { name: 'admin token', headers: bearer(ADMIN_TOKEN), ingest: 403, admin: 200 },
  ];

  it.each(cases)('when a request carries $name, then ingest answers $ingest and admin $admin', async ({ headers, ingest, admin }) => {
    const posted = await request(app).post('/v1/events').set(headers).send(event);
    expect(posted.status).toBe(ingest);
    const read = await request(app).get('/v1/sync').set(headers);
    expect(read.status).toBe(admin);
    for (const res of [posted, read]) {
      if (res.status === 401) expect(res.headers['www-authenticate']).toBe('Bearer');
      if (res.status >= 400) expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
  });
});

describe('problem+json rendering', () => {
  const { app, logs } = buildEdgeApp();
  const expectProblem = (res: request.Response, status: number) => {
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toEqual(expect.objectContaining({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) }));
  };

  it('when a validation error lists fields, then 400 carries every path', async () => {
    const res = await request(app).get('/invalid');
    expectProblem(res, 400);
    expect(res.body.errors).toEqual([{ path: '/a', message: 'bad' }, { path: '/b', message: 'worse' }]);
  });

  it('when the JSON is malformed, then 400', async () => {
    const res = await request(app).post('/v1/sample-ingest').set(bearer(INGEST_TOKEN)).type('application/json').send('{"event_name": ');
    expectProblem(res, 400);
    expect(res.body.type).toBe('urn:klaviyo-bridge:problem:malformed_json');
  });

  it('when the body exceeds the limit, then 413', async () => {
    const res = await request(app).post('/v1/sample-ingest').set(bearer(INGEST_TOKEN)).send({ big: 'x'.repeat(5000) });
    expectProblem(res, 413);
  });

  it('when the body is not JSON, then 415', async () => {
    const res = await request(app).post('/v1/sample-ingest').set(bearer(INGEST_TOKEN)).type('text/plain').send('event_name=x');
    expectProblem(res, 415);
  });

  it('when a handler throws, then 500 reveals neither the message nor the stack', async () => {
    const res = await request(app).get('/boom');
    expectProblem(res, 500);
    expect(res.body.detail).toBe('An unexpected error occurred.');
    expect(res.text).not.toMatch(/hunter2|\/srv\/secret|at .*\.ts|Error:/);
    // …while the operator still gets the cause in the log.
    expect(logs.text()).toContain('hunter2');
  });
});

describe('createApp edges', () => {
  it('when a route does not exist, then 404 problem+json with the request id', async () => {
    const { app } = buildFoundationApp();
    // Under /v1 a path is looked up only for a valid token: without one, 401 (hardening-edge.test.ts).
    const res = await request(app).get('/v1/nothing-here').set('x-request-id', 'trace-42').set('Authorization', `Bearer ${ADMIN_TOKEN}`);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 404, requestId: 'trace-42' });
  });

  it('when a request id is sent, then it is echoed and logged; else one is minted', async () => {
    const { app, logs } = buildFoundationApp();
    const honoured = await request(app).get('/healthz').set('x-request-id', 'abc-123');
    expect(honoured.headers['x-request-id']).toBe('abc-123');
    expect(logs.text()).toContain('"id":"abc-123"');
    const minted = await request(app).get('/healthz');
    expect(minted.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const unsafe = await request(app).get('/healthz').set('x-request-id', 'bad id with spaces and {braces}');
    expect(unsafe.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('when JSON is posted to a /v1 route with the wrong type or too large, then 415 and 413, after the token check', async () => {
    const { app } = buildFoundationApp({ overrides: { limits: { jsonBodyBytes: 100 } } });
    const route = '/v1/sync/dead-letters/replay';
    expect((await request(app).post(route).set(bearer(ADMIN_TOKEN)).type('text/csv').send('a,b')).status).toBe(415);
    expect((await request(app).post(route).set(bearer(ADMIN_TOKEN)).send({ a: 'x'.repeat(200) })).status).toBe(413);
    expect((await request(app).post(route).type('text/csv').send('a,b')).status).toBe(401);
  });

  it('when serving, then helmet headers are set and x-powered-by is off', async () => {
    const { app } = buildFoundationApp();
    const res = await request(app).get('/healthz');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('when a route answers JSON, then the type, charset and length are what Express would send', async () => {
    const { app } = buildFoundationApp();
    const res = await request(app).get('/healthz');
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['content-length']).toBe(String(Buffer.byteLength(JSON.stringify({ status: 'ok' }))));
    expect(res.text).toBe('{"status":"ok"}');
  });

  it('when /readyz is asked, then the store check is reported; a failing store gives 503', async () => {
    const { app, store, service } = buildFoundationApp();
    // A service whose workers have not started is not ready; once started, it is.
    expect((await request(app).get('/readyz')).body.checks.worker.ok).toBe(false);
    await service.start();
    const ok = await request(app).get('/readyz');
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'ok', checks: { store: { ok: true }, worker: { ok: true } } });
    await service.leadership.stop();
    await store.close();
    const failing = await request(app).get('/readyz');
    expect(failing.status).toBe(503);
    expect(failing.body.checks.store.ok).toBe(false);
  });

  it('when /metrics is scraped, then process metrics and the latency histogram by route and status appear', async () => {
    const { app } = buildFoundationApp();
    await request(app).get('/healthz');
    await request(app).get('/v1/missing').set(bearer(ADMIN_TOKEN));
    const res = await request(app).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toContain('process_cpu_user_seconds_total');
    expect(res.text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/healthz",status="200"\} 1/);
    expect(res.text).toMatch(/http_request_duration_seconds_count\{method="GET",route="unmatched",status="404"\} 1/);
  });

  it('when /openapi.json is fetched, then it is an OpenAPI 3 document describing the health routes', async () => {
    const { app } = buildFoundationApp();
    const res = await request(app).get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz', '/metrics', '/openapi.json']));
    expect(res.body.components.schemas.Problem).toBeDefined();
  });
});
