import type { AddressInfo } from 'node:net';
import express from 'express';

/** The baseline: the smallest Express 5 app, served as Express's docs do, in the same run. */
export function listenHelloWorld(): Promise<number> {
  const app = express();
  app.get('/', (_req, res) => {
    res.send('Hello World!');
  });
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}
