import net from 'node:net';

/**
 * A loopback TCP proxy for tests that need a network fault between a replica and its database (or any
 * other TCP peer): every connection accepted on 127.0.0.1:`port` is forwarded to `targetHost:targetPort`
 * until the test black-holes, cuts or closes it.
 *
 * - `blackhole()`: a network partition where packets are silently dropped. From then on nothing is
 *   forwarded, in either direction, on the connections already open (what arrives is read and thrown
 *   away), and neither side learns of the other closing; new connections are accepted but never connected
 *   upstream. Nothing is closed, so both peers only find out by their own timeouts (the PostgreSQL server
 *   keeps the backend, and any session advisory lock it holds, alive).
 * - `heal()`: new connections are forwarded again. The connections black-holed before stay dead: they are
 *   reset (both sides), so their peers now see an error (ECONNRESET) instead of silence.
 * - `cutAll()`: every current connection is reset on both sides (an RST, not a FIN); the mode is unchanged.
 * - `close()`: stops listening and resets every connection.
 */
export interface TcpProxyOptions {
  targetHost: string;
  targetPort: number;
}

export interface TcpProxy {
  /** Always 127.0.0.1. */
  readonly host: string;
  /** The ephemeral port the proxy listens on. */
  readonly port: number;
  /** Whether the proxy is black-holing (between `blackhole()` and `heal()`). */
  readonly blackholed: boolean;
  /** Connections the proxy holds: open ones, and black-holed ones until heal, cutAll or close. */
  readonly connectionCount: number;
  blackhole(): void;
  heal(): void;
  cutAll(): void;
  close(): Promise<void>;
}

interface Connection {
  client: net.Socket;
  upstream: net.Socket | undefined;
  /** Set once the connection is black-holed: it never forwards (or propagates a close) again. */
  dead: boolean;
  /** Set once the upstream connected and the bytes flow both ways. */
  piped: boolean;
}

function reset(socket: net.Socket | undefined): void {
  if (!socket || socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

/** Forwards `from`'s bytes (and its FIN) to `to` while the connection is alive, with backpressure. */
function forward(conn: Connection, from: net.Socket, to: net.Socket): void {
  from.on('data', (chunk: Buffer) => {
    if (conn.dead || to.destroyed) return; // dropped on the floor
    if (!to.write(chunk)) {
      from.pause();
      to.once('drain', () => from.resume());
    }
  });
  from.on('end', () => {
    if (!conn.dead) to.end();
  });
  from.on('close', () => {
    if (!conn.dead) to.destroy();
  });
}

export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const { targetHost, targetPort } = options;
  const connections = new Set<Connection>();
  let blackholed = false;
  let closed = false;

  const kill = (conn: Connection): void => {
    conn.dead = true;
    reset(conn.client);
    reset(conn.upstream);
    connections.delete(conn);
  };

  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (client) => {
    const conn: Connection = { client, upstream: undefined, dead: blackholed, piped: false };
    connections.add(conn);
    client.on('error', () => undefined);
    client.on('close', () => {
      // A black-holed connection stays tracked until heal/cutAll/close resets its other side too.
      if (!conn.dead) connections.delete(conn);
    });
    if (conn.dead) {
      // Accepted, never connected: whatever the client sends vanishes.
      client.on('data', () => undefined);
      client.resume();
      return;
    }
    const upstream = net.connect({ host: targetHost, port: targetPort, allowHalfOpen: true });
    conn.upstream = upstream;
    upstream.on('error', () => undefined);
    upstream.once('connect', () => {
      if (conn.dead) return;
      conn.piped = true;
      forward(conn, client, upstream);
      forward(conn, upstream, client);
      client.resume();
    });
    upstream.once('close', () => {
      // The target refused or went away before the pipe was set up: the client sees the same.
      if (!conn.dead && !conn.piped) kill(conn);
    });
  });
  server.on('error', () => undefined);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('tcp proxy: no port');

  return {
    host: '127.0.0.1',
    port: address.port,
    get blackholed() {
      return blackholed;
    },
    get connectionCount() {
      return connections.size;
    },
    blackhole() {
      blackholed = true;
      for (const conn of connections) {
        conn.dead = true;
        // Keep reading (and dropping) on both sides, also where backpressure had paused a socket.
        for (const socket of [conn.client, conn.upstream]) {
          if (!socket) continue;
          if (socket.listenerCount('data') === 0) socket.on('data', () => undefined);
          socket.resume();
        }
      }
    },
    heal() {
      blackholed = false;
      for (const conn of [...connections]) if (conn.dead) kill(conn);
    },
    cutAll() {
      for (const conn of [...connections]) kill(conn);
    },
    async close() {
      if (closed) return;
      closed = true;
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const conn of [...connections]) kill(conn);
      await done;
    },
  };
}
