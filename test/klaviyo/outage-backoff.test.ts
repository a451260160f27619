import { describe, expect, it } from 'vitest';
import type { KlaviyoClientOptions } from '../../services/klaviyo/client.js';
import { KlaviyoTransientError, KlaviyoUnreachableError } from '../../services/klaviyo/errors.js';
import type { KlaviyoLimitersOptions } from '../../services/klaviyo/limiter.js';
import { sendBatch, type OutcomeContext } from '../../services/sync/batch-outcomes.js';
import type { OutboxItem } from '../../src/store/outbox.js';
import { createFakeKlaviyoClient } from './support/fake-client.js';
import { createFakeTime } from './support/fake-time.js';

/**
 * During consecutive 5xx / network failures a limit class backs off as a whole: one probe at a
 * time, at growing, jittered intervals; any answer ends it. All on a fake clock.
 */
type Answer = { status: number; headers?: Record<string, string> } | 'network' | 'hang';

/** A Klaviyo whose answer the test switches; records every request with its time and concurrency. */
function fakeKlaviyo(time: ReturnType<typeof createFakeTime>) {
  let answer: Answer = { status: 202 };
  let inFlight = 0;
  const sent: { at: number; inFlight: number; status: number | 'network' | 'hang' }[] = [];
  const fetch = async (_url: unknown, init: RequestInit = {}): Promise<Response> => {
    const current = answer;
    inFlight += 1;
    sent.push({ at: time.elapsed(), inFlight, status: typeof current === 'string' ? current : current.status });
    try {
      if (current === 'hang') {
        return await new Promise<Response>((_, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason), { once: true }));
      }
      await Promise.resolve();
      if (current === 'network') throw new TypeError('fetch failed', { cause: new Error('ECONNREFUSED') });
      return new Response(null, { status: current.status, headers: current.headers });
    } finally {
      inFlight -= 1;
    }
  };
  return { fetch: fetch as typeof globalThis.fetch, sent, answer: (next: Answer) => (answer = next) };
}

function setup(options: { client?: Partial<KlaviyoClientOptions>; limiters?: Partial<KlaviyoLimitersOptions> } = {}) {
  const time = createFakeTime();
  const klaviyo = fakeKlaviyo(time);
  // random 0.5: every full-jitter delay is half its ceiling, so the schedule is exact.
  const { limiters, client } = createFakeKlaviyoClient([], {
    time,
    limiters: options.limiters,
    client: { apiKey: 'pk_outage_test_0123456789', fetch: klaviyo.fetch, retry: { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 30_000 }, ...options.client },
  });
  const bulkCreate = (signal?: AbortSignal) =>
    client.request({ limitClass: 'bulk_create_events', method: 'POST', path: '/api/event-bulk-create-jobs', body: {}, idempotent: true, signal });
  return { time, klaviyo, limiters, client, bulkCreate };
}

/** A sync lane: sends its batch until it is accepted, as the worker re-claims items a call gave up on. */
async function lane(send: () => Promise<unknown>, givenUp: unknown[]): Promise<void> {
  for (;;) {
    try {
      await send();
      return;
    } catch (error) {
      givenUp.push(error);
    }
  }
}

describe('limit class outage backoff', () => {
  it('when four callers of a class meet a 20 s outage, then one probe at a time goes out at growing jittered intervals, and a success lets every waiting call through at once', async () => {
    const { time, klaviyo, limiters, bulkCreate } = setup();
    klaviyo.answer({ status: 503 });
    const givenUp: unknown[] = [];
    const done: number[] = [];
    const lanes = Array.from({ length: 4 }, () => lane(bulkCreate, givenUp).then(() => done.push(time.elapsed())));

    await time.advance(20_000);
    const duringOutage = [...klaviyo.sent];
    expect(limiters.outage('bulk_create_events')).toMatchObject({ since: time.clock().getTime() - 20_000 });
    // The four batches went out together before anything had failed; every request after is a probe, alone on the wire.
    expect(duringOutage.slice(0, 4).map((r) => r.at)).toEqual([0, 0, 0, 0]);
    const probes = duringOutage.slice(4);
    expect(probes.every((r) => r.inFlight === 1)).toBe(true);
    // Delays are half of min(8 s, 1 s · 2^(n−1)): 0.5, 1, 2, then 4 s from the fourth on.
    const gaps = probes.map((r, i) => r.at - (i === 0 ? 0 : (probes[i - 1]?.at ?? 0)));
    expect(gaps).toEqual([500, 1_000, 2_000, 4_000, 4_000, 4_000, 4_000]);
    expect(duringOutage.length).toBe(11);
    // Waiting in line spends no attempt: in 20 s no call used up its four.
    expect(givenUp).toEqual([]);

    klaviyo.answer({ status: 202 });
    await time.advance(10_000);
    await Promise.all(lanes);
    // Recovery at 20 s; the next probe (due at 23.5 s: 19.5 s + 4 s) succeeds, and the three waiting calls follow at once.
    expect(done).toEqual([23_500, 23_500, 23_500, 23_500]);
    expect(klaviyo.sent.filter((r) => r.at >= 20_000).map((r) => r.at)).toEqual([23_500, 23_500, 23_500, 23_500]);
    expect(limiters.outage('bulk_create_events')).toBeUndefined();
  });

  it('when a class keeps failing, then the probe interval stops growing at the cap', async () => {
    const { time, klaviyo, bulkCreate } = setup({ limiters: { outageBackoff: { baseDelayMs: 1_000, maxDelayMs: 30_000 } } });
    klaviyo.answer('network');
    void lane(bulkCreate, []);
    await time.advance(300_000);
    const gaps = klaviyo.sent.slice(1).map((r, i) => r.at - (klaviyo.sent[i]?.at ?? 0));
    // The call's own first retry (0.25 s), then probes at 0.5, 1, 2, 4, 8, then 15 s (half of the 30 s cap).
    expect(gaps.slice(0, 7)).toEqual([250, 500, 1_000, 2_000, 4_000, 8_000, 15_000]);
    expect(new Set(gaps.slice(7))).toEqual(new Set([15_000]));
  });

  it('when the speed-up is 10, then the probe intervals shrink with it', async () => {
    const { time, klaviyo, bulkCreate } = setup({ limiters: { speedUp: 10 }, client: { retry: { maxAttempts: 4, baseDelayMs: 50, maxDelayMs: 3_000 } } });
    klaviyo.answer({ status: 500 });
    void lane(bulkCreate, []);
    await time.advance(2_000);
    const gaps = klaviyo.sent.slice(1).map((r, i) => r.at - (klaviyo.sent[i]?.at ?? 0));
    expect(gaps.slice(0, 5)).toEqual([25, 50, 100, 200, 400]);
  });

  /** One call that meets two 503s in a row (0 ms, then its own retry at 250 ms): the class backs off, the next probe is due at 750 ms. */
  async function openOutage(ctx: ReturnType<typeof setup>): Promise<void> {
    ctx.klaviyo.answer({ status: 503 });
    const failed = ctx.bulkCreate().catch((error: unknown) => error);
    await ctx.time.advance(250);
    expect(await failed).toBeInstanceOf(KlaviyoUnreachableError);
    expect(ctx.limiters.outage('bulk_create_events')).toMatchObject({ failures: 2, nextProbeAt: ctx.time.clock().getTime() + 500 });
  }

  it.each([
    ['a 400', { status: 400 }],
    ['a 404', { status: 404 }],
    ['a 429', { status: 429, headers: { 'Retry-After': '10' } }],
  ])('when the probe is answered with %s, then the backoff ends at once', async (_, answered) => {
    const ctx = setup({ client: { retry: { maxAttempts: 2 } } });
    await openOutage(ctx);
    ctx.klaviyo.answer(answered as Answer);
    void ctx.bulkCreate().catch(() => undefined);
    await ctx.time.advance(500);
    expect(ctx.klaviyo.sent.map((r) => r.at)).toEqual([0, 250, 750]);
    expect(ctx.limiters.outage('bulk_create_events')).toBeUndefined();
  });

  it('when 5xx answers alternate with 4xx or 429 answers, then the class never backs off: those are no outage', async () => {
    const { time, klaviyo, limiters, bulkCreate } = setup({ client: { retry: { maxAttempts: 1 } } });
    const answers: Answer[] = [{ status: 503 }, { status: 400 }, { status: 502 }, { status: 429 }, { status: 500 }, { status: 422 }];
    for (const answered of answers) {
      klaviyo.answer(answered);
      const call = bulkCreate().catch(() => undefined);
      await time.flush();
      klaviyo.answer({ status: 202 }); // a throttled call is sent again after its pause: that one succeeds
      await time.advance(1_000);
      await call;
      expect(limiters.outage('bulk_create_events')).toBeUndefined();
    }
    // Each call went out at once (the 429 one once more after its 1 s pause): nothing waited for a probe.
    expect(klaviyo.sent.map((r) => r.at)).toEqual([0, 1_000, 2_000, 3_000, 4_000, 4_000, 5_000]);
  });

  it('when a single 5xx comes between successes, then the call retries on its own backoff and the class does not back off', async () => {
    const { time, klaviyo, limiters, bulkCreate } = setup();
    klaviyo.answer({ status: 503 });
    const call = bulkCreate();
    await time.flush();
    klaviyo.answer({ status: 202 });
    await time.advance(1_000);
    await expect(call).resolves.toMatchObject({ status: 202 });
    expect(klaviyo.sent.map((r) => r.at)).toEqual([0, 250]); // the call's own backoff: 0.5 × 500 ms
    expect(limiters.outage('bulk_create_events')).toBeUndefined();
    expect(time.sleeps).toEqual([250]);
  });

  it('when a lone call meets an outage, then it still makes at most maxAttempts requests and gives up with KlaviyoUnreachableError naming since when', async () => {
    const { time, klaviyo, bulkCreate } = setup();
    klaviyo.answer('network');
    const call = bulkCreate();
    const failure = call.catch((error: unknown) => error);
    await time.advance(10_000);
    const error = await failure;
    expect(error).toBeInstanceOf(KlaviyoUnreachableError);
    expect(error).toBeInstanceOf(KlaviyoTransientError);
    expect(error).toMatchObject({ code: 'network', limitClass: 'bulk_create_events', unreachableSince: new Date(time.clock().getTime() - time.elapsed()) });
    expect((error as Error).message).toMatch(/unreachable since 2026-07-20T12:00:00.000Z/);
    expect(klaviyo.sent).toHaveLength(4);
  });

  it('when the caller of the probe cancels it, then the next waiting caller probes in its place, at once', async () => {
    const ctx = setup({ client: { retry: { maxAttempts: 2 } } });
    const { time, klaviyo, limiters, bulkCreate } = ctx;
    await openOutage(ctx);

    // Two callers wait for the probe; the first one's request hangs until its caller cancels it.
    klaviyo.answer('hang');
    const job = new AbortController();
    const first = bulkCreate(job.signal).catch((reason: unknown) => reason);
    const second = bulkCreate();
    await time.advance(500);
    expect(klaviyo.sent.map((r) => r.at)).toEqual([0, 250, 750]);
    expect(limiters.stats()['bulk_create_events']?.queued).toBe(1);

    klaviyo.answer({ status: 202 });
    job.abort(new Error('job cancelled'));
    expect(await first).toMatchObject({ message: 'job cancelled' });
    await time.flush();
    await expect(second).resolves.toMatchObject({ status: 202 });
    expect(klaviyo.sent.map((r) => r.at)).toEqual([0, 250, 750, 750]);
    expect(limiters.outage('bulk_create_events')).toBeUndefined();
  });
});

describe('the sync worker during an outage', () => {
  const item = (id: string, attempts: number): OutboxItem => ({ id, kind: 'event', payload: {}, mergeKey: undefined, attempts, createdAt: new Date(0), sizeBytes: 2 });
  const ctx: OutcomeContext = { now: () => new Date('2026-07-20T12:00:00Z'), random: () => 0.5, backoff: { baseDelayMs: 1_000, maxDelayMs: 300_000 } };

  it('when a batch call is given up during its class outage, then its items go back at once without spending an attempt', async () => {
    const error = new KlaviyoUnreachableError({ status: 503, code: 'http_503', message: 'Klaviyo answered 503', retryable: true, limitClass: 'bulk_create_events', unreachableSince: new Date(0) });
    const result = await sendBatch({ entries: [item('1', 0), item('2', 7)], itemsOf: (i) => [i], send: () => Promise.reject(error), rejected: () => new Map() }, ctx);
    expect(result.outcomes).toEqual([
      expect.objectContaining({ id: '1', status: 'retry', retryAt: ctx.now(), countAttempt: false }),
      expect.objectContaining({ id: '2', status: 'retry', retryAt: ctx.now(), countAttempt: false }),
    ]);
    expect(result.authFailed).toBe(false);
  });

  it('when a batch call fails for good on a 5xx outside an outage, then its items back off and spend an attempt, as before', async () => {
    const error = new KlaviyoTransientError({ status: 503, code: 'http_503', message: 'Klaviyo answered 503', retryable: true, limitClass: 'bulk_create_events' });
    const result = await sendBatch({ entries: [item('1', 2)], itemsOf: (i) => [i], send: () => Promise.reject(error), rejected: () => new Map() }, ctx);
    expect(result.outcomes).toEqual([expect.objectContaining({ id: '1', status: 'retry', retryAt: new Date(ctx.now().getTime() + 2_000), countAttempt: true })]);
  });
});
