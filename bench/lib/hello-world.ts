import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createAppServer } from '../../src/lib/http-server.js';

/**
 * The baseline: the smallest Express 5 app, measured on the same machine in the same run. `stock`
 * serves it the way Express's docs do (`http.createServer(app)`); `app-server` serves it with the
 * service's own `createAppServer`, to show how much of a route's ratio that server accounts for.
 */
export function listenHelloWorld(server: 'stock' | 'app-server' = 'stock'): Promise<number> {
  const app = express();
  app.get('/', (_req, res) => {
    res.send('Hello World!');
  });
  const http = server === 'stock' ? createServer(app) : createAppServer(app);
  return new Promise((resolve) => http.listen(0, '127.0.0.1', () => resolve((http.address() as AddressInfo).port)));
}
