import { once } from 'node:events';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { closeServerGracefully } from '../../src/lib/shutdown.js';

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function startSlowServer(delayMs: number) {
  let entered: () => void = () => undefined;
  const inFlight = new Promise<void>((resolve) => (entered = resolve));
  const app = express();
  app.get('/slow', (_req, res) => {
    entered();
    setTimeout(() => res.json({ finished: true }), delayMs);
  });
  const server = createServer(app);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port, inFlight };
}

describe('graceful shutdown', () => {
  it('when shutdown starts during a request, then that request finishes and new connections are refused', async () => {
    const { server, port, inFlight } = await startSlowServer(300);
    const pending = get(port, '/slow');
    await inFlight;
    const closing = closeServerGracefully(server, 5_000);
    await expect(get(port, '/slow')).rejects.toThrow(/ECONNREFUSED/);
    await expect(pending).resolves.toEqual({ status: 200, body: '{"finished":true}' });
    await expect(closing).resolves.toBe('drained');
  });

  it('when a request outlives the bound, then shutdown still completes, cutting it', async () => {
    const { server, port, inFlight } = await startSlowServer(60_000);
    const pending = get(port, '/slow').catch((error: Error) => error);
    await inFlight;
    const started = Date.now();
    await expect(closeServerGracefully(server, 200)).resolves.toBe('timed_out');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await pending).toBeInstanceOf(Error);
  });
});
