import { describe, expect, it } from 'vitest';
import { parseRateLimitLimit, readRateLimitHeaders } from '../../services/klaviyo/rate-limit-headers.js';
import type { KlaviyoBudget } from '../../services/klaviyo/rate-limits.js';
import { createFakeKlaviyoClient } from './support/fake-client.js';
import type { ScriptedAnswer } from './support/fake-fetch.js';
import { settle } from './support/settle.js';

/** The headers of a live Klaviyo answer (recorded 2026-09-04: an M-tier read). */
const LIVE_LIMIT = '10, 10;w=1, 150;w=60';
const live = (remaining: number, reset = 0) =>
  new Headers({ 'RateLimit-Limit': LIVE_LIMIT, 'RateLimit-Remaining': String(remaining), 'RateLimit-Reset': String(reset) });

describe('parseRateLimitLimit', () => {
  it('when the header is in the live list form, then the current quota and every window are read', () => {
    expect(parseRateLimitLimit('10, 10;w=1, 150;w=60')).toEqual({
      current: 10,
      policies: [
        { quota: 10, windowSeconds: 1 },
        { quota: 150, windowSeconds: 60 },
      ],
    });
    expect(parseRateLimitLimit('1, 1;w=1, 2;w=60, 225;w=86400')?.policies).toEqual([
      { quota: 1, windowSeconds: 1 },
      { quota: 2, windowSeconds: 60 },
      { quota: 225, windowSeconds: 86_400 },
    ]);
    expect(parseRateLimitLimit('150')).toEqual({ current: 150, policies: [] });
    expect(parseRateLimitLimit('10, 10;w=1;comment="burst"')).toEqual({ current: 10, policies: [{ quota: 10, windowSeconds: 1 }] });
  });

  it('when a member is unreadable, then nothing of the header is trusted', () => {
    for (const header of ['ten', '10, 10;w=x', '10, 10;w=0', '10, -1;w=60', '10, 20', '']) expect(parseRateLimitLimit(header)).toBeUndefined();
    expect(parseRateLimitLimit(null)).toBeUndefined();
  });
});

describe('readRateLimitHeaders', () => {
  it('when Remaining/Reset come with the live list, then they are read as the 1 s window, held for a whole second at reset 0', () => {
    expect(readRateLimitHeaders(live(8))).toEqual({ remaining: 8, holdSeconds: 1, windowSeconds: 1 });
    // A first member that names the minute policy: Reset rounds up, within the window.
    const minute = new Headers({ 'RateLimit-Limit': '150, 10;w=1, 150;w=60', 'RateLimit-Remaining': '0', 'RateLimit-Reset': '30' });
    expect(readRateLimitHeaders(minute)).toEqual({ remaining: 0, holdSeconds: 31, windowSeconds: 60 });
  });

  it('when the Limit header names no window, then Reset is still honoured, rounded up', () => {
    expect(readRateLimitHeaders(new Headers({ 'RateLimit-Remaining': '0', 'RateLimit-Reset': '0' }))).toEqual({ remaining: 0, holdSeconds: 1, windowSeconds: undefined });
    expect(readRateLimitHeaders(new Headers({ 'RateLimit-Limit': 'junk', 'RateLimit-Remaining': '3', 'RateLimit-Reset': '4' }))).toMatchObject({ holdSeconds: 5 });
  });

  it('when Remaining or Reset is missing or not a count, then there is nothing to observe', () => {
    expect(readRateLimitHeaders(new Headers({ 'Retry-After': '1' }))).toBeUndefined(); // a live 429
    expect(readRateLimitHeaders(new Headers({ 'RateLimit-Limit': LIVE_LIMIT, 'RateLimit-Remaining': '-1', 'RateLimit-Reset': '0' }))).toBeUndefined();
    expect(readRateLimitHeaders(new Headers({ 'RateLimit-Limit': LIVE_LIMIT, 'RateLimit-Remaining': '2', 'RateLimit-Reset': 'soon' }))).toBeUndefined();
  });
});

function limiterSetup(budget: KlaviyoBudget) {
  const { time, limiters } = createFakeKlaviyoClient([], { limiters: { random: undefined, budgetOverrides: { get_flows: budget } } });
  const grants: number[] = [];
  const acquire = () =>
    limiters.acquire('get_flows').then((permit) => {
      grants.push(time.elapsed());
      permit.release();
    });
  return { time, limiters, grants, acquire };
}

describe('createKlaviyoLimiters: live RateLimit headers', () => {
  it('when a live answer says the 1 s window is spent (Remaining 0, Reset 0), then the class waits a second', async () => {
    // Another process sharing the account used the burst: our own window still has room.
    const { time, limiters, grants, acquire } = limiterSetup({ burstPerSecond: 10, steadyPerMinute: 150 });
    limiters.observeHeaders('get_flows', live(0));
    const next = acquire();
    await time.advance(999);
    expect(grants).toEqual([]);
    expect(limiters.stats().get_flows?.paused_until).not.toBeNull();
    await time.advance(1);
    await next;
    expect(grants).toEqual([1_000]);
  });

  it('when a live answer leaves 2 in the 1 s window, then 2 go at once and the third waits for the window', async () => {
    const { time, limiters, grants, acquire } = limiterSetup({ burstPerSecond: 10, steadyPerMinute: 150 });
    limiters.observeHeaders('get_flows', live(2));
    const all = Promise.all([acquire(), acquire(), acquire()]);
    await time.advance(1_000);
    await all;
    expect(grants).toEqual([0, 0, 1_000]);
  });

  it('when our own requests spent the 1 s window (Remaining 0 answered late), then the next goes when our window frees, not a second after the answer', async () => {
    const { time, limiters, grants, acquire } = limiterSetup({ burstPerSecond: 10, steadyPerMinute: 150 });
    await Promise.all(Array.from({ length: 10 }, () => acquire()));
    // The tenth answer arrives 600 ms later and reports what our own window already knows.
    await time.advance(600);
    limiters.observeHeaders('get_flows', live(0));
    const next = acquire();
    await time.advance(400);
    await next;
    // A hold of the whole Reset second from the answer would have granted it at 1,600 ms.
    expect(grants.at(-1)).toBe(1_000);
  });

  it('when answers arrive out of order, then the lower Remaining of the window stands', async () => {
    const { time, limiters, grants, acquire } = limiterSetup({ burstPerSecond: 10, steadyPerMinute: 150 });
    limiters.observeHeaders('get_flows', live(0));
    limiters.observeHeaders('get_flows', live(7)); // sent earlier, answered later
    const next = acquire();
    await time.advance(1_000);
    await next;
    expect(grants).toEqual([1_000]);
  });

  it('when headers promise more than the published budget, or are malformed, then the budget still holds', async () => {
    const { time, limiters, grants, acquire } = limiterSetup({ burstPerSecond: 1, steadyPerMinute: 150 });
    limiters.observeHeaders('get_flows', new Headers({ 'RateLimit-Limit': '1000, 1000;w=1', 'RateLimit-Remaining': '999', 'RateLimit-Reset': '0' }));
    limiters.observeHeaders('get_flows', new Headers({ 'RateLimit-Limit': '10;w=abc', 'RateLimit-Remaining': 'lots', 'RateLimit-Reset': '0' }));
    const all = Promise.all([acquire(), acquire()]);
    await time.advance(1_000);
    await all;
    expect(grants).toEqual([0, 1_000]);
  });
});

describe('createKlaviyoClient: a live 429', () => {
  it('when a 429 carries only Retry-After (no RateLimit-* headers), then the class pauses for it and the call goes on', async () => {
    const answers: ScriptedAnswer[] = [
      { status: 200, body: { data: [] }, headers: { 'RateLimit-Limit': LIVE_LIMIT, 'RateLimit-Remaining': '9', 'RateLimit-Reset': '0' } },
      { status: 429, body: { errors: [{ status: 429, code: 'throttled', title: 'Request was throttled.', detail: 'Request was throttled. Expected available in 2 seconds.', meta: [] }] }, headers: { 'Retry-After': '2' } },
      { status: 200, body: { data: [] }, headers: { 'RateLimit-Limit': LIVE_LIMIT, 'RateLimit-Remaining': '9', 'RateLimit-Reset': '0' } },
    ];
    const { time, sent, client } = createFakeKlaviyoClient(answers, { limiters: { random: undefined }, client: { apiKey: 'pk_test', random: undefined } });
    const call = () => settle(client.request({ limitClass: 'get_flows', method: 'GET', path: '/api/flows', idempotent: true }), time, 100);
    await call();
    const throttledAt = time.elapsed();
    await expect(call()).resolves.toMatchObject({ status: 200 });
    expect(sent).toHaveLength(3);
    expect(time.elapsed() - throttledAt).toBeGreaterThanOrEqual(2_000);
  });
});
