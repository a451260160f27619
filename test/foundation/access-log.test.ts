import express from 'express';
import helmet from 'helmet';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/lib/logger.js';
import { requestLogging } from '../../src/lib/request-logging.js';
import { buildFoundationApp, captureLogs } from '../helpers/foundation-app.js';

const accessLines = (lines: string[]) =>
  lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request completed' || l.msg === 'request errored');

describe('access log (pino-http)', () => {
  it('when a request is served, then one line carries id, method, url, status and responseTime', async () => {
    const { app, logs } = buildFoundationApp();
    await request(app).get('/healthz?probe=1').set('x-request-id', 'trace-7');
    const [line] = accessLines(logs.lines);
    expect(line).toMatchObject({ level: 30, req: { id: 'trace-7', method: 'GET', url: '/healthz?probe=1' }, res: { statusCode: 200 } });
    expect(line?.responseTime).toEqual(expect.any(Number));
    expect(line).not.toHaveProperty('aborted');
    expect(accessLines(logs.lines)).toHaveLength(1);
  });

  it('when a request fails with a 4xx, then the line is a warning with the problem code and the full url', async () => {
    const { app, logs } = buildFoundationApp();
    await request(app).post('/v1/events').send({ event_name: 'x' });
    const [line] = accessLines(logs.lines);
    expect(line).toMatchObject({ level: 40, problem: 'unauthorized', req: { method: 'POST', url: '/v1/events' }, res: { statusCode: 401 } });
  });

  it('when the url carries an email, then the line is scrubbed', async () => {
    const { app, logs } = buildFoundationApp();
    await request(app).get('/nowhere?email=ada.lovelace%40example.com&e=ada@example.com');
    expect(logs.text()).not.toContain('ada@example.com');
    expect(accessLines(logs.lines)).toHaveLength(1);
  });

  it('when a route uses req.log, then it logs through a child bound to that request', async () => {
    const logs = captureLogs();
    const logger = createLogger({ level: 'info', destination: logs.stream });
    const app = express();
    app.use(requestLogging(logger));
    app.get('/with-log', (req, res) => {
      req.log.info('inside');
      res.json({});
    });
    await request(app).get('/with-log').set('x-request-id', 'bound-1');
    await request(app).get('/with-log').set('x-request-id', 'bound-2');
    const inside = logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'inside');
    expect(inside).toMatchObject([{ req: { id: 'bound-1', method: 'GET', url: '/with-log' } }, { req: { id: 'bound-2' } }]);
  });
});

describe('security headers', () => {
  it('when any response is sent, then it carries every header helmet() sets by default', async () => {
    const reference = express();
    reference.use(helmet());
    reference.get('/', (_req, res) => res.send('x'));
    const expected = (await request(reference).get('/')).headers;
    const { app } = buildFoundationApp();
    const res = await request(app).get('/v1/missing');
    const names = Object.keys(expected).filter((name) => !['content-type', 'content-length', 'date', 'connection', 'keep-alive', 'etag', 'x-powered-by'].includes(name));
    expect(names.length).toBeGreaterThanOrEqual(10);
    for (const name of names) expect(res.headers[name]).toBe(expected[name]);
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});

describe('the 5xx line', () => {
  it('when a route fails, then the line is an error with the cause, and the answer reveals nothing', async () => {
    const logs = captureLogs();
    const logger = createLogger({ level: 'info', destination: logs.stream });
    const app = express();
    app.use(requestLogging(logger));
    app.get('/fails', () => {
      throw new Error('the disk is full');
    });
    const { problemHandler } = await import('../../src/lib/problem.js');
    app.use(problemHandler());
    const res = await request(app).get('/fails');
    expect(res.status).toBe(500);
    expect(res.text).not.toContain('disk');
    const [line] = accessLines(logs.lines);
    expect(line).toMatchObject({ level: 50, msg: 'request errored', problem: 'internal_error', err: { message: 'the disk is full' }, res: { statusCode: 500 } });
  });
});
