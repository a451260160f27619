import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
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
    await vi.waitFor(async () => expect((await h.runner.get('segment-overlap', run.id)).progress.phase).toBe('reading segment members'), { timeout: 10_000, interval: 5 });
    await h.runner.cancel('segment-overlap', run.id);
    // wait() returns once the run ends, or as it is after 3 s: "cancelled" is the proof it ended in time.
    const ended = await h.runner.wait('segment-overlap', run.id, 3_000);
    expect(ended.status).toBe('cancelled');
    // The job's code has returned and every request it started has settled (an aborted one at once).
    await h.runner.idle();
    await vi.waitFor(() => expect(h.klaviyoWire.inFlight).toBe(0), { timeout: 2_000, interval: 5 });
    // Nothing can announce "no request will ever be started again": a page loop the job left running
    // would only show by starting one. So this one window is watched (our client, so no wire lag),
    // 300 ms: with limits sped up 60×, many request slots.
    const startedBefore = h.klaviyoWire.started;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.klaviyoWire.started).toBe(startedBefore);
  });
});
