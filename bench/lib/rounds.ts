import { startChildServer } from './child-server.js';
import { runLoad, type LoadResult } from './run-load.js';

export interface Measured extends LoadResult {
  label: string;
  /** The server process's CPU time per answered request, in µs (user + system). */
  cpuMicrosPerRequest: number;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * One scenario against a fresh server process. Besides req/s and latency it records the server's
 * CPU time per request: on a shared or noisy machine that figure moves far less than throughput.
 */
export async function measure(
  label: string,
  moduleUrl: URL,
  serverArgs: string[],
  load: (url: string, beforeMeasure: () => Promise<void>) => Promise<LoadResult>,
): Promise<Measured> {
  const server = await startChildServer(moduleUrl, serverArgs);
  try {
    let cpuStart = 0;
    const result = await load(server.url, async () => {
      cpuStart = await server.cpuMicros();
    });
    const cpuMicrosPerRequest = ((await server.cpuMicros()) - cpuStart) / Math.max(1, result.total);
    process.stderr.write(`${label}: ${result.requestsPerSec.toFixed(0)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, ${cpuMicrosPerRequest.toFixed(0)} µs CPU/req, non-2xx ${result.non2xx}, errors ${result.errors}\n`);
    return { label, ...result, cpuMicrosPerRequest };
  } finally {
    await server.close();
  }
}

/** The baseline every target is stated against: a stock Express hello-world in its own process. */
export function helloWorldScenario(load: { connections: number; durationS: number; warmupS: number }): () => Promise<Measured> {
  return () => measure('express hello-world (GET /)', new URL('../servers/hello-world.ts', import.meta.url), [], (url, beforeMeasure) => runLoad({ ...load, url, beforeMeasure }));
}
