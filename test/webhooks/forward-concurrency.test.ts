import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/lib/logger.js';
import { createMetrics } from '../../src/lib/metrics.js';
import type { ClaimedForward, ForwardOutcome, ForwardStore } from '../../src/store/webhook-forwards.js';
import { createForwardWorker, type ForwardWorkerOptions } from '../../services/webhooks/forward-worker.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const FAST = 'https://fast.invalid/hook';
const SLOW = 'https://slow.invalid/hook?token=secret';

/** An in-memory ForwardStore: `claimDue` hands out what is due (once), `record` remembers outcomes. */
function memoryForwards(targets: string[]) {
  const pending: ClaimedForward[] = targets.map((targetUrl, i) => ({
    id: i + 1,
    eventSeq: i + 1,
    eventExternalId: `evt_${i + 1}`,
    topic: 'event:klaviyo.opened_email',
    targetUrl,
    state: 'pending',
    attempts: 0,
    nextAttemptAt: new Date(0),
    lastStatus: undefined,
    lastError: undefined,
    createdAt: new Date(0),
    deliveredAt: undefined,
    payload: { n: i + 1 },
    klaviyoAccountId: 'ACC',
    klaviyoWebhookId: 'WH',
    receivedAt: new Date(0),
  }));
  const recorded = new Map<number, ForwardOutcome>();
  const claims: Array<{ limit: number; leaseMs: number }> = [];
  const store: ForwardStore = {
    enqueue: async () => 0,
    async claimDue(_now, limit, leaseMs) {
      claims.push({ limit, leaseMs });
      return pending.splice(0, limit);
    },
    async record(id, outcome) {
      recorded.set(id, outcome);
    },
    listDead: async () => [],
    replayDead: async () => 0,
    counts: async () => ({ pending: pending.length, delivered: [...recorded.values()].filter((o) => o.kind === 'delivered').length, dead: 0 }),
    nextDueAt: async () => undefined,
  };
  return { store, recorded, claims };
}

/**
 * A subscriber double per URL: each request stays open until released (`release(url)`), or answers
 * after `autoMs`. Counts requests in flight per destination and in total.
 */
function subscribers(autoMs: Record<string, number | undefined> = {}) {
  const inFlight = new Map<string, number>();
  const peak = new Map<string, number>();
  const gates = new Map<string, Array<() => void>>();
  let total = 0;
  let peakTotal = 0;
  const received: string[] = [];
  const fetchImpl = (async (input: string | URL | Request) => {
    const url = String(input);
    inFlight.set(url, (inFlight.get(url) ?? 0) + 1);
    peak.set(url, Math.max(peak.get(url) ?? 0, inFlight.get(url) ?? 0));
    total += 1;
    peakTotal = Math.max(peakTotal, total);
    try {
      const ms = autoMs[url];
      await new Promise<void>((resolve) => {
        if (ms !== undefined) setTimeout(resolve, ms);
        else gates.set(url, [...(gates.get(url) ?? []), resolve]);
      });
      received.push(url);
      return new Response(null, { status: 204 });
    } finally {
      inFlight.set(url, (inFlight.get(url) ?? 0) - 1);
      total -= 1;
    }
  }) as typeof fetch;
  return {
    fetch: fetchImpl,
    received,
    peak: (url: string) => peak.get(url) ?? 0,
    inFlight: (url: string) => inFlight.get(url) ?? 0,
    get peakTotal() {
      return peakTotal;
    },
    /** Answers every request to `url` that is waiting now. */
    release(url: string) {
      const waiting = gates.get(url) ?? [];
      gates.set(url, []);
      for (const open of waiting) open();
    },
  };
}

const workers: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
});

function worker(store: ForwardStore, fetchImpl: typeof fetch, overrides: Partial<ForwardWorkerOptions> = {}) {
  const built = createForwardWorker({ forwards: store, secret: SECRET, logger: createLogger({ level: 'silent' }), metrics: createMetrics(), fetch: fetchImpl, random: () => 0.5, pollIntervalMs: 60_000, ...overrides });
  workers.push(built);
  return built;
}

describe('forward concurrency per destination (Bottleneck per target URL, chained to the worker-wide one)', () => {
  it('when 20 deliveries go to one destination, then never more than its cap (3) are in flight, and all are delivered', async () => {
    const { store, recorded } = memoryForwards(Array.from({ length: 20 }, () => FAST));
    const subs = subscribers({ [FAST]: 20 });
    await expect(worker(store, subs.fetch, { perDestinationConcurrency: 3 }).forwardOnce()).resolves.toBe(20);
    expect(subs.peak(FAST)).toBe(3);
    expect([...recorded.values()].every((o) => o.kind === 'delivered')).toBe(true);
    expect(recorded.size).toBe(20);
  });

  it('when nothing is configured, then a destination gets at most 4 at once', async () => {
    const { store } = memoryForwards(Array.from({ length: 20 }, () => FAST));
    const subs = subscribers({ [FAST]: 20 });
    await worker(store, subs.fetch).forwardOnce();
    expect(subs.peak(FAST)).toBe(4);
  });

  it('when one destination hangs, then it holds only its own slots and another destination is served meanwhile', async () => {
    // The slow subscriber's deliveries come first in the claim: without a per-destination cap they
    // would take every one of the 8 worker slots.
    const { store, recorded } = memoryForwards([...Array.from({ length: 12 }, () => SLOW), ...Array.from({ length: 6 }, () => FAST)]);
    const subs = subscribers({ [FAST]: 5 });
    const round = worker(store, subs.fetch).forwardOnce();
    await vi.waitFor(() => expect(subs.received.filter((u) => u === FAST)).toHaveLength(6), { timeout: 5_000, interval: 10 });
    expect(subs.received).not.toContain(SLOW);
    expect(subs.inFlight(SLOW)).toBe(4);
    expect([...recorded.keys()].sort((a, b) => a - b)).toEqual([13, 14, 15, 16, 17, 18]);
    while (recorded.size < 18) {
      subs.release(SLOW);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await expect(round).resolves.toBe(18);
    expect(subs.peak(SLOW)).toBe(4);
    expect(subs.peakTotal).toBeLessThanOrEqual(8);
  });

  it('when many destinations are busy, then the worker-wide cap still bounds the total in flight', async () => {
    const urls = ['a', 'b', 'c', 'd'].map((h) => `https://${h}.invalid/hook`);
    const { store } = memoryForwards(urls.flatMap((u) => Array.from({ length: 6 }, () => u)));
    const subs = subscribers(Object.fromEntries(urls.map((u) => [u, 20])));
    await expect(worker(store, subs.fetch, { concurrency: 6, perDestinationConcurrency: 4 }).forwardOnce()).resolves.toBe(24);
    expect(subs.peakTotal).toBe(6);
    for (const u of urls) expect(subs.peak(u)).toBeLessThanOrEqual(4);
  });

  it('when a batch may queue behind one destination, then its claim lease covers every wave of attempts', async () => {
    const { store, claims } = memoryForwards([]);
    await worker(store, subscribers().fetch, { concurrency: 8, perDestinationConcurrency: 4, timeoutMs: 10_000 }).forwardOnce();
    // 32 claimed, 4 at a time to one destination: 8 waves of at most 10 s each, plus 30 s of slack.
    expect(claims).toEqual([{ limit: 32, leaseMs: 8 * 10_000 + 30_000 }]);
  });

  it('when a cap is not a positive integer, then the worker refuses it', () => {
    const { store } = memoryForwards([]);
    expect(() => worker(store, subscribers().fetch, { perDestinationConcurrency: 0 })).toThrow(RangeError);
  });

  it('when the worker stops mid-round, then deliveries on the wire finish, the waiting ones are left unsent (still leased), and stop returns', async () => {
    const { store, recorded } = memoryForwards(Array.from({ length: 10 }, () => SLOW));
    const subs = subscribers();
    const forwarder = worker(store, subs.fetch);
    forwarder.start();
    await vi.waitFor(() => expect(subs.inFlight(SLOW)).toBe(4), { timeout: 5_000, interval: 10 });
    const stopped = forwarder.stop();
    await new Promise((resolve) => setTimeout(resolve, 20));
    subs.release(SLOW);
    await stopped;
    expect(recorded.size).toBe(4);
    expect(subs.received).toHaveLength(4);
    expect(subs.peak(SLOW)).toBe(4);
  });
});
