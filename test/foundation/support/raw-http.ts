import { once } from 'node:events';
import { connect, type Socket } from 'node:net';

/** One HTTP response as read off a raw socket: status, lower-cased headers, body. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * An HTTP/1.1 connection driven byte by byte, for what supertest cannot show: a request whose body
 * is still unsent when the answer comes, a connection the server closes, a dribbled body.
 */
export interface RawConnection {
  socket: Socket;
  /** Writes bytes as they are (a request head, part of a body). */
  send(data: string | Buffer): void;
  /** The next complete response (head plus a Content-Length body). */
  response(): Promise<RawResponse>;
  /** Resolves when the socket has closed, whoever closed it. */
  closed: Promise<void>;
  /**
   * Writes `bytes` more body bytes in 64 KB chunks, honouring backpressure: `closed` when the socket
   * closed (or failed) before all were written, `all-written` when the server took every byte.
   */
  push(bytes: number): Promise<'closed' | 'all-written'>;
}

export async function openRaw(port: number): Promise<RawConnection> {
  const socket = connect(port, '127.0.0.1');
  // A server that closes while we write answers EPIPE / ECONNRESET: that is an outcome here, not a failure.
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  let buffered = Buffer.alloc(0);
  let waiting: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    waiting?.();
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  void closed.then(() => waiting?.());

  const takeResponse = (): RawResponse | undefined => {
    const headEnd = buffered.indexOf('\r\n\r\n');
    if (headEnd < 0) return undefined;
    const [statusLine = '', ...lines] = buffered.subarray(0, headEnd).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    if (buffered.length < headEnd + 4 + length) return undefined;
    const body = buffered.subarray(headEnd + 4, headEnd + 4 + length).toString('utf8');
    buffered = buffered.subarray(headEnd + 4 + length);
    return { status: Number(statusLine.split(' ')[1]), headers, body };
  };

  return {
    socket,
    closed,
    send: (data) => {
      socket.write(data);
    },
    response: () =>
      new Promise((resolve, reject) => {
        const attempt = () => {
          const res = takeResponse();
          if (res) {
            waiting = undefined;
            resolve(res);
          } else if (socket.destroyed) {
            waiting = undefined;
            reject(new Error('the socket closed before a complete response'));
          }
        };
        waiting = attempt;
        attempt();
      }),
    push: async (bytes) => {
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let written = 0;
      while (written < bytes) {
        if (socket.destroyed || !socket.writable) return 'closed';
        const piece = chunk.subarray(0, Math.min(chunk.length, bytes - written));
        written += piece.length;
        if (!socket.write(piece)) {
          // once() rejects on 'error' (EPIPE, ECONNRESET): the server closed, like 'close' says.
          const drained = await Promise.race([once(socket, 'drain').then(() => true, () => false), closed.then(() => false)]);
          if (!drained) return 'closed';
        }
      }
      return 'all-written';
    },
  };
}

/** The head of a request (CRLF line endings, blank line included); the body is sent separately. */
export function requestHead(method: string, path: string, headers: Record<string, string | number>): string {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  return `${lines.join('\r\n')}\r\n\r\n`;
}
