import { once } from 'node:events';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';

/** How long "nothing arrives" is watched for: the only wall-clock wait in this file. */
const QUIET_MS = 250;

interface EchoServer {
  port: number;
  /** Every connection the server accepted, in order. */
  sockets: net.Socket[];
  /** Bytes the server received, over all connections. */
  received(): string;
  close(): Promise<void>;
}

async function startEchoServer(): Promise<EchoServer> {
  const sockets: net.Socket[] = [];
  let received = '';
  const server = net.createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8');
      socket.write(chunk);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address() as net.AddressInfo;
  return {
    port: address.port,
    sockets,
    received: () => received,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface Client {
  socket: net.Socket;
  received(): string;
  readonly closed: boolean;
  readonly ended: boolean;
  readonly error: (Error & { code?: string }) | undefined;
}

function connect(port: number): Client {
  const socket = net.connect({ host: '127.0.0.1', port });
  let received = '';
  let closed = false;
  let ended = false;
  let error: (Error & { code?: string }) | undefined;
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
  socket.on('end', () => (ended = true));
  socket.on('error', (e) => (error = e));
  socket.on('close', () => (closed = true));
  cleanups.push(async () => {
    socket.destroy();
  });
  return {
    socket,
    received: () => received,
    get closed() {
      return closed;
    },
    get ended() {
      return ended;
    },
    get error() {
      return error;
    },
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(): Promise<{ echo: EchoServer; proxy: TcpProxy }> {
  const echo = await startEchoServer();
  cleanups.push(() => echo.close());
  const proxy = await startTcpProxy({ targetHost: '127.0.0.1', targetPort: echo.port });
  cleanups.push(() => proxy.close());
  return { echo, proxy };
}

/** A client through the proxy that has done one round trip (so the upstream connection exists). */
async function connected(proxy: TcpProxy, echo: EchoServer, hello = 'hello'): Promise<Client> {
  const client = connect(proxy.port);
  client.socket.write(hello);
  await vi.waitFor(() => expect(client.received()).toBe(hello));
  expect(echo.sockets.length).toBeGreaterThan(0);
  return client;
}

describe('startTcpProxy', () => {
  it('listens on an ephemeral loopback port and forwards bytes both ways', async () => {
    const { echo, proxy } = await setup();
    expect(proxy.host).toBe('127.0.0.1');
    expect(proxy.port).not.toBe(echo.port);
    const client = await connected(proxy, echo);
    client.socket.write(' world');
    await vi.waitFor(() => expect(client.received()).toBe('hello world'));
    expect(echo.received()).toBe('hello world');
    expect(echo.sockets).toHaveLength(1);
    expect(proxy.connectionCount).toBe(1);
  });

  it('forwards many connections independently, and a large payload intact', async () => {
    const { echo, proxy } = await setup();
    const a = await connected(proxy, echo, 'a');
    const b = await connected(proxy, echo, 'b');
    const big = 'x'.repeat(4 * 1024 * 1024);
    a.socket.write(big);
    await vi.waitFor(() => expect(a.received().length).toBe(1 + big.length), { timeout: 10_000 });
    expect(b.received()).toBe('b');
    expect(echo.sockets).toHaveLength(2);
  });

  it('forwards a half-close, and the close that follows', async () => {
    const { echo, proxy } = await setup();
    const client = await connected(proxy, echo);
    client.socket.end();
    await vi.waitFor(() => expect(client.closed).toBe(true));
    expect(client.ended).toBe(true);
    expect(client.error).toBeUndefined();
    await vi.waitFor(() => expect(echo.sockets[0]?.destroyed).toBe(true));
    await vi.waitFor(() => expect(proxy.connectionCount).toBe(0));
  });

  it('closes the client when the target refuses', async () => {
    const echo = await startEchoServer();
    const port = echo.port;
    await echo.close();
    const proxy = await startTcpProxy({ targetHost: '127.0.0.1', targetPort: port });
    cleanups.push(() => proxy.close());
    const client = connect(proxy.port);
    await vi.waitFor(() => expect(client.closed).toBe(true));
    expect(proxy.connectionCount).toBe(0);
  });

  describe('blackhole()', () => {
    it('drops bytes both ways on open connections, closing nothing', async () => {
      const { echo, proxy } = await setup();
      const client = await connected(proxy, echo);
      proxy.blackhole();
      expect(proxy.blackholed).toBe(true);
      client.socket.write('lost');
      echo.sockets[0]!.write('also lost');
      await sleep(QUIET_MS);
      expect(echo.received()).toBe('hello');
      expect(client.received()).toBe('hello');
      expect(client.closed).toBe(false);
      expect(echo.sockets[0]!.destroyed).toBe(false);
      expect(proxy.connectionCount).toBe(1);
    });

    it('accepts new connections but never connects them upstream', async () => {
      const { echo, proxy } = await setup();
      proxy.blackhole();
      const client = connect(proxy.port);
      await once(client.socket, 'connect');
      client.socket.write('anyone there?');
      await sleep(QUIET_MS);
      expect(echo.sockets).toHaveLength(0);
      expect(client.received()).toBe('');
      expect(client.closed).toBe(false);
      expect(proxy.connectionCount).toBe(1);
    });

    it('hides a close from the other side, as a partition would', async () => {
      const { echo, proxy } = await setup();
      const client = await connected(proxy, echo);
      proxy.blackhole();
      client.socket.destroy();
      await sleep(QUIET_MS);
      expect(echo.sockets[0]!.destroyed).toBe(false);
      proxy.heal();
      await vi.waitFor(() => expect(echo.sockets[0]!.destroyed).toBe(true));
      expect(proxy.connectionCount).toBe(0);
    });
  });

  describe('heal()', () => {
    it('resets the connections black-holed before, and forwards new ones again', async () => {
      const { echo, proxy } = await setup();
      const old = await connected(proxy, echo, 'old');
      proxy.blackhole();
      const during = connect(proxy.port);
      await once(during.socket, 'connect');
      proxy.heal();
      expect(proxy.blackholed).toBe(false);
      await vi.waitFor(() => expect(old.closed && during.closed).toBe(true));
      expect(old.error?.code).toBe('ECONNRESET');
      expect(during.error?.code).toBe('ECONNRESET');
      await vi.waitFor(() => expect(echo.sockets[0]!.destroyed).toBe(true));
      expect(old.received()).toBe('old');
      const fresh = await connected(proxy, echo, 'new');
      expect(fresh.received()).toBe('new');
      expect(echo.sockets).toHaveLength(2);
      expect(proxy.connectionCount).toBe(1);
    });

    it('without a blackhole before, leaves open connections alone', async () => {
      const { echo, proxy } = await setup();
      const client = await connected(proxy, echo);
      proxy.heal();
      client.socket.write('!');
      await vi.waitFor(() => expect(client.received()).toBe('hello!'));
      expect(client.closed).toBe(false);
    });
  });

  it('cutAll() resets every current connection and keeps forwarding new ones', async () => {
    const { echo, proxy } = await setup();
    const a = await connected(proxy, echo, 'a');
    const b = await connected(proxy, echo, 'b');
    proxy.cutAll();
    await vi.waitFor(() => expect(a.closed && b.closed).toBe(true));
    expect(a.error?.code).toBe('ECONNRESET');
    expect(b.error?.code).toBe('ECONNRESET');
    await vi.waitFor(() => expect(echo.sockets.every((s) => s.destroyed)).toBe(true));
    expect(proxy.connectionCount).toBe(0);
    await connected(proxy, echo, 'c');
  });

  it('close() stops listening and closes the connections, also black-holed ones; twice is fine', async () => {
    const { echo, proxy } = await setup();
    const open = await connected(proxy, echo);
    proxy.blackhole();
    const holed = connect(proxy.port);
    await once(holed.socket, 'connect');
    await proxy.close();
    await proxy.close();
    await vi.waitFor(() => expect(open.closed && holed.closed).toBe(true));
    await vi.waitFor(() => expect(echo.sockets[0]!.destroyed).toBe(true));
    const refused = connect(proxy.port);
    await vi.waitFor(() => expect(refused.error?.code).toBe('ECONNREFUSED'));
  });
});
