import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { rawBody } from '../../src/lib/raw-body.js';
import { problemHandler } from '../../src/lib/problem.js';

/** An app whose one route echoes what rawBody read: its length and a hash-free fingerprint. */
function startApp(limitBytes: number) {
  const app = express();
  app.post('/raw', rawBody(limitBytes), (req, res) => {
    const body = req.body as Buffer;
    res.json({ isBuffer: Buffer.isBuffer(body), length: body.length, head: body.subarray(0, 8).toString('latin1') });
  });
  app.use(problemHandler());
  const server = app.listen(0, '127.0.0.1');
  return { server, port: () => (server.address() as AddressInfo).port };
}

/** Sends `chunks` with chunked transfer encoding (no Content-Length), one write per chunk. */
function postChunked(port: number, chunks: Buffer[], headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/raw', method: 'POST', headers: { 'content-type': 'application/octet-stream', ...headers } }, (res: IncomingMessage) => {
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

describe('rawBody', () => {
  let server: ReturnType<typeof startApp>['server'] | undefined;
  afterEach(() => server?.close());

  it('when a body arrives in many chunks, then the route sees every byte, in order, as one Buffer', async () => {
    const app = startApp(1024);
    server = app.server;
    await new Promise((r) => server?.once('listening', r));
    const chunks = Array.from({ length: 10 }, (_, i) => Buffer.from(`chunk-${i}-`.padEnd(50, String(i))));
    const res = await postChunked(app.port(), chunks);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ isBuffer: true, length: 500, head: 'chunk-0-' });
  });

  it('when a chunked body without Content-Length passes the limit, then 413 problem+json', async () => {
    const app = startApp(1024);
    server = app.server;
    await new Promise((r) => server?.once('listening', r));
    const res = await postChunked(app.port(), [Buffer.alloc(600, 1), Buffer.alloc(600, 2)]);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ status: 413, type: 'urn:klaviyo-bridge:problem:payload_too_large' });
  });

  it('when the body is empty, then the route gets an empty Buffer', async () => {
    const app = startApp(1024);
    server = app.server;
    await new Promise((r) => server?.once('listening', r));
    const res = await postChunked(app.port(), []);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ isBuffer: true, length: 0 });
  });

  it('when the body is compressed, then 415 and the route never runs', async () => {
    const app = startApp(1024);
    server = app.server;
    await new Promise((r) => server?.once('listening', r));
    const res = await postChunked(app.port(), [Buffer.from('x')], { 'content-encoding': 'gzip' });
    expect(res.status).toBe(415);
    expect(JSON.parse(res.body)).toMatchObject({ status: 415 });
  });
});
