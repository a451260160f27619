/**
 * Jobs benchmark (issue 6): persona-enrichment against the Klaviyo sandbox with Klaviyo's limits
 * sped up by one factor on both sides.
 *  1. 20,000 profiles: Klaviyo requests (expect 200 pages of 100), 429s met (expect 0), and the run
 *     time beside the minimum its limit class allows (target ≤ 1.15×).
 *  2. Peak RSS of the job process at 20,000 and 200,000 profiles (target: grows < 50 MB).
 * Each measurement runs in a child process (bench/jobs-child.ts); the sandbox runs here.
 * Usage: npx tsx bench/jobs.ts [--speedUp 2] [--rssSpeedUp 200]
 */
import { execFile } from 'node:child_process';
import { cpus } from 'node:os';
import { promisify } from 'node:util';
import { startKlaviyoSandbox } from '../sandbox/klaviyo/index.js';
import { KLAVIYO_LIMIT_CLASSES } from '../services/klaviyo/index.js';

const run = promisify(execFile);
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const API_KEY = 'pk_bench_jobs_0123456789';

/** Least time for `n` requests under sliding burst/steady windows (seconds, Klaviyo time). */
export function minimumSeconds(n: number, burstPerS: number, steadyPerMin: number): number {
  const starts: number[] = [];
  for (let k = 0; k < n; k += 1) {
    let t = k >= burstPerS ? (starts[k - burstPerS] ?? 0) + 1 : 0;
    if (k >= steadyPerMin) t = Math.max(t, (starts[k - steadyPerMin] ?? 0) + 60);
    starts.push(Math.max(t, starts[k - 1] ?? 0));
  }
  return starts.at(-1) ?? 0;
}

async function measure(profiles: number, speedUp: number) {
  const sandbox = await startKlaviyoSandbox({ apiKey: API_KEY, speedUp, seed: 11, scale: { profiles } });
  try {
    const { stdout } = await run('npx', ['tsx', 'bench/jobs-child.ts', sandbox.url, API_KEY, String(speedUp), String(sandbox.truth.anchorTimeMs)], { maxBuffer: 1 << 20, timeout: 3_600_000 });
    const line = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { status: string; seconds: number; klaviyoRequests: number; peakRssMb: number; withPredictions: number };
    const cls = sandbox.report().limitClasses['get_profiles:predictive_analytics'];
    return { profiles, speedUp, ...line, sandboxRequests: cls?.requests ?? 0, throttled: cls?.throttled ?? 0, maxPerSecond: cls?.maxPerSecond, maxPerMinute: cls?.maxPerMinute };
  } finally {
    await sandbox.close();
  }
}

const speedUp = arg('speedUp', 2);
const rssSpeedUp = arg('rssSpeedUp', 200);
const limits = KLAVIYO_LIMIT_CLASSES['get_profiles:predictive_analytics'];
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`);

const timed = await measure(20_000, speedUp);
const minimum = minimumSeconds(timed.sandboxRequests, limits.burstPerSecond, limits.steadyPerMinute) / speedUp;
console.log(JSON.stringify(timed));
console.log(
  `persona-enrichment, 20,000 profiles, speedUp ${speedUp}: ${timed.sandboxRequests} profile-page requests, ${timed.throttled} × 429, ` +
    `${timed.seconds.toFixed(2)} s vs minimum ${minimum.toFixed(2)} s → ${(timed.seconds / minimum).toFixed(3)}× (target ≤ 1.15×)`,
);

const small = await measure(20_000, rssSpeedUp);
const large = await measure(200_000, rssSpeedUp);
console.log(JSON.stringify(small));
console.log(JSON.stringify(large));
console.log(`peak RSS: ${small.peakRssMb.toFixed(1)} MB at 20,000 → ${large.peakRssMb.toFixed(1)} MB at 200,000 (+${(large.peakRssMb - small.peakRssMb).toFixed(1)} MB; target < 50 MB)`);
