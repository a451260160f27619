import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';

/** The baseline: the smallest Express 5 app, measured on the same machine in the same run. */
export function listenHelloWorld(): Promise<number> {
  const app = express();
  app.get('/', (_req, res) => {
    res.send('Hello World!');
  });
  const server = createServer(app);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}
