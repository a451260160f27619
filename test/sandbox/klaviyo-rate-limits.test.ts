import { describe, expect, it } from 'vitest';
import { klaviyo, manualClock, startSandbox } from './klaviyo-support.js';

describe('Klaviyo sandbox: rate limits', () => {
  it('when the burst is used up, then 429 throttled with Retry-After and no RateLimit headers; a second later it passes', async () => {
    const clock = manualClock();
    const sandbox = await startSandbox({ now: clock.now });
    for (let i = 0; i < 3; i++) {
      const ok = await klaviyo(sandbox, 'GET', '/api/flows');
      expect(ok.status).toBe(200);
      // Live form: the policy list, and Remaining/Reset of the 1 s window (reset 0).
      expect(ok.headers.get('ratelimit-limit')).toBe('3, 3;w=1, 60;w=60');
      expect(ok.headers.get('ratelimit-remaining')).toBe(String(3 - (i + 1)));
      expect(ok.headers.get('ratelimit-reset')).toBe('0');
    }
    const throttled = await klaviyo(sandbox, 'GET', '/api/flows');
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('1');
    for (const name of ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset']) expect(throttled.headers.get(name)).toBeNull();
    expect(throttled.body.errors[0]).toMatchObject({ status: 429, code: 'throttled', title: 'Request was throttled.' });
    clock.advance(1000);
    expect((await klaviyo(sandbox, 'GET', '/api/flows')).status).toBe(200);
  });

  it('when requests straddle a fixed-window boundary, then the sliding window still counts them together', async () => {
    const clock = manualClock(Date.UTC(2026, 6, 1, 0, 0, 0, 900));
    const sandbox = await startSandbox({ now: clock.now });
    for (let i = 0; i < 3; i++) expect((await klaviyo(sandbox, 'GET', '/api/flows')).status).toBe(200);
    clock.advance(200); // a new fixed second has begun, but the last 1 s span still holds 3
    expect((await klaviyo(sandbox, 'GET', '/api/flows')).status).toBe(429);
    clock.advance(800);
    expect((await klaviyo(sandbox, 'GET', '/api/flows')).status).toBe(200);
  });

  it('when the steady budget is used up, then Retry-After says when the oldest request leaves the minute', async () => {
    const clock = manualClock();
    const sandbox = await startSandbox({ now: clock.now });
    const segment = sandbox.truth.segments.sizes[0]!.id;
    for (let i = 0; i < 15; i++) {
      expect((await klaviyo(sandbox, 'GET', `/api/segments/${segment}?additional-fields[segment]=profile_count`)).status).toBe(200);
      clock.advance(1000);
    }
    const throttled = await klaviyo(sandbox, 'GET', `/api/segments/${segment}?additional-fields[segment]=profile_count`);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('45');
    // The variant has its own budget: the plain segment read is unaffected.
    expect((await klaviyo(sandbox, 'GET', `/api/segments/${segment}`)).status).toBe(200);
    const report = sandbox.report().limitClasses;
    expect(report['get_segment:profile_count']).toMatchObject({ burst: 1, steady: 15, requests: 16, maxPerSecond: 1, maxPerMinute: 16, throttled: 1 });
    expect(report.get_segment).toMatchObject({ requests: 1, throttled: 0 });
  });

  it('when predictive analytics are requested, then the profiles read uses the lower 10/s class', async () => {
    const clock = manualClock();
    const sandbox = await startSandbox({ now: clock.now });
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await klaviyo(sandbox, 'GET', '/api/profiles?additional-fields[profile]=predictive_analytics')).status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(10);
    expect(statuses[10]).toBe(429);
    expect((await klaviyo(sandbox, 'GET', '/api/profiles')).status).toBe(200);
  });

  it('when the reporting daily cap of 225 is reached, then 429 even though the minute is free', async () => {
    const clock = manualClock();
    const sandbox = await startSandbox({ now: clock.now, speedUp: 1 });
    const metricId = sandbox.truth.placedOrderMetricId;
    const body = { data: { type: 'flow-values-report', attributes: { statistics: ['recipients'], timeframe: { key: 'last_30_days' }, conversion_metric_id: metricId } } };
    let admitted = 0;
    for (let i = 0; i < 226; i++) {
      const answer = await klaviyo(sandbox, 'POST', '/api/flow-values-reports', body);
      if (answer.status === 200) admitted++;
      clock.advance(30_000); // 2 per minute
    }
    expect(admitted).toBe(225);
    expect(sandbox.report().limitClasses.query_flow_values).toMatchObject({ daily: 225, throttled: 1, maxPerMinute: 2 });
  });

  it('when speedUp is 10, then windows last a tenth and Retry-After stays in Klaviyo seconds', async () => {
    const clock = manualClock();
    const sandbox = await startSandbox({ now: clock.now, speedUp: 10, live: { advancedKdp: true } });
    expect((await klaviyo(sandbox, 'GET', '/api/webhooks')).status).toBe(200);
    const throttled = await klaviyo(sandbox, 'GET', '/api/webhooks');
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('1'); // wait 1000 / 10 = 100 real ms
    clock.advance(100);
    expect((await klaviyo(sandbox, 'GET', '/api/webhooks')).status).toBe(200);
  });
});
