import { describe, expect, it } from 'vitest';
import type { KlaviyoRequest } from '../../services/klaviyo/client.js';
import { klaviyoReachabilityCheck, type KlaviyoReachability } from '../../services/klaviyo/reachability.js';
import { runReadiness } from '../../src/lib/readiness.js';
import { createFakeKlaviyoClient } from './support/fake-client.js';
import type { ScriptedAnswer } from './support/fake-fetch.js';
import { settle } from './support/settle.js';

const API_KEY = 'pk_reachability_test_0123456789';
const START = Date.parse('2026-07-20T12:00:00Z');

function setup(script: ScriptedAnswer[], timeoutMs?: number) {
  const { time, sent, client } = createFakeKlaviyoClient(script, { start: START, client: { apiKey: API_KEY, retry: { maxAttempts: 1 }, timeoutMs } });
  /** One attempt, whatever it ends with (not idempotent: nothing is retried, not even a 429); then `afterMs` pass. */
  const call = async (request: Partial<KlaviyoRequest> = {}, afterMs = 10_000) => {
    await client.request({ limitClass: 'bulk_create_events', method: 'POST', path: '/api/event-bulk-create-jobs', body: {}, idempotent: false, ...request }).catch(() => undefined);
    await time.advance(afterMs);
  };
  return { time, sent, client, call };
}

const at = (offsetMs: number) => new Date(START + offsetMs);

describe('Klaviyo client reachability', () => {
  it('when attempts meet network errors and 5xx, then unreachableSince is the first of the run and lastFailure the latest, across limit classes', async () => {
    const { client, call } = setup([{ networkError: 'ECONNREFUSED' }, { status: 503 }, { status: 502 }]);
    expect(client.reachability()).toEqual({ unreachableSince: undefined, lastFailure: undefined });
    await call();
    expect(client.reachability()).toEqual({ unreachableSince: at(0), lastFailure: { kind: 'network', status: undefined, limitClass: 'bulk_create_events', at: at(0) } });
    await call({ limitClass: 'get_profiles', method: 'GET', path: '/api/profiles', body: undefined });
    await call();
    expect(client.reachability()).toEqual({ unreachableSince: at(0), lastFailure: { kind: 'server_error', status: 502, limitClass: 'bulk_create_events', at: at(20_000) } });
  });

  it.each([
    ['a success', { status: 202 }],
    ['a 400', { status: 400 }],
    ['a 401', { status: 401 }],
    ['a 429', { status: 429, headers: { 'Retry-After': '1' } }],
    ['an edge proxy 403', { status: 403, headers: { 'cf-mitigated': 'challenge' } }],
  ])('when Klaviyo then answers with %s, then it is reachable again', async (_, answer) => {
    const { client, call } = setup([{ status: 500 }, answer as ScriptedAnswer, { status: 202 }]);
    await call();
    expect(client.reachability().unreachableSince).toEqual(at(0));
    await call();
    expect(client.reachability()).toEqual({ unreachableSince: undefined, lastFailure: undefined });
  });

  it('when an attempt times out, then that counts as unreachable', async () => {
    const { client } = setup([{ hang: true }], 20);
    // The attempt's timeout runs on real time (20 ms).
    await client.request({ limitClass: 'get_flows', method: 'GET', path: '/api/flows', idempotent: true }).catch(() => undefined);
    expect(client.reachability()).toMatchObject({ unreachableSince: at(0), lastFailure: { kind: 'timeout', limitClass: 'get_flows' } });
  });

  it('when the caller cancels a request, then reachability is unchanged', async () => {
    const { time, client } = setup([{ status: 503 }, { hang: true }]);
    await settle(client.request({ limitClass: 'get_flows', method: 'GET', path: '/api/flows', idempotent: false }), time).catch(() => undefined);
    const before = client.reachability();
    const job = new AbortController();
    const cancelled = client.request({ limitClass: 'get_flows', method: 'GET', path: '/api/flows', idempotent: true, signal: job.signal }).catch((reason: unknown) => reason);
    await time.advance(10);
    job.abort(new Error('job cancelled'));
    expect(await cancelled).toMatchObject({ message: 'job cancelled' });
    expect(client.reachability()).toEqual(before);
  });
});

describe('klaviyoReachabilityCheck (/readyz)', () => {
  const fixed = (reachability: KlaviyoReachability) => ({ reachability: () => reachability });
  const since = new Date('2026-07-20T12:00:00.000Z');
  const down: KlaviyoReachability = {
    unreachableSince: since,
    lastFailure: { kind: 'server_error', status: 503, limitClass: 'bulk_create_events', at: new Date('2026-07-20T12:04:59.000Z') },
  };
  const clockAt = (offsetS: number) => () => new Date(since.getTime() + offsetS * 1_000);

  it('when Klaviyo answers, then the check passes without detail', async () => {
    const check = klaviyoReachabilityCheck(fixed({ unreachableSince: undefined, lastFailure: undefined }), { unreachableReadyS: 300, clock: clockAt(0) });
    expect(check.name).toBe('klaviyo_reachable');
    expect(await check.check()).toEqual({ ok: true });
  });

  it('when Klaviyo has been unreachable for less than unreachableReadyS, then the check passes and says since when', async () => {
    const check = klaviyoReachabilityCheck(fixed(down), { unreachableReadyS: 300, clock: clockAt(299.9) });
    expect(await check.check()).toEqual({
      ok: true,
      detail: 'Klaviyo unreachable since 2026-07-20T12:00:00.000Z (299 s, fails at 300 s); last error: HTTP 503 on bulk_create_events at 2026-07-20T12:04:59.000Z',
    });
  });

  it('when Klaviyo has been unreachable for unreachableReadyS, then the check fails, saying since when and the last error', async () => {
    const check = klaviyoReachabilityCheck(fixed(down), { unreachableReadyS: 300, clock: clockAt(300) });
    expect(await check.check()).toEqual({
      ok: false,
      detail: 'Klaviyo unreachable since 2026-07-20T12:00:00.000Z (300 s, limit 300 s); last error: HTTP 503 on bulk_create_events at 2026-07-20T12:04:59.000Z',
    });
  });

  it('when the real client meets a network error for long enough, then /readyz fails without a secret in the detail', async () => {
    const { time, client, call } = setup([{ networkError: 'connect ECONNREFUSED 10.0.0.1:443' }]);
    await call({}, 0);
    const check = klaviyoReachabilityCheck(client, { unreachableReadyS: 60, clock: time.clock });
    expect((await runReadiness([check])).status).toBe('ok');
    await time.advance(60_000);
    const report = await runReadiness([check]);
    expect(report.status).toBe('failing');
    expect(report.checks['klaviyo_reachable']).toEqual({ ok: false, detail: expect.stringMatching(/^Klaviyo unreachable since 2026-07-20T12:00:00.000Z \(60 s, limit 60 s\); last error: network error on bulk_create_events/) });
    expect(JSON.stringify(report)).not.toContain(API_KEY);
    expect(JSON.stringify(report)).not.toContain('10.0.0.1');
  });
});
