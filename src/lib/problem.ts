import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { AppError, BadRequestError, NotFoundError, PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError, isAppError } from './errors.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function problemType(code: string): string {
  return `urn:klaviyo-bridge:problem:${code}`;
}

/** The RFC 9457 body of an AppError. `requestId` lets an operator find the matching log line. */
export function problemBody(error: AppError, requestId: string | undefined): Record<string, unknown> {
  return {
    type: problemType(error.code),
    title: error.title,
    status: error.status,
    detail: error.detail ?? error.title,
    requestId,
    ...(error.errors && error.errors.length > 0 ? { errors: error.errors } : {}),
    ...error.extensions,
  };
}

export function sendProblem(res: Response, error: AppError): void {
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  // Refused before its body was read (a 401 ahead of the parser, a declared 413, a 415, a 404): the
  // rest of the body is of no use, and keeping the connection alive would mean reading all of it
  // first. Closing makes Node stop reading and close the socket once this answer is out.
  if (bodyUnread(res.req)) res.setHeader('Connection', 'close');
  res
    .status(error.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(problemBody(error, res.getHeader('x-request-id') as string | undefined)));
}

interface BodyParserError {
  type?: string;
  status?: number;
  expose?: boolean;
  limit?: number;
  /** Set by zlib when an inflating parser meets bytes that do not decode. */
  code?: unknown;
  errno?: unknown;
}

/**
 * zlib's own errors, passed through by body-parser untyped: Z_DATA_ERROR (not gzip/deflate),
 * Z_BUF_ERROR (truncated), and brotli's ERR__ERROR_FORMAT_* codes.
 */
function isDecompressionError(error: BodyParserError): boolean {
  return typeof error.errno === 'number' && typeof error.code === 'string' && (error.code.startsWith('Z_') || error.code.startsWith('ERR__ERROR_'));
}

/** Maps body-parser failures (Express's json/raw parsers) onto our hierarchy. */
function fromBodyParser(error: BodyParserError, req: Request): AppError | undefined {
  if (isDecompressionError(error)) {
    const encoding = String(req.headers['content-encoding'] ?? 'compressed');
    return new BadRequestError(`The request body is not valid ${encoding} data (Content-Encoding: ${encoding}).`, { code: 'malformed_content_encoding' });
  }
  switch (error.type) {
    case 'entity.parse.failed':
      return new ValidationError('The request body is not valid JSON.', [], { code: 'malformed_json' });
    case 'entity.too.large':
      return new PayloadTooLargeError(`The request body exceeds the limit of ${error.limit ?? 'the configured'} bytes.`);
    case 'encoding.unsupported':
      return new UnsupportedMediaTypeError('The request body uses an unsupported Content-Encoding: send it uncompressed (or gzip/deflate where JSON is parsed).');
    case 'charset.unsupported':
      return new UnsupportedMediaTypeError('The request body uses an unsupported charset.');
    case 'request.aborted':
      return new BadRequestError('The request body could not be read (the client aborted).', { code: 'request_aborted' });
    case 'request.size.invalid':
      return new BadRequestError('The request body is shorter or longer than its Content-Length.', { code: 'request_size_invalid' });
    default:
      // Any other client error of body-parser (http-errors marks them expose: true) stays a 400.
      return error.expose && typeof error.status === 'number' && error.status >= 400 && error.status < 500
        ? new BadRequestError('The request body could not be read.', { code: 'bad_body' })
        : undefined;
  }
}

/** The single error middleware: everything becomes problem+json; a 500 reveals nothing internal. */
export function problemHandler(): ErrorRequestHandler {
  return (error: unknown, req: Request, res: Response, next) => {
    if (res.headersSent) return next(error);
    const known = isAppError(error) ? error : fromBodyParser((error ?? {}) as BodyParserError, req);
    if (known) {
      // 4xx causes (e.g. a body-parser error) can carry the request body: log the code, never the cause.
      res.locals.problemCode = known.code;
      if (known.status >= 500) res.err = error instanceof Error ? error : new Error(String(error));
      return sendProblem(res, known);
    }
    res.locals.problemCode = 'internal_error';
    res.err = error instanceof Error ? error : new Error(String(error));
    sendProblem(
      res,
      new AppError({ code: 'internal_error', status: 500, title: 'Internal server error', detail: 'An unexpected error occurred.' }),
    );
  };
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new NotFoundError(`No route for ${req.method} ${req.path}.`));
};

/** Whether the request declares a body (a Content-Length above 0, or a chunked one). */
function declaresBody(req: Request): boolean {
  return Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
}

/** A declared body that nothing has read to its end: the answer goes out before it was received. */
function bodyUnread(req: Request | undefined): boolean {
  return req !== undefined && declaresBody(req) && !req.readableEnded;
}

/** For routes that take a JSON body: any other declared type is a 415, not a confusing 400. */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  if (declaresBody(req) && !req.is('application/json')) {
    return next(new UnsupportedMediaTypeError('The request body must be application/json.'));
  }
  next();
};

/**
 * A 413 from the declared Content-Length alone, before a byte is read. The parser would find the
 * same, but only after reading the whole body off the wire to keep the connection alive. A
 * compressed body is left to the parser, whose limit counts the decompressed bytes.
 */
export function refuseDeclaredOversize(limitBytes: number): RequestHandler {
  return (req, _res, next) => {
    const identity = (req.headers['content-encoding'] ?? 'identity').toLowerCase() === 'identity';
    if (identity && Number(req.headers['content-length'] ?? 0) > limitBytes) {
      return next(new PayloadTooLargeError(`The request body exceeds the limit of ${limitBytes} bytes.`));
    }
    next();
  };
}

/**
 * `parser` (express.json / express.raw with `limit: limitBytes`) with its limit enforced while the
 * body streams in. Stock body-parser notices an over-limit body without a Content-Length (chunked)
 * as it crosses the limit, but answers only once the client has sent all of it, so a client could
 * push an endless body into a connection. Here a byte counter beside the parser's own reader answers
 * 413 (with `Connection: close`, so Node stops reading) as soon as the limit is crossed; the parser's
 * later error is dropped. Compressed bytes are allowed a 1 % + 64 KiB margin over the limit, which
 * deflate's worst-case expansion stays under, so the parser's own count of inflated bytes decides
 * every body that could be within the limit.
 */
export function enforceBodyLimit(parser: RequestHandler, limitBytes: number): RequestHandler {
  return (req, res, next) => {
    let settled = false;
    const settle = (error?: unknown) => {
      if (settled) return;
      settled = true;
      req.off('data', count);
      next(error);
    };
    const identity = (req.headers['content-encoding'] ?? 'identity').toLowerCase() === 'identity';
    const ceiling = identity ? limitBytes : Math.ceil(limitBytes * 1.01) + 65_536;
    let received = 0;
    // Attached after the parser's own reader (below), so it never switches the stream to flowing
    // mode itself and never sees a byte the parser does not.
    function count(chunk: Buffer) {
      received += chunk.length;
      if (received > ceiling) settle(new PayloadTooLargeError(`The request body exceeds the limit of ${limitBytes} bytes.`));
    }
    parser(req, res, settle);
    if (!settled && !req.readableEnded) req.on('data', count);
  };
}

