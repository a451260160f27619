import type { RequestHandler } from 'express';
import type { Metrics } from './metrics.js';

/**
 * The latency histogram of answered requests, labelled by method, route template and status. The
 * template, never the raw path: ids in paths would explode the label cardinality.
 */
export function requestMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const stopTimer = metrics.httpDuration.startTimer();
    res.once('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      stopTimer({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}
