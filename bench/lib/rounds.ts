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

export interface ScenarioSummary {
  label: string;
  runs: Measured[];
  /** Medians over the rounds; `vsBaseline` is the median of each round's own ratio. */
  requestsPerSec: number;
  vsBaseline: number;
  p50Ms: number;
  p99Ms: number;
  cpuMicrosPerRequest: number;
  non2xx: number;
  errors: number;
}

/**
 * Runs the scenarios in order, `rounds` times over, so the baseline and each subject are measured
 * side by side again and again: a moment of noise on this shared machine then hits one round, not
 * one scenario. The first scenario is the baseline; every ratio is taken within its round.
 */
export async function interleavedRounds(rounds: number, scenarios: Array<() => Promise<Measured>>): Promise<ScenarioSummary[]> {
  const runs: Measured[][] = scenarios.map(() => []);
  for (let round = 0; round < rounds; round += 1) {
    process.stderr.write(`-- round ${round + 1} of ${rounds}\n`);
    for (const [i, scenario] of scenarios.entries()) runs[i]?.push(await scenario());
  }
  const baseline = runs[0] ?? [];
  return runs.map((own) => ({
    label: own[0]?.label ?? '',
    runs: own,
    requestsPerSec: median(own.map((r) => r.requestsPerSec)),
    vsBaseline: median(own.map((r, round) => r.requestsPerSec / (baseline[round]?.requestsPerSec ?? Number.NaN))),
    p50Ms: median(own.map((r) => r.p50Ms)),
    p99Ms: median(own.map((r) => r.p99Ms)),
    cpuMicrosPerRequest: median(own.map((r) => r.cpuMicrosPerRequest)),
    non2xx: own.reduce((sum, r) => sum + r.non2xx, 0),
    errors: own.reduce((sum, r) => sum + r.errors, 0),
  }));
}

/** The per-round figures of a summary, e.g. "46 % / 52 % / 50 %". */
export function perRound(summary: ScenarioSummary, baseline: ScenarioSummary, figure: (r: Measured, base: Measured) => string): string {
  return summary.runs.map((r, i) => figure(r, baseline.runs[i] as Measured)).join(' / ');
}

/** The median of a subject's per-round ratios to another scenario of the same rounds (a second reference). */
export function medianRatio(subject: ScenarioSummary, reference: ScenarioSummary): number {
  return median(subject.runs.map((r, i) => r.requestsPerSec / ((reference.runs[i] as Measured).requestsPerSec)));
}

/** The baseline every target is stated against: a stock Express hello-world in its own process. */
export function helloWorldScenario(load: { connections: number; durationS: number; warmupS: number }): () => Promise<Measured> {
  return () => measure('express hello-world (GET /)', new URL('../servers/hello-world.ts', import.meta.url), [], (url, beforeMeasure) => runLoad({ ...load, url, beforeMeasure }));
}
