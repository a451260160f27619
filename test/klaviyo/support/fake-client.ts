import { createKlaviyoClient, type KlaviyoClientOptions } from '../../../services/klaviyo/client.js';
import { createKlaviyoLimiters, type KlaviyoLimitersOptions } from '../../../services/klaviyo/limiter.js';
import { createFakeFetch, type ScriptedAnswer } from './fake-fetch.js';
import { createFakeTime } from './fake-time.js';

export type FakeTime = ReturnType<typeof createFakeTime>;

export interface FakeKlaviyoClientOptions {
  /** Where fake time starts (default: createFakeTime's). */
  start?: number;
  /** Fake time to run on instead of a new one, for a fetch that must be built on it first (start is then ignored). */
  time?: FakeTime;
  /** Spread over the limiter defaults; `random: undefined` gives Math.random. */
  limiters?: Partial<KlaviyoLimitersOptions>;
  /** Spread over the client defaults; a `fetch` here replaces the scripted one (and `sent` stays empty). */
  client?: Partial<KlaviyoClientOptions>;
}

/**
 * A Klaviyo client on fake time that talks to a scripted fetch (answers `script` in order).
 * Limiters: rateShare 1, no guard, the fake clock and sleep, random 0.5. Client: key
 * `pk_test_0123456789abcdef`, https://a.klaviyo.test, revision 2026-07-15, the same clock, sleep
 * and random 0.5, so every full-jitter delay is half its ceiling and schedules are exact.
 */
export function createFakeKlaviyoClient(script: ScriptedAnswer[], options: FakeKlaviyoClientOptions = {}) {
  const time = options.time ?? createFakeTime(options.start);
  const { fetch, sent } = createFakeFetch(script);
  const limiters = createKlaviyoLimiters({ rateShare: 1, guardMs: 0, clock: time.clock, sleep: time.sleep, random: () => 0.5, ...options.limiters });
  const client = createKlaviyoClient({
    apiKey: 'pk_test_0123456789abcdef',
    baseUrl: 'https://a.klaviyo.test',
    revision: '2026-07-15',
    limiters,
    fetch,
    clock: time.clock,
    sleep: time.sleep,
    random: () => 0.5,
    ...options.client,
  });
  return { time, sent, fetch, limiters, client };
}
