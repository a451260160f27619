/** Reads a request body up to a byte limit (Klaviyo's 5 MB payload cap), draining the rest. */
import type { IncomingMessage } from 'node:http';

export type BodyRead = { kind: 'ok'; bytes: Buffer } | { kind: 'too-large' };

export function readBody(request: IncomingMessage, limitBytes: number): Promise<BodyRead> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) tooLarge = true;
      // Past the limit the bytes are drained, not kept, so the client still gets its 413.
      if (!tooLarge) chunks.push(chunk);
    });
    request.on('end', () => resolve(tooLarge ? { kind: 'too-large' } : { kind: 'ok', bytes: Buffer.concat(chunks) }));
    request.on('error', reject);
  });
}
