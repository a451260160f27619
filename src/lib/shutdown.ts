import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { RequestHandler } from 'express';
import type { ReadinessCheck } from './readiness.js';

export type ShutdownOutcome = 'drained' | 'timed_out';

/**
 * The HTTP side of a shutdown, begun first thing in `stop()`. From then on /readyz fails (check
 * `shutdown`) and every answer carries `Connection: close`, those of requests already in flight
 * included. A keep-alive client then leaves after its current request, instead of sending the next
 * one on the same connection and holding the drain open until its bound.
 */
export interface HttpDrain {
  readonly draining: boolean;
  begin(): void;
  /** Express middleware, mounted before every other. */
  closeConnections: RequestHandler;
  /** The `shutdown` check of /readyz. */
  readiness: ReadinessCheck;
}

export function createHttpDrain(): HttpDrain {
  let draining = false;
  // Answers still being worked on, so begin() can mark those too before their headers go out.
  const unsent = new Set<ServerResponse>();
  return {
    get draining() {
      return draining;
    },
    begin() {
      draining = true;
      for (const res of unsent) if (!res.headersSent) res.setHeader('Connection', 'close');
      unsent.clear();
    },
    closeConnections: (_req, res, next) => {
      if (draining) {
        res.setHeader('Connection', 'close');
      } else {
        unsent.add(res);
        res.once('close', () => unsent.delete(res));
      }
      next();
    },
    readiness: {
      name: 'shutdown',
      check: () => Promise.resolve(draining ? { ok: false, detail: 'shutting down' } : { ok: true }),
    },
  };
}

/**
 * The connections of `server` that have not sent a request yet. Node's closeIdleConnections()
 * leaves them open (it counts a connection busy from its first byte of waiting until its
 * headersTimeout), so a client that connected and waits, like a pool's spare connection, would hold
 * close() open for 15 s. At stop they are closed: nothing was asked on them, so nothing is lost.
 */
export function trackUnusedConnections(server: Server): { closeAll(): void } {
  const unused = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    unused.add(socket);
    socket.once('close', () => unused.delete(socket));
  });
  server.on('request', (req: { socket: Socket }) => unused.delete(req.socket));
  return {
    closeAll() {
      for (const socket of unused) socket.destroy();
      unused.clear();
    },
  };
}

/**
 * Stops accepting connections, lets in-flight requests finish, and resolves once the server is
 * drained, or after `timeoutMs` milliseconds, when the remaining connections are cut. `unused`
 * (from trackUnusedConnections) closes the connections that never carried a request.
 */
export function closeServerGracefully(server: Server, timeoutMs: number, unused?: { closeAll(): void }): Promise<ShutdownOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      server.closeAllConnections();
      resolve('timed_out');
    }, timeoutMs);
    timer.unref();
    server.close(() => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve('drained');
    });
    // Keep-alive sockets with no request in flight would otherwise hold close() open.
    server.closeIdleConnections();
    unused?.closeAll();
  });
}
