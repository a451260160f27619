import type { RequestHandler } from 'express';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { requestIdFor } from './request-id.js';

export interface RequestObserverDeps {
  logger: Logger;
  metrics: Metrics;
}

declare module 'node:http' {
  interface IncomingMessage {
    /** The request id (`x-request-id`, honoured or minted). */
    id: string;
    /** A child logger bound to this request, built on first use. */
    log: Logger;
  }
  interface ServerResponse {
    /** The cause of a 5xx, set by the problem handler for the access log. */
    err?: Error;
  }
}

const LOG = Symbol('requestLogger');

/**
 * Request id, access log and latency histogram in one middleware with one listener per request.
 * The line carries what an operator needs (req id/method/url, res statusCode, responseTime, the
 * problem code, the error of a 5xx) and goes through the root logger, so the scrubber still runs on
 * it. It replaces pino-http, which built two child loggers and serialized the request for every
 * request although no route logs through them: `req.log` is now made on first use only.
 */
export function observeRequests(deps: RequestObserverDeps): RequestHandler {
  const { logger, metrics } = deps;
  return (req, res, next) => {
    const startedAt = Date.now();
    const stopTimer = metrics.httpDuration.startTimer();
    const id = requestIdFor(req);
    req.id = id;
    res.setHeader('x-request-id', id);
    // 'close' follows 'finish' on every response, and also ends an aborted one: one listener covers both.
    res.once('close', () => {
      const status = res.statusCode;
      // The route template, never the raw path: ids in paths would explode label cardinality.
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      // Only answered requests go into the latency histogram (as before); aborted ones are logged.
      if (res.writableFinished) stopTimer({ method: req.method, route, status: String(status) });
      const failed = res.err !== undefined || status >= 500;
      const line: Record<string, unknown> = {
        req: { id, method: req.method, url: req.originalUrl || req.url },
        res: { statusCode: status },
        responseTime: Date.now() - startedAt,
      };
      const problem = (res.locals as { problemCode?: string } | undefined)?.problemCode;
      if (problem) line.problem = problem;
      if (!res.writableFinished) line.aborted = true;
      if (failed) {
        line.err = res.err ?? new Error(`failed with status code ${status}`);
        logger.error(line, 'request errored');
      } else if (status >= 400) logger.warn(line, 'request completed');
      else logger.info(line, 'request completed');
    });
    next();
  };
}

/** `req.log` as pino-http offered it (a child bound to the request), built only when a route uses it. */
export function lazyRequestLogger(request: object, logger: Logger): void {
  Object.defineProperty(request, 'log', {
    configurable: true,
    get(this: { [LOG]?: Logger; id?: unknown; method?: string; originalUrl?: string; url?: string }) {
      // An own property only: a logger cached on the shared prototype would leak into every request.
      if (!Object.hasOwn(this, LOG)) this[LOG] = logger.child({ req: { id: this.id, method: this.method, url: this.originalUrl || this.url } });
      return this[LOG] as Logger;
    },
    set(this: { [LOG]?: Logger }, value: Logger) {
      this[LOG] = value;
    },
  });
}
