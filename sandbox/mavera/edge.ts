import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type { FaultEngine } from './faults.js';
import { sendMaveraError } from './http-errors.js';
import { endpointOf, type RecordedRequest, type SandboxEndpoint, type SandboxState } from './state.js';

/** The fake's edge, in the order a real gateway applies it: log → count → auth → rate → faults. */

/** Records every call (with its parsed body once known) and tracks in-flight peaks per endpoint. */
export function recordAndTrack(state: SandboxState, clock: () => number): RequestHandler {
  return (req, res, next) => {
    const endpoint = endpointOf(req.path);
    const record: RecordedRequest = { seq: state.requests.length + 1, method: req.method, path: req.path, endpoint, query: { ...(req.query as Record<string, string>) }, body: undefined, status: 0, at: clock() };
    state.requests.push(record);
    res.locals.endpoint = endpoint;
    const now = (state.inFlight.get(endpoint) ?? 0) + 1;
    state.inFlight.set(endpoint, now);
    state.peakInFlight.set(endpoint, Math.max(now, state.peakInFlight.get(endpoint) ?? 0));
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      state.inFlight.set(endpoint, (state.inFlight.get(endpoint) ?? 1) - 1);
      record.body = req.body;
      record.status = res.writableFinished ? res.statusCode : 0;
      if (record.status >= 400) state.errorCount += 1;
    };
    res.once('finish', finish);
    res.once('close', finish);
    next();
  };
}

export function requireApiKey(apiKey: string): RequestHandler {
  const expected = Buffer.from(`Bearer ${apiKey}`);
  return (req, res, next) => {
    const header = req.get('authorization');
    if (!header) return sendMaveraError(res, 401, 'missing_api_key', 'No API key provided. Use the Authorization: Bearer header.');
    const given = Buffer.from(header);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return sendMaveraError(res, 401, 'invalid_api_key', 'Invalid API key provided.');
    next();
  };
}

/** Mavera's per-key sliding 60 s window, with the documented X-RateLimit-* and Retry-After headers. */
export function limitRequestsPerMinute(requestsPerMinute: number | undefined, clock: () => number): RequestHandler {
  const starts: number[] = [];
  return (_req, res, next) => {
    if (requestsPerMinute === undefined) return next();
    const now = clock();
    while (starts.length > 0 && (starts[0] ?? 0) <= now - 60_000) starts.shift();
    const resetAt = (starts[0] ?? now) + 60_000;
    res.setHeader('X-RateLimit-Limit', String(requestsPerMinute));
    res.setHeader('X-RateLimit-Reset', String(Math.ceil(resetAt / 1000)));
    if (starts.length >= requestsPerMinute) {
      res.setHeader('X-RateLimit-Remaining', '0');
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil((resetAt - now) / 1000))));
      return sendMaveraError(res, 429, 'rate_limit_exceeded', `Rate limit of ${requestsPerMinute} requests per minute exceeded.`);
    }
    starts.push(now);
    res.setHeader('X-RateLimit-Remaining', String(requestsPerMinute - starts.length));
    next();
  };
}

/** Rejects Mave calls beyond its documented concurrency cap, as the real service would. */
export function capConcurrency(state: SandboxState, endpoint: SandboxEndpoint, cap: number): RequestHandler {
  return (_req, res, next) => {
    if (res.locals.endpoint !== endpoint || (state.inFlight.get(endpoint) ?? 0) <= cap) return next();
    state.concurrencyRejections += 1;
    res.setHeader('Retry-After', '1');
    sendMaveraError(res, 429, 'concurrency_limit_exceeded', `At most ${cap} concurrent ${endpoint} requests.`);
  };
}

/** Waits `ms`, or less if the caller hangs up first (so a cancelled call leaves no timer behind). */
function delayUnlessClosed(res: Response, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      res.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    res.once('close', done);
  });
}

export function injectFaults(faults: FaultEngine): RequestHandler {
  return async (req, res, next) => {
    const endpoint = res.locals.endpoint as SandboxEndpoint;
    const latencyMs = faults.latencyFor(endpoint);
    if (latencyMs > 0) await delayUnlessClosed(res, latencyMs);
    // The caller gave up (aborted) while we were "slow": do not do the work behind its back.
    if (res.closed || req.socket.destroyed) return;
    const failure = faults.failureFor(endpoint);
    if (failure === 'network') {
      req.socket.destroy();
      return;
    }
    if (failure !== undefined) return sendMaveraError(res, failure, failure >= 500 ? 'service_unavailable' : 'injected_fault', 'Injected fault.');
    next();
  };
}
