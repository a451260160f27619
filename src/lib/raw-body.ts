import express, { type Request, type RequestHandler } from 'express';
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from './errors.js';

/**
 * Lean body readers for the hot routes. body-parser's general path (type matching, charset and
 * inflate streams, five listeners and a debug call per request) cost a measurable share of a
 * request's CPU (BENCHMARKS.md), so the common case, an uncompressed body, is read here directly.
 */

const tooLarge = (limitBytes: number) => new PayloadTooLargeError(`The request body exceeds the limit of ${limitBytes} bytes.`);

const isIdentity = (encoding: string | undefined) => encoding === undefined || encoding.toLowerCase() === 'identity';

type Done = (error: Error | undefined, body?: Buffer) => void;

interface Reading {
  chunks: Buffer[];
  received: number;
  limitBytes: number;
  done: Done;
}

const READING = Symbol('bodyReading');
type ReadingRequest = Request & { [READING]?: Reading };

/**
 * Reads the whole body of `req` into one Buffer: a 413 at once when Content-Length is over the
 * limit, else as soon as the bytes received pass it (the rest is drained and dropped). The
 * listeners are shared functions and the state lives on the request: no closures per request.
 */
function readBody(req: Request, limitBytes: number, done: Done): void {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limitBytes) return done(tooLarge(limitBytes));
  (req as ReadingRequest)[READING] = { chunks: [], received: 0, limitBytes, done };
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('error', onError);
}

function finish(req: ReadingRequest, error?: Error): void {
  const reading = req[READING];
  if (!reading) return;
  req[READING] = undefined;
  req.off('data', onData);
  req.off('end', onEnd);
  req.off('error', onError);
  if (error) {
    // Keep draining so the connection can carry the answer; the bytes go nowhere.
    req.resume();
    return reading.done(error);
  }
  const { chunks, received } = reading;
  reading.done(undefined, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, received));
}

function onData(this: ReadingRequest, chunk: Buffer): void {
  const reading = this[READING];
  if (!reading) return;
  reading.received += chunk.length;
  if (reading.received > reading.limitBytes) return finish(this, tooLarge(reading.limitBytes));
  reading.chunks.push(chunk);
}

function onEnd(this: ReadingRequest): void {
  finish(this);
}

function onError(this: ReadingRequest): void {
  finish(this, new BadRequestError('The request body could not be read (the client aborted).', { code: 'request_aborted' }));
}

/**
 * `req.body` = exactly the bytes sent, as a Buffer, whatever the content type: for a signature over
 * the raw body. A compressed body is a 415, because the signature covers the bytes as sent.
 */
export function rawBody(limitBytes: number): RequestHandler {
  return (req, _res, next) => {
    const encoding = req.headers['content-encoding'];
    if (!isIdentity(encoding)) {
      return next(new UnsupportedMediaTypeError(`Content-Encoding "${encoding}" is not accepted: send the body uncompressed.`));
    }
    readBody(req, limitBytes, (error, body) => {
      if (error) return next(error);
      req.body = body;
      next();
    });
  };
}

const UTF8 = /^\s*application\/json\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

/**
 * `express.json({ limit })` with the same answers: an uncompressed UTF-8 JSON body is read and
 * parsed here (400 `malformed_json` unless it is an object or an array, 413 over the limit, `{}`
 * for an empty one); any other case (gzip or deflate, another charset, no JSON type) goes to
 * express.json itself. A request without a body keeps `req.body` undefined, as with express.json.
 */
export function jsonBody(limitBytes: number): RequestHandler {
  const general = express.json({ limit: limitBytes });
  return (req, res, next) => {
    const type = req.headers['content-type'];
    if (type === undefined || !UTF8.test(type) || !isIdentity(req.headers['content-encoding'])) return general(req, res, next);
    if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) return next();
    readBody(req, limitBytes, (error, body) => {
      if (error) return next(error);
      if (!body || body.length === 0) {
        req.body = {};
        return next();
      }
      // As body-parser's decoder does, a UTF-8 byte order mark is not part of the JSON.
      const text = body.toString('utf8', body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0);
      // body-parser's strict mode: only an object or an array is a JSON body.
      const first = text.trimStart()[0];
      if (first !== '{' && first !== '[') return next(malformed());
      try {
        req.body = JSON.parse(text) as unknown;
      } catch {
        return next(malformed());
      }
      next();
    });
  };
}

const malformed = () => new ValidationError('The request body is not valid JSON.', [], { code: 'malformed_json' });
