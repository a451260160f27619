import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedForward {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * An internal subscriber on loopback. `answer` decides each response status; `down()` closes the
 * port (connection refused) and `up()` listens on the same port again.
 */
type Answer = number | { status: number; headers: Record<string, string> };

export async function startLocalReceiver(answer: (req: ReceivedForward) => Answer = () => 204) {
  const received: ReceivedForward[] = [];
  let respond = answer;
  let server: Server | undefined;
  let port = 0;

  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const entry = { path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
          const answered = respond(entry);
          const { status, headers } = typeof answered === 'number' ? { status: answered, headers: {} } : answered;
          if (status >= 200 && status < 300) received.push(entry);
          res.writeHead(status, headers).end();
        });
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as AddressInfo).port;
        resolve();
      });
    });
  const close = () =>
    new Promise<void>((resolve) => {
      if (!server) return resolve();
      server.closeAllConnections();
      server.close(() => resolve());
      server = undefined;
    });

  await listen();
  return {
    received,
    url: (path = '/hook') => `http://127.0.0.1:${port}${path}`,
    answerWith(next: (req: ReceivedForward) => Answer) {
      respond = next;
    },
    down: close,
    up: listen,
    close,
  };
}
