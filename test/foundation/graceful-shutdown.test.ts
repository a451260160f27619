import { once } from 'node:events';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { closeServerGracefully, type ShutdownOutcome } from '../../src/lib/shutdown.js';

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

/** A server whose /slow answers only when the test calls finish(): `inFlight` resolves once it has the request. */
async function startSlowServer() {
  let entered: () => void = () => undefined;
  const inFlight = new Promise<void>((resolve) => (entered = resolve));
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const app = express();
  app.get('/slow', (_req, res) => {
    entered();
    void finished.then(() => res.json({ finished: true }));
  });
  const server = createServer(app);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port, inFlight, finish };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('graceful shutdown', () => {
  it('when shutdown starts during a request, then that request finishes and new connections are refused', async () => {
    const { server, port, inFlight, finish } = await startSlowServer();
    const pending = get(port, '/slow');
    await inFlight;
    const closing = closeServerGracefully(server, 5_000);
    await expect(get(port, '/slow')).rejects.toThrow(/ECONNREFUSED/);
    finish();
    await expect(pending).resolves.toEqual({ status: 200, body: '{"finished":true}' });
    await expect(closing).resolves.toBe('drained');
  });

  it('when a request outlives the bound, then shutdown completes at the bound, cutting it', async () => {
    const { server, port, inFlight } = await startSlowServer();
    const pending = get(port, '/slow').catch((error: Error) => error);
    await inFlight;
    // The bound's timer is fake (the sockets are real): the request never finishes, time moves only here.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let outcome: ShutdownOutcome | undefined;
    const closing = closeServerGracefully(server, 200).then((o) => (outcome = o));
    await vi.advanceTimersByTimeAsync(199);
    expect(outcome).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    await closing;
    expect(outcome).toBe('timed_out');
    vi.useRealTimers();
    expect(await pending).toBeInstanceOf(Error);
  });
});
