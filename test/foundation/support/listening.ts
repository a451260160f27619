import type { Server } from 'node:http';
import { afterEach } from 'vitest';
import type { buildFoundationApp } from '../../helpers/foundation-app.js';
import { openRaw, type RawConnection } from './raw-http.js';

type Built = ReturnType<typeof buildFoundationApp>;

/**
 * For tests on real sockets: one service at a time listening on a free loopback port, and the raw
 * connections opened to it; after each test the connections are destroyed and the service stopped.
 */
export function useListeningService() {
  let running: Built | undefined;
  const sockets: RawConnection[] = [];

  const stop = async () => {
    await running?.service.stop(1000);
    running = undefined;
  };
  afterEach(async () => {
    for (const conn of sockets.splice(0)) conn.socket.destroy();
    await stop();
  });

  return {
    /** Listens with `built` (stopped after the test, or by stop()). */
    async listen(built: Built): Promise<{ port: number; server: Server }> {
      running = built;
      return built.service.listen(0, '127.0.0.1');
    },
    /** Stops `built` after the test, without listening (a test that drives it through supertest). */
    adopt(built: Built): void {
      running = built;
    },
    async connect(port: number): Promise<RawConnection> {
      const conn = await openRaw(port);
      sockets.push(conn);
      return conn;
    },
    /** Stops the current service now (a test that goes on with another one). */
    stop,
  };
}
