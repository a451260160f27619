import type { Server } from 'node:http';

export type ShutdownOutcome = 'drained' | 'timed_out';

/**
 * Stops accepting connections, lets in-flight requests finish, and resolves once the server is
 * drained, or after `timeoutMs` milliseconds, when the remaining connections are cut.
 */
export function closeServerGracefully(server: Server, timeoutMs: number): Promise<ShutdownOutcome> {
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
  });
}
