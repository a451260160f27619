import { Agent, request } from 'node:http';
import type { PreparedRequest } from './request-pool.js';
import type { LoadResult } from './run-load.js';

export interface PacedLoadOptions {
  url: string;
  /** Requests per second, sent at even intervals. */
  rate: number;
  /** Keep-alive connections the requests share (a request waits for a free one, and that wait counts). */
  connections: number;
  durationS: number;
  warmupS: number;
  next: () => PreparedRequest;
  beforeMeasure?: () => Promise<void>;
}

/**
 * Open load at an even pace: request n is due at start + n / rate, whatever the server did with the
 * ones before, and its latency runs from when it was due (so a stalled server is charged for the
 * requests it kept waiting, not only for the ones it had accepted).
 *
 * Why not autocannon's `overallRate`: each of its connections sends back to back until it has made
 * its share of the second's requests, then idles until the next one-second tick, so "half load" is
 * half a second of saturation and half a second of nothing; and its coordinated-omission correction
 * assumes a 1 ms interval at these rates, adding a synthetic sample for every millisecond of each
 * slow response. Both made a half-load p99 read as four times the server's own event-loop delay.
 */
export async function runPacedLoad(options: PacedLoadOptions): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  try {
    if (options.warmupS > 0) await phase(options, agent, options.warmupS);
    await options.beforeMeasure?.();
    return await phase(options, agent, options.durationS);
  } finally {
    agent.destroy();
  }
}

function phase(options: PacedLoadOptions, agent: Agent, seconds: number): Promise<LoadResult> {
  const target = new URL(options.url);
  const total = Math.max(1, Math.round(seconds * options.rate));
  const intervalMs = 1000 / options.rate;
  const latencies: number[] = [];
  let sent = 0;
  let settled = 0;
  let non2xx = 0;
  let errors = 0;
  const startedAt = performance.now();

  return new Promise((resolve) => {
    const finish = () => {
      settled += 1;
      if (settled < total) return;
      const elapsedS = (performance.now() - startedAt) / 1000;
      latencies.sort((a, b) => a - b);
      const at = (q: number) => Math.round((latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] ?? Number.NaN) * 10) / 10;
      resolve({ requestsPerSec: latencies.length / elapsedS, p50Ms: at(0.5), p99Ms: at(0.99), total: latencies.length, non2xx, errors });
    };
    const send = (dueAt: number) => {
      const prepared = options.next();
      const outgoing = request(
        { agent, host: target.hostname, port: target.port, path: target.pathname, method: prepared.method, headers: { ...prepared.headers, 'content-length': Buffer.byteLength(prepared.body) } },
        (response) => {
          response.resume();
          response.once('end', () => {
            const status = response.statusCode ?? 0;
            if (status >= 200 && status < 300) latencies.push(performance.now() - dueAt);
            else non2xx += 1;
            finish();
          });
        },
      );
      outgoing.once('error', () => {
        errors += 1;
        finish();
      });
      outgoing.end(prepared.body);
    };
    const tick = () => {
      const due = Math.min(total, Math.floor((performance.now() - startedAt) / intervalMs) + 1);
      for (; sent < due; sent += 1) send(startedAt + sent * intervalMs);
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
}
