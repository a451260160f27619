/**
 * Child process of bench/jobs.ts: runs persona-enrichment once against a Klaviyo sandbox started by
 * the parent (so the sandbox's memory is not counted here) and prints one JSON line with the run's
 * duration, its Klaviyo requests and this process's peak RSS.
 * Usage: tsx bench/jobs-child.ts <klaviyoUrl> <apiKey> <speedUp> <anchorMs>
 */
import { benchService } from './lib/service.js';

const [url = '', apiKey = '', speedUpText = '1', anchorText = '0'] = process.argv.slice(2);
const speedUp = Number(speedUpText);
let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 25);

// The service as server.ts builds it (its jobs runner, store and Klaviyo limiters), not listening.
const { service, close } = benchService({ KLAVIYO_API_KEY: apiKey, KLAVIYO_BASE_URL: url }, { klaviyo: { speedUp }, clock: () => new Date(Number(anchorText)) }, 'silent');
const runner = service.jobs;
// Leads (alone, on SQLite) so that its job executor takes the run, as server.ts's does.
await service.start();
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
await close();
