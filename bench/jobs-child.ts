/**
 * Child process of bench/jobs.ts: runs persona-enrichment once against a Klaviyo sandbox started by
 * the parent (so the sandbox's memory is not counted here) and prints one JSON line with the run's
 * duration, its Klaviyo requests and this process's peak RSS.
 * Usage: tsx bench/jobs-child.ts <klaviyoUrl> <apiKey> <speedUp> <anchorMs>
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../src/lib/logger.js';
import { openSqliteStore } from '../src/store/sqlite/open.js';
import { ALL_JOBS, createJobRunner, createKlaviyoReadsAdapter } from '../services/jobs/index.js';
import { createKlaviyoService } from '../services/klaviyo/index.js';

const [url = '', apiKey = '', speedUpText = '1', anchorText = '0'] = process.argv.slice(2);
const speedUp = Number(speedUpText);
let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 25);

const dir = mkdtempSync(join(tmpdir(), 'kb-bench-jobs-'));
const store = openSqliteStore({ dataDir: dir });
const klaviyo = createKlaviyoService({ apiKey, baseUrl: url, revision: '2026-07-15', speedUp });
const runner = createJobRunner({
  store,
  jobs: ALL_JOBS,
  klaviyo: createKlaviyoReadsAdapter(klaviyo),
  mavera: undefined,
  logger: createLogger({ level: 'silent' }),
  clock: () => new Date(Number(anchorText)),
});
const started = performance.now();
const run = await runner.start('persona-enrichment', { dryRun: true });
const done = await runner.wait('persona-enrichment', run.id, 3_600_000);
const seconds = (performance.now() - started) / 1000;
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
const result = done.result as { profiles_scanned: number; profiles_with_predictions: number } | undefined;
process.stdout.write(
  `${JSON.stringify({ status: done.status, seconds, klaviyoRequests: done.usage.klaviyo_requests, profiles: result?.profiles_scanned, withPredictions: result?.profiles_with_predictions, peakRssMb: peakRss / 1024 / 1024 })}\n`,
);
await store.close();
rmSync(dir, { recursive: true, force: true });
