import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxHarness, type SandboxHarness } from './helpers/sandbox-harness.js';

describe('jobs within Klaviyo limits (sandbox, limits sped up 60×)', () => {
  let h: SandboxHarness;
  beforeAll(async () => {
    h = await startSandboxHarness({ scale: { profiles: 20_000 }, speedUp: 60 });
  });
  afterAll(async () => h?.close());

  it('when persona-enrichment reads 20,000 profiles, then it makes 200 profile-page requests and meets no 429', async () => {
    const run = await h.runner.start('persona-enrichment', { dryRun: true });
    const done = await h.runner.wait('persona-enrichment', run.id, 60_000);
    expect(done.status).toBe('succeeded');
    const cls = h.klaviyoSandbox.report().limitClasses['get_profiles:predictive_analytics'];
    expect(cls?.requests).toBe(200);
    expect(cls?.throttled).toBe(0);
    expect(cls?.maxPerSecond).toBeLessThanOrEqual(10);
    expect(cls?.maxPerMinute).toBeLessThanOrEqual(150);
    expect(done.usage.klaviyo_requests).toBe(200);
  });

  it('when the reporting jobs run back to back, then the 2/min reporting limit holds and cached reports are reused', async () => {
    for (const job of ['flow-content-refresh', 'sms-vs-email', 'flow-content-refresh', 'sms-vs-email']) {
      const run = await h.runner.start(job, { dryRun: true, refreshCache: job === 'sms-vs-email' });
      expect((await h.runner.wait(job, run.id, 60_000)).status).toBe('succeeded');
    }
    const limits = h.klaviyoSandbox.report().limitClasses;
    // flow report: once (second run cached); campaign report: twice (refreshCache forces a re-read).
    expect(limits.query_flow_values?.requests).toBe(1);
    expect(limits.query_campaign_values?.requests).toBe(2);
    for (const cls of [limits.query_flow_values, limits.query_campaign_values]) {
      expect(cls?.throttled).toBe(0);
      expect(cls?.maxPerMinute).toBeLessThanOrEqual(2);
    }
  });

  it('when a run is cancelled mid-read, then it ends cancelled within seconds and stops calling Klaviyo', async () => {
    const run = await h.runner.start('segment-overlap', { dryRun: true, refreshCache: true });
    while ((await h.runner.get('segment-overlap', run.id)).progress.phase !== 'reading segment members') await new Promise((r) => setTimeout(r, 5));
    const cancelledAt = Date.now();
    await h.runner.cancel('segment-overlap', run.id);
    const ended = await h.runner.wait('segment-overlap', run.id, 5_000);
    expect(ended.status).toBe('cancelled');
    expect(Date.now() - cancelledAt).toBeLessThan(3_000);
    // A request already on the wire when the cancel came may still be logged by the sandbox; after
    // that settles, nothing new may arrive.
    await new Promise((r) => setTimeout(r, 200));
    const before = h.klaviyoSandbox.received().length;
    await new Promise((r) => setTimeout(r, 300));
    expect(h.klaviyoSandbox.received().length).toBe(before);
  });
});
