import Bottleneck from 'bottleneck';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { abortableSleep } from '../../src/lib/abortable.js';
import { createConcurrencyCap, createPlanRateLimiter } from '../../services/mavera/limiters.js';
import { createMaveraClient, MaveraClientStoppedError } from '../../services/mavera/index.js';
import { API_KEY, buildFocusGroupDescription } from './builders.js';

/** Every wait below runs on vitest's fake timers: Bottleneck, the unit returns and the 429 pause alike. */
beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

const planLimiter = (requestsPerMinute: number) => createPlanRateLimiter({ requestsPerMinute, clock: () => new Date(), sleep: abortableSleep });

/** Bottleneck hands out places through 1 ms timers (about 2 ms per job): let those run. */
const flush = () => vi.advanceTimersByTimeAsync(50);
/** Start times rounded down to the second, which absorbs those few milliseconds. */
const seconds = (times: number[]) => times.map((t) => Math.floor(t / 1000) * 1000);
/** Settles with the outcome, so a rejection is handled the moment it happens. */
const outcome = <T>(promise: Promise<T>) => promise.then((value) => ({ value }), (error: unknown) => ({ error }));

/** Starts `work` through `limiter`, recording the fake time at which it began. */
function startTimes(run: (work: () => Promise<void>) => Promise<void>, count: number) {
  const startedAt: number[] = [];
  const done = Array.from({ length: count }, () => run(async () => void startedAt.push(Date.now())));
  return { startedAt, done };
}

/** The most starts in any window [t, t + 60 s) that begins at a start. */
const busiestMinute = (startedAt: number[]) => Math.max(...startedAt.map((t) => startedAt.filter((s) => s >= t && s < t + 60_000).length));

describe('per-minute plan budget (Bottleneck reservoir, each unit back 60 s after its request ended)', () => {
  it('when the plan budget is used up, then the next request waits until the oldest leaves the 60 s window', async () => {
    const limiter = planLimiter(3);
    const { startedAt, done } = startTimes((work) => limiter.run(undefined, work), 7);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(seconds(startedAt)).toEqual([0, 0, 0]);
    await vi.advanceTimersByTimeAsync(60_001 + 60_000 + 50);
    await Promise.all(done);
    expect(seconds(startedAt)).toEqual([0, 0, 0, 60_000, 60_000, 60_000, 120_000]);
    limiter.stop();
  });

  it('when a request takes long, then its unit comes back a full window after its answer, not after its start', async () => {
    const limiter = planLimiter(1);
    const slow = limiter.run(undefined, () => new Promise<void>((resolve) => setTimeout(resolve, 30_000)));
    const next = startTimes((work) => limiter.run(undefined, work), 1);
    await vi.advanceTimersByTimeAsync(89_000);
    expect(next.startedAt).toEqual([]);
    await vi.advanceTimersByTimeAsync(2_000);
    await Promise.all([slow, ...next.done]);
    expect(seconds(next.startedAt)).toEqual([90_000]);
    limiter.stop();
  });

  it('when requests are spread out, then no 60 s span ever holds more than the budget, and all are served', async () => {
    const limiter = planLimiter(5);
    const startedAt: number[] = [];
    const done: Array<Promise<void>> = [];
    for (let i = 0; i < 40; i += 1) {
      await vi.advanceTimersByTimeAsync(i % 3 === 0 ? 7_000 : 1_000);
      done.push(limiter.run(undefined, async () => void startedAt.push(Date.now())));
    }
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    await Promise.all(done);
    expect(startedAt).toHaveLength(40);
    expect(busiestMinute(startedAt)).toBe(5);
    limiter.stop();
  });

  it("when Bottleneck's fixed reservoir refresh is used instead, then a minute across a refresh holds twice the budget (why the units come back one by one)", async () => {
    const fixed = new Bottleneck({ reservoir: 5, reservoirRefreshAmount: 5, reservoirRefreshInterval: 60_000 });
    const startedAt: number[] = [];
    await vi.advanceTimersByTimeAsync(55_000);
    const done = Array.from({ length: 10 }, () => fixed.schedule(async () => void startedAt.push(Date.now())));
    await vi.advanceTimersByTimeAsync(10_000);
    await Promise.all(done);
    expect(busiestMinute(startedAt)).toBe(10);
    await fixed.stop();
  });

  it('when paused after a 429, then nobody starts before the pause ends, queued or newly arriving', async () => {
    const limiter = planLimiter(100);
    limiter.pauseUntil(30_000);
    const { startedAt, done } = startTimes((work) => limiter.run(undefined, work), 3);
    await vi.advanceTimersByTimeAsync(29_999);
    expect(startedAt).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(startedAt).toEqual([30_000, 30_000, 30_000]);
    await flush();
    await Promise.all(done);
    limiter.stop();
  });

  it('when the caller aborts while waiting, then it rejects at once with the abort reason, never runs, and its unit is not lost', async () => {
    const limiter = planLimiter(1);
    const first = limiter.run(undefined, async () => 'first');
    await flush();
    const controller = new AbortController();
    const abandoned = vi.fn(async () => 'abandoned');
    const waiting = limiter.run(controller.signal, abandoned);
    const third = startTimes((work) => limiter.run(undefined, work), 1);
    controller.abort(new Error('run cancelled'));
    await expect(waiting).rejects.toThrow('run cancelled');
    await expect(first).resolves.toBe('first');
    await vi.advanceTimersByTimeAsync(60_000);
    await Promise.all(third.done);
    expect(abandoned).not.toHaveBeenCalled();
    // The aborted entry handed its unit straight on: the third request did not wait a second minute.
    expect(seconds(third.startedAt)).toEqual([60_000]);
    limiter.stop();
  });

  it('when stopped, then waiting calls and later ones reject as stopped and no timer is left behind', async () => {
    const limiter = planLimiter(1);
    const first = outcome(limiter.run(undefined, async () => 'first'));
    await flush();
    expect(await first).toEqual({ value: 'first' });
    const waiting = outcome(limiter.run(undefined, async () => 'never'));
    await flush();
    limiter.stop();
    const late = outcome(limiter.run(undefined, async () => 'late'));
    await flush();
    expect(await waiting).toEqual({ error: expect.any(MaveraClientStoppedError) });
    expect(await late).toEqual({ error: expect.any(MaveraClientStoppedError) });
    // The first request's unit would have come back at 60 s: that timer is gone, and Bottleneck keeps none.
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('concurrency cap (Bottleneck maxConcurrent)', () => {
  /** Work that stays in flight until released, counting how many run at once. */
  function gatedWork() {
    let inFlight = 0;
    let peak = 0;
    const gates: Array<() => void> = [];
    const order: number[] = [];
    const work = (n: number) => async () => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      order.push(n);
      await new Promise<void>((resolve) => gates.push(resolve));
      inFlight -= 1;
    };
    return { work, gates, order, get inFlight() { return inFlight; }, get peak() { return peak; } };
  }

  it('when more callers than slots arrive, then they are served in order as slots free up, never more at once', async () => {
    const cap = createConcurrencyCap('test', 2);
    const g = gatedWork();
    const done = [1, 2, 3, 4].map((n) => cap.run(undefined, g.work(n)));
    await flush();
    expect(g.order).toEqual([1, 2]);
    g.gates.shift()?.();
    await flush();
    expect(g.order).toEqual([1, 2, 3]);
    expect(g.inFlight).toBe(2);
    while (g.gates.length > 0 || g.order.length < 4) {
      g.gates.shift()?.();
      await flush();
    }
    g.gates.splice(0).forEach((open) => open());
    await flush();
    await Promise.all(done);
    expect(g.order).toEqual([1, 2, 3, 4]);
    expect(g.peak).toBe(2);
    cap.stop();
  });

  it('when a waiter aborts, then it rejects at once, never runs, and the slot goes to the next one', async () => {
    const cap = createConcurrencyCap('test', 1);
    const g = gatedWork();
    const holder = cap.run(undefined, g.work(1));
    const controller = new AbortController();
    const abandoned = cap.run(controller.signal, g.work(2));
    const next = cap.run(undefined, g.work(3));
    await flush();
    controller.abort(new Error('cancelled'));
    await expect(abandoned).rejects.toThrow('cancelled');
    g.gates.shift()?.();
    await flush();
    expect(g.order).toEqual([1, 3]);
    g.gates.shift()?.();
    await flush();
    await Promise.all([holder, next]);
    cap.stop();
  });

  it('when a cap is not a positive integer, then it is refused', () => {
    expect(() => createConcurrencyCap('test', 0)).toThrow(RangeError);
    expect(() => planLimiter(2.5)).toThrow(RangeError);
  });
});

describe('the client applies the caps (fake fetch, fake timers)', () => {
  const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

  /** A fetch double that answers after `latencyMs` (fake time) and counts requests in flight per path prefix. */
  function slowFetch(latencyMs: number, answer: (url: URL, method: string) => unknown) {
    const inFlight = new Map<string, number>();
    const peak = new Map<string, number>();
    const startedAt: number[] = [];
    const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
      const url = new URL(String(input));
      const key = `${init?.method ?? 'GET'} ${url.pathname.split('/').slice(3, 5).join('/')}`;
      startedAt.push(Date.now());
      inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
      peak.set(key, Math.max(peak.get(key) ?? 0, inFlight.get(key) ?? 0));
      try {
        await abortableSleep(latencyMs, init?.signal ?? undefined);
        return json(answer(url, init?.method ?? 'GET'));
      } finally {
        inFlight.set(key, (inFlight.get(key) ?? 0) - 1);
      }
    }) as typeof fetch;
    return { fetch: fetchImpl, peak: (key: string) => peak.get(key) ?? 0, startedAt };
  }

  const client = (fetchImpl: typeof fetch, overrides: Partial<Parameters<typeof createMaveraClient>[0]> = {}) =>
    createMaveraClient({ apiKey: API_KEY, baseUrl: 'https://mavera.invalid/api/v1', workspaceId: 'ws_1', requestsPerMinute: 10_000, fetch: fetchImpl, retry: { maxAttempts: 1 }, ...overrides });

  const MAVE_ANSWER = { id: 'msg_1', object: 'mave_message', thread_id: 'th_1', role: 'assistant', content: 'ok', sources: [], usage: { credits_used: 10 } };

  it('when 20 Mave calls are made at once, then never more than 10 are in flight, and all succeed', async () => {
    const stub = slowFetch(1_000, () => MAVE_ANSWER);
    const mavera = client(stub.fetch);
    const calls = Promise.all(Array.from({ length: 20 }, (_, i) => mavera.maveChat({ message: `q${i}` })));
    await vi.advanceTimersByTimeAsync(5_000);
    await expect(calls).resolves.toHaveLength(20);
    expect(stub.peak('POST mave/chat')).toBe(10);
    mavera.stop();
  });

  it('when the Mave cap is lowered to 3, then 3 is the most in flight', async () => {
    const stub = slowFetch(1_000, () => MAVE_ANSWER);
    const mavera = client(stub.fetch, { concurrency: { mave: 3 } });
    const calls = Promise.all(Array.from({ length: 7 }, (_, i) => mavera.maveChat({ message: `q${i}` })));
    await vi.advanceTimersByTimeAsync(5_000);
    await calls;
    expect(stub.peak('POST mave/chat')).toBe(3);
    mavera.stop();
  });

  it('when 12 focus groups run at once, then never more than 5 are generating (create to last poll), and all complete', async () => {
    const polls = new Map<string, number>();
    let created = 0;
    let generating = 0;
    let peakGenerating = 0;
    const stub = slowFetch(100, (url, method) => {
      if (method === 'POST') {
        created += 1;
        generating += 1;
        peakGenerating = Math.max(peakGenerating, generating);
        return { id: `fg_${created}`, status: 'PENDING', usage: { credits_used: 50 } };
      }
      const id = url.pathname.split('/').pop() as string;
      const seen = (polls.get(id) ?? 0) + 1;
      polls.set(id, seen);
      if (seen < 3) return { id, status: 'PROCESSING' };
      generating -= 1;
      return { id, status: 'COMPLETED', results: { questions: [], respondents: [] } };
    });
    const mavera = client(stub.fetch, { focusGroupPolling: { initialIntervalMs: 500, maxIntervalMs: 500, timeoutMs: 60_000 } });
    const runs = Promise.all(Array.from({ length: 12 }, (_, i) => mavera.runFocusGroup(buildFocusGroupDescription({ name: `group ${i}` }))));
    await vi.advanceTimersByTimeAsync(60_000);
    const finished = await runs;
    expect(finished.every((run) => run.status === 'COMPLETED')).toBe(true);
    expect(created).toBe(12);
    expect(peakGenerating).toBe(5);
    mavera.stop();
  });

  it('when the plan allows 4 requests a minute, then 4 go at once, the rest wait for the window, and none is dropped', async () => {
    const stub = slowFetch(10, () => ({ object: 'usage', credits: { used: 1, included: 10, remaining: 9 } }));
    const mavera = client(stub.fetch, { requestsPerMinute: 4 });
    const calls = Promise.all(Array.from({ length: 10 }, () => mavera.getUsage()));
    await vi.advanceTimersByTimeAsync(59_999);
    expect(seconds(stub.startedAt)).toEqual([0, 0, 0, 0]);
    await vi.advanceTimersByTimeAsync(60_000 + 1_000);
    await expect(calls).resolves.toHaveLength(10);
    expect(seconds(stub.startedAt)).toEqual([0, 0, 0, 0, 60_000, 60_000, 60_000, 60_000, 120_000, 120_000]);
    mavera.stop();
  });

  it('when the client is stopped, then calls waiting for a slot reject as stopped instead of hanging', async () => {
    const stub = slowFetch(1_000, () => MAVE_ANSWER);
    const mavera = client(stub.fetch, { concurrency: { mave: 1 } });
    const first = outcome(mavera.maveChat({ message: 'on the wire' }));
    const queued = outcome(mavera.maveChat({ message: 'waiting' }));
    await flush();
    mavera.stop();
    await flush();
    expect(await queued).toEqual({ error: expect.any(MaveraClientStoppedError) });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await first).toMatchObject({ value: { thread_id: 'th_1' } });
    const late = outcome(mavera.getUsage());
    await flush();
    expect(await late).toMatchObject({ error: { code: 'mavera_client_stopped' } });
  });
});
