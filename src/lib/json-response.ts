import type { Response } from 'express';

/**
 * `res.json(body)` without Express's general path: Express 5 re-parses and re-formats the
 * Content-Type to add a charset and routes the string through `res.send`'s type checks on every
 * call. This writes the same bytes and the same headers (`application/json; charset=utf-8` unless
 * a type was set, Content-Length) directly. The app installs it on its own response prototype, so
 * every route answers the same way (BENCHMARKS.md: part of the per-request floor).
 */
export function writeJson(this: Response, body: unknown): Response {
  const json = JSON.stringify(body) as string | undefined;
  if (!this.hasHeader('content-type')) this.setHeader('content-type', 'application/json; charset=utf-8');
  if (json === undefined) {
    this.end();
    return this;
  }
  this.setHeader('content-length', Buffer.byteLength(json));
  this.end(json);
  return this;
}
