import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Response } from 'express';
import { pinoHttp, type HttpLogger } from 'pino-http';
import type { Logger } from './logger.js';
import { scrubUrl } from './redact.js';
import { requestIdFor } from './request-id.js';

/**
 * The access log and `req.log`, by pino-http: one line per request (`request completed`, `request
 * errored` or `request aborted`) at info, warn for a 4xx, error for a 5xx or a failure. The request
 * id honours a well-formed `x-request-id` and is echoed in the answer. Lines go through the root
 * logger, whose scrubber (src/lib/redact.ts) censors secrets, emails and phones in every line.
 *
 * The request is serialized as id, method and url only: headers carry credentials and signatures,
 * and an operator needs none of them to find a request. The url is scrubbed first (scrubUrl): a
 * credential-named query value, or a percent-encoded email, is invisible to the line scrubber.
 */
export function requestLogging(logger: Logger): HttpLogger {
  return pinoHttp({
    logger,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const id = requestIdFor(req);
      res.setHeader('x-request-id', id);
      return id;
    },
    customLogLevel: (_req, res, error) => {
      if (error || res.err || res.statusCode >= 500) return 'error';
      return res.statusCode >= 400 ? 'warn' : 'info';
    },
    serializers: {
      req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: scrubUrl(req.url) }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    // The problem code the error handler chose, so a 4xx line says why without any body.
    customSuccessObject: (_req, res, line: Record<string, unknown>) => withProblem(res, line),
    customErrorObject: (_req, res, _error, line: Record<string, unknown>) => withProblem(res, line),
  });
}

function withProblem(res: ServerResponse, line: Record<string, unknown>): Record<string, unknown> {
  const problem = ((res as Response).locals as { problemCode?: string } | undefined)?.problemCode;
  return problem ? { ...line, problem } : line;
}
