import { once } from 'node:events';
import { IncomingMessage, ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createAppServer } from '../../src/lib/http-server.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function listen(app: express.Express) {
  server = createAppServer(app);
  const born: { request: boolean; response: boolean }[] = [];
  // Runs before Express sees the objects, so it observes the prototypes they were created with.
  server.prependListener('request', (req, res) => {
    born.push({ request: Object.getPrototypeOf(req) === app.request, response: Object.getPrototypeOf(res) === app.response });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, born };
}

describe('createAppServer', () => {
  it('when a request arrives, then req and res are created with the app’s prototypes and are still Node’s types', async () => {
    const app = express();
    app.get('/types', (req, res) => {
      res.json({ request: req instanceof IncomingMessage, response: res instanceof ServerResponse, app: req.app === app });
    });
    const { url, born } = await listen(app);
    const answer = await fetch(`${url}/types`);
    expect(await answer.json()).toEqual({ request: true, response: true, app: true });
    expect(born).toEqual([{ request: true, response: true }]);
  });

  it('when the app’s prototypes were extended before the server was made, then requests and responses keep those extensions', async () => {
    const app = express();
    Object.defineProperty(app.request, 'tenant', { get: () => 'acme', enumerable: true, configurable: true });
    Object.defineProperty(app.response, 'sendTenant', { value(this: express.Response, tenant: string) { this.json({ tenant }); } });
    app.get('/tenant', (req, res) => {
      (res as unknown as { sendTenant(t: string): void }).sendTenant((req as unknown as { tenant: string }).tenant);
    });
    const { url, born } = await listen(app);
    expect(await (await fetch(`${url}/tenant`)).json()).toEqual({ tenant: 'acme' });
    expect(born).toEqual([{ request: true, response: true }]);
  });

  it('when a route uses Express’s request and response helpers, then they behave as on a stock server', async () => {
    const app = express();
    app.post('/echo', express.json(), (req, res) => {
      res.status(201).set('x-seen', req.get('x-probe') ?? '').json({ query: req.query, body: req.body as unknown, path: req.path });
    });
    const { url } = await listen(app);
    const answer = await fetch(`${url}/echo?a=1`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-probe': 'p' }, body: '{"b":2}' });
    expect(answer.status).toBe(201);
    expect(answer.headers.get('x-seen')).toBe('p');
    expect(answer.headers.get('x-powered-by')).toBe('Express');
    expect(await answer.json()).toEqual({ query: { a: '1' }, body: { b: 2 }, path: '/echo' });
    const missing = await fetch(`${url}/nowhere`);
    expect(missing.status).toBe(404);
  });
});
