import { describe, expect, it, vi } from 'vitest';
import { createMetrics } from '../../src/lib/metrics.js';
import { runReadiness } from '../../src/lib/readiness.js';
import type { KlaviyoClientOptions } from '../../services/klaviyo/client.js';
import { KlaviyoAuthError, KlaviyoRevisionRetiredError, toKlaviyoError } from '../../services/klaviyo/errors.js';
import { createKlaviyoAuthMonitor } from '../../services/sync/klaviyo-auth-monitor.js';
import { captureLogger } from './support/capture-logs.js';
import { createFakeKlaviyoClient } from './support/fake-client.js';
import type { ScriptedAnswer } from './support/fake-fetch.js';
import { settle } from './support/settle.js';

const gone: ScriptedAnswer = { status: 410, body: { errors: [{ id: 'e', status: 410, code: 'gone', title: 'Gone.', detail: 'This revision is no longer supported.' }] } };
const ok: ScriptedAnswer = { status: 200, body: { data: [] } };
const edgeChallenge: ScriptedAnswer = {
  status: 403,
  headers: { 'content-type': 'text/html; charset=UTF-8', 'cf-mitigated': 'challenge' },
  body: '<!DOCTYPE html><html><head><title>Just a moment...</title></head></html>',
};

function setup(script: ScriptedAnswer[], overrides: Partial<KlaviyoClientOptions> = {}) {
  const metrics = createMetrics();
  const monitor = createKlaviyoAuthMonitor(metrics);
  const onAuthStatus = vi.fn(monitor.report);
  const { logger, lines } = captureLogger();
  const { time, sent, client } = createFakeKlaviyoClient(script, {
    limiters: { random: undefined },
    client: { revision: '2024-10-15', retry: { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 8_000 }, metrics, logger, onAuthStatus, ...overrides },
  });
  const call = () => settle(client.request({ limitClass: 'get_flows', method: 'GET', path: '/api/flows', idempotent: true }), time);
  const gauge = async () => (await metrics.klaviyoRevisionRetired.get()).values[0]?.value;
  const authFailing = async () => (await metrics.syncAuthFailing.get()).values[0]?.value;
  return { time, sent, metrics, monitor, onAuthStatus, lines, call, gauge, authFailing };
}

describe('a retired revision (410 Gone)', () => {
  it('when Klaviyo answers 410, then KlaviyoRevisionRetiredError, no retry, the gauge at 1, one error log and /readyz failing with "raise KLAVIYO_REVISION"', async () => {
    const { sent, call, gauge, authFailing, lines, monitor, onAuthStatus } = setup([gone, gone]);
    const first = await call().catch((error: unknown) => error);
    expect(first).toBeInstanceOf(KlaviyoRevisionRetiredError);
    expect(first).toBeInstanceOf(KlaviyoAuthError);
    expect(first).toMatchObject({ status: 410, revision: '2024-10-15' });
    await expect(call()).rejects.toBeInstanceOf(KlaviyoRevisionRetiredError);
    expect(sent).toHaveLength(2); // one per call: a 410 is not retried

    expect(await gauge()).toBe(1);
    expect(await authFailing()).toBe(0); // the key is fine
    const errors = lines.filter((line) => line.level === 50);
    expect(errors).toHaveLength(1); // logged once, not once per request
    expect(errors[0]).toMatchObject({ revision: '2024-10-15' });
    expect(String(errors[0]?.msg)).toMatch(/revision 2024-10-15 is retired; raise KLAVIYO_REVISION/);

    expect(onAuthStatus).toHaveBeenLastCalledWith(false, first);
    expect(monitor.failing()).toBe(true);
    const readiness = await runReadiness([monitor.readiness]);
    expect(readiness.status).toBe('failing');
    expect(readiness.checks.klaviyo).toEqual({ ok: false, detail: expect.stringMatching(/410 Gone: revision 2024-10-15 is retired; raise KLAVIYO_REVISION/) });
  });

  it('when a request succeeds again (the revision was raised), then the gauge returns to 0 and /readyz passes', async () => {
    const { call, gauge, monitor } = setup([gone, ok]);
    await expect(call()).rejects.toBeInstanceOf(KlaviyoRevisionRetiredError);
    await call();
    expect(await gauge()).toBe(0);
    expect(await monitor.readiness.check()).toEqual({ ok: true });
  });
});

describe('createKlaviyoAuthMonitor', () => {
  const keyRejected = toKlaviyoError({ kind: 'response', status: 401, headers: new Headers(), body: undefined }) as KlaviyoAuthError;
  const retired = toKlaviyoError({ kind: 'response', status: 410, headers: new Headers(), body: undefined }, 'get_flows', 0, '2024-10-15') as KlaviyoAuthError;

  it('when the sync worker reports a failure without a reason, then the known reason (a retired revision) stays', async () => {
    const metrics = createMetrics();
    const monitor = createKlaviyoAuthMonitor(metrics);
    monitor.report(false, retired);
    monitor.report(false); // the sync worker, after the batch failed with that error
    expect((await monitor.readiness.check()).detail).toMatch(/raise KLAVIYO_REVISION/);
    expect((await metrics.syncAuthFailing.get()).values[0]?.value).toBe(0);
  });

  it('when the key is rejected, then the check says so and klaviyo_auth_failing is 1; a success clears both', async () => {
    const metrics = createMetrics();
    const monitor = createKlaviyoAuthMonitor(metrics);
    monitor.report(false, keyRejected);
    expect(await monitor.readiness.check()).toEqual({ ok: false, detail: 'Klaviyo rejected the API key (401/403)' });
    expect((await metrics.syncAuthFailing.get()).values[0]?.value).toBe(1);
    monitor.report(true);
    expect(monitor.failing()).toBe(false);
    expect((await metrics.syncAuthFailing.get()).values[0]?.value).toBe(0);
    monitor.report(false); // no reason known: the key, as before
    expect((await monitor.readiness.check()).detail).toBe('Klaviyo rejected the API key (401/403)');
  });
});

describe('an HTML 403 from the edge proxy', () => {
  it('when the edge proxy challenges (cf-mitigated: challenge, text/html), then the call is retried with backoff and the key is not blamed', async () => {
    const { sent, time, call, onAuthStatus, authFailing } = setup([edgeChallenge, edgeChallenge, ok]);
    await expect(call()).resolves.toMatchObject({ status: 200 });
    expect(sent).toHaveLength(3);
    expect(time.sleeps.filter((ms) => ms === 500 || ms === 1_000)).toEqual([500, 1_000]); // full jitter, doubling
    expect(onAuthStatus).not.toHaveBeenCalledWith(false, expect.anything());
    expect(await authFailing()).toBe(0);
  });

  it('when Klaviyo itself answers a JSON 403, then it is still a rejected key, not retried', async () => {
    const json403: ScriptedAnswer = { status: 403, headers: { 'content-type': 'application/vnd.api+json' }, body: { errors: [{ code: 'permission_denied', title: 'Forbidden', detail: 'missing scope' }] } };
    const { sent, call, authFailing } = setup([json403, ok]);
    await expect(call()).rejects.toBeInstanceOf(KlaviyoAuthError);
    expect(sent).toHaveLength(1);
    expect(await authFailing()).toBe(1);
  });
});
