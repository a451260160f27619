import { describe, expect, it, vi } from 'vitest';
import { createMetrics } from '../../src/lib/metrics.js';
import type { KlaviyoClientOptions, KlaviyoRequest } from '../../services/klaviyo/client.js';
import {
  KlaviyoAuthError,
  KlaviyoForeignLinkError,
  KlaviyoRateLimitedError,
  KlaviyoTransientError,
  KlaviyoValidationError,
} from '../../services/klaviyo/errors.js';
import { createFakeKlaviyoClient } from './support/fake-client.js';
import type { ScriptedAnswer } from './support/fake-fetch.js';
import { settle } from './support/settle.js';

const API_KEY = 'pk_test_0123456789abcdef';

function setup(script: ScriptedAnswer[], overrides: Partial<KlaviyoClientOptions> = {}) {
  const metrics = createMetrics();
  const onAuthStatus = vi.fn();
  const { time, sent, limiters, client } = createFakeKlaviyoClient(script, {
    client: { apiKey: API_KEY, retry: { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 8_000 }, metrics, onAuthStatus, ...overrides },
  });
  const call = (request: Partial<KlaviyoRequest> = {}) =>
    settle(client.request({ limitClass: 'get_flows', method: 'GET', path: '/api/flows', idempotent: true, ...request }), time);
  return { time, sent, metrics, onAuthStatus, limiters, client, call };
}

const ok = (body: unknown = { data: [] }): ScriptedAnswer => ({ status: 200, body });

describe('createKlaviyoClient: the wire', () => {
  it('when a body is sent, then key, pinned revision, JSON:API media types and query reach Klaviyo', async () => {
    const { sent, call } = setup([{ status: 202 }]);
    const response = await call({
      limitClass: 'create_event',
      method: 'POST',
      path: '/api/events',
      query: { 'page[size]': 10, filter: 'equals(email,"a@b.com")', skip: undefined },
      body: { data: { type: 'event' } },
    });
    expect(response).toMatchObject({ status: 202, body: undefined });
    expect(sent[0]?.headers).toMatchObject({
      authorization: `Klaviyo-API-Key ${API_KEY}`,
      revision: '2026-07-15',
      accept: 'application/vnd.api+json',
      'content-type': 'application/vnd.api+json',
    });
    expect(sent[0]?.url.pathname).toBe('/api/events');
    expect(Object.fromEntries(sent[0]?.url.searchParams ?? [])).toEqual({ 'page[size]': '10', filter: 'equals(email,"a@b.com")' });
    expect(sent[0]?.body).toEqual({ data: { type: 'event' } });
  });

  it('when a next link names another host, then it is refused and nothing is sent', async () => {
    const { sent, call } = setup([ok()]);
    await expect(call({ path: 'https://evil.example/api/flows?page%5Bcursor%5D=abc' })).rejects.toBeInstanceOf(KlaviyoForeignLinkError);
    expect(sent).toHaveLength(0);
  });

  it('when a next link is on the configured origin, then its path and query are sent there', async () => {
    const { sent, call } = setup([ok()]);
    await call({ path: 'https://a.klaviyo.test/api/flows?page%5Bcursor%5D=abc' });
    expect(sent[0]?.url.origin).toBe('https://a.klaviyo.test');
    expect(sent[0]?.url.pathname).toBe('/api/flows');
    expect(sent[0]?.url.searchParams.get('page[cursor]')).toBe('abc');
  });
});

describe('createKlaviyoClient: retries', () => {
  it('when Klaviyo answers 503 then 200, then the idempotent call succeeds after a jittered backoff', async () => {
    const { sent, time, call, metrics } = setup([{ status: 503 }, ok({ data: [1] })]);
    await expect(call()).resolves.toMatchObject({ status: 200, body: { data: [1] } });
    expect(sent).toHaveLength(2);
    expect(time.sleeps).toContain(500); // full jitter: 0.5 × min(8000, 1000 × 2^0)
    const requests = await metrics.klaviyoRequests.get();
    expect(requests.values.map((v) => [v.labels.status, v.value]).sort()).toEqual([['200', 1], ['503', 1]]);
  });

  it('when 5xx and network failures persist, then the call gives up after maxAttempts with a transient error', async () => {
    const { sent, time, call } = setup([{ status: 500 }, { networkError: 'ECONNRESET' }, { status: 502 }, ok()]);
    await expect(call()).rejects.toBeInstanceOf(KlaviyoTransientError);
    expect(sent).toHaveLength(3);
    // The call's own backoff once (0.5 × 1 s); after the second failure in a row the class backs off
    // as a whole, and the third attempt is its probe (0.5 × the outage backoff's first 1 s).
    expect(time.sleeps).toEqual([500, 500]);
  });

  it('when a non-idempotent call fails with 503, then it is not retried', async () => {
    const { sent, call } = setup([{ status: 503 }, ok()]);
    await expect(call({ idempotent: false, method: 'POST', limitClass: 'create_webhook' })).rejects.toMatchObject({ status: 503 });
    expect(sent).toHaveLength(1);
  });

  it('when Klaviyo answers 400, then the validation error is thrown at once', async () => {
    const { sent, call } = setup([{ status: 400, body: { errors: [{ code: 'invalid', title: 'Invalid input.', detail: 'x', source: { pointer: '/data' } }] } }, ok()]);
    await expect(call()).rejects.toBeInstanceOf(KlaviyoValidationError);
    expect(sent).toHaveLength(1);
  });

  it('when Klaviyo answers 401, then it is not retried and the auth status turns failing until a success', async () => {
    const { sent, call, onAuthStatus } = setup([{ status: 401 }, ok()]);
    await expect(call()).rejects.toBeInstanceOf(KlaviyoAuthError);
    expect(sent).toHaveLength(1);
    expect(onAuthStatus).toHaveBeenLastCalledWith(false, expect.any(KlaviyoAuthError));
    await call();
    expect(onAuthStatus).toHaveBeenLastCalledWith(true);
  });

  it('when Klaviyo answers 429, then the class pauses for Retry-After and the retry spends no attempt', async () => {
    const throttled: ScriptedAnswer = { status: 429, headers: { 'Retry-After': '3' } };
    const { sent, time, call, metrics } = setup([throttled, throttled, ok()], { retry: { maxAttempts: 1 } });
    const started = time.clock().getTime();
    await expect(call()).resolves.toMatchObject({ status: 200 });
    expect(sent).toHaveLength(3);
    expect(time.clock().getTime() - started).toBeGreaterThanOrEqual(6_000);
    expect((await metrics.klaviyoThrottled.get()).values).toEqual([{ labels: { limit_class: 'get_flows' }, value: 2 }]);
  });

  it('when 429s keep coming, then the call stops once its total wait passes the cap', async () => {
    const throttled: ScriptedAnswer = { status: 429, headers: { 'Retry-After': '1' } };
    const { sent, call } = setup(Array.from({ length: 10 }, () => throttled), { maxThrottleWaitMs: 2_500 });
    await expect(call()).rejects.toBeInstanceOf(KlaviyoRateLimitedError);
    expect(sent).toHaveLength(3);
  });

  it('when a 429 pauses a class, then other callers of that class wait too', async () => {
    const { sent, time, client, limiters } = setup([{ status: 429, headers: { 'Retry-After': '2' } }, ok(), ok()]);
    const first = client.request({ limitClass: 'get_flows', method: 'GET', path: '/api/flows', idempotent: true });
    await time.advance(0);
    expect(limiters.stats().get_flows?.paused_until).not.toBeNull();
    const second = client.request({ limitClass: 'get_flows', method: 'GET', path: '/api/flows', idempotent: true });
    await time.advance(1_999);
    expect(sent).toHaveLength(1);
    await settle(Promise.all([first, second]), time);
    expect(sent).toHaveLength(3);
  });
});

describe('createKlaviyoClient: timeouts and cancellation', () => {
  it('when Klaviyo does not answer in time, then the attempt times out and is retried', async () => {
    const { sent, call, time } = setup([{ hang: true }, ok()], { timeoutMs: 20 });
    const pending = call();
    // The attempt's timeout runs on real time (20 ms); the backoff before the retry runs on the fake clock.
    await vi.waitFor(async () => {
      await time.advance(1_000);
      expect(sent).toHaveLength(2);
    });
    await expect(pending).resolves.toMatchObject({ status: 200 });
  });

  it('when the caller aborts mid-request, then the call rejects with the caller reason and is not retried', async () => {
    const { sent, client, time } = setup([{ hang: true }, ok()]);
    const controller = new AbortController();
    const pending = client.request({ limitClass: 'get_flows', method: 'GET', path: '/api/flows', idempotent: true, signal: controller.signal });
    await time.advance(0);
    controller.abort(new Error('run cancelled'));
    await expect(pending).rejects.toThrow('run cancelled');
    expect(sent).toHaveLength(1);
  });
});
