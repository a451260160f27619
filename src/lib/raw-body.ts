import type { RequestHandler } from 'express';
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from './errors.js';

/**
 * Reads the request body into `req.body` as a Buffer, exactly the bytes sent, for routes that must
 * see them untouched (a signature over the raw body). Any content type is read; a body over
 * `limitBytes` is a 413 (at once when Content-Length says so, else as soon as the bytes pass it),
 * and a compressed body is a 415, because the signature covers the bytes as sent, not inflated ones.
 *
 * It replaces `express.raw()` on the webhook route: body-parser's general path (type matching,
 * charset and inflate streams, five listeners and a debug call per request) cost a measurable
 * share of a delivery's CPU for none of its features (BENCHMARKS.md, webhooks).
 */
export function rawBody(limitBytes: number): RequestHandler {
  const tooLarge = () => new PayloadTooLargeError(`The request body exceeds the limit of ${limitBytes} bytes.`);
  return (req, _res, next) => {
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
      return next(new UnsupportedMediaTypeError(`Content-Encoding "${encoding}" is not accepted: send the body uncompressed.`));
    }
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > limitBytes) {
      // The unread bytes are discarded by Node once the answer is sent.
      return next(tooLarge());
    }
    const chunks: Buffer[] = [];
    let received = 0;
    let finished = false;
    const finish = (error?: Error) => {
      if (finished) return;
      finished = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      if (error) {
        // Keep draining so the connection can carry the answer; the bytes go nowhere.
        req.resume();
        return next(error);
      }
      req.body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, received);
      next();
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limitBytes) return finish(tooLarge());
      chunks.push(chunk);
    };
    const onEnd = () => finish();
    const onError = () => finish(new BadRequestError('The request body could not be read (the client aborted).', { code: 'request_aborted' }));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  };
}
