import Bottleneck from 'bottleneck';
import type { Logger } from '../../src/lib/logger.js';
import type { Metrics } from '../../src/lib/metrics.js';
import type { ClaimedForward, ForwardOutcome, ForwardStore } from '../../src/store/webhook-forwards.js';
import { parseRetryAfterMs } from '../../src/lib/backoff.js';
import { DEFAULT_FORWARD_RETRY_POLICY, forwardRetryDelayMs, type ForwardRetryPolicy } from './forward-backoff.js';
import { signStandardWebhook, standardWebhooksKey } from './standard-webhooks-signing.js';
import { createWakeableLoop, type WakeableLoop } from '../../src/lib/wake.js';
import { systemClock } from '../../src/lib/clock.js';

export interface ForwardWorkerOptions {
  forwards: ForwardStore;
  /** WEBHOOK_FORWARD_SECRET (`whsec_<base64>` or a raw string). */
  secret: string;
  logger: Logger;
  metrics: Metrics;
  fetch?: typeof fetch;
  clock?: () => Date;
  /** Source of jitter in [0, 1). */
  random?: () => number;
  policy?: ForwardRetryPolicy;
  /** Per-attempt timeout, in milliseconds. */
  timeoutMs?: number;
  /** Deliveries in flight at once, all destinations together (default 8). */
  concurrency?: number;
  /**
   * Deliveries in flight at once to one destination (target URL), default 4: a slow or hanging
   * subscriber holds at most this many of the `concurrency` slots, so the others keep being served.
   */
  perDestinationConcurrency?: number;
  /** Longest sleep between rounds, in milliseconds. */
  pollIntervalMs?: number;
}

/** The body a subscriber receives: Standard Webhooks' recommended `{type, timestamp, data}`. */
export function forwardBody(delivery: ClaimedForward): string {
  return JSON.stringify({
    type: delivery.topic,
    timestamp: delivery.receivedAt.toISOString(),
    data: {
      id: delivery.eventExternalId,
      topic: delivery.topic,
      klaviyo_account_id: delivery.klaviyoAccountId ?? null,
      klaviyo_webhook_id: delivery.klaviyoWebhookId,
      received_at: delivery.receivedAt.toISOString(),
      payload: delivery.payload,
    },
  });
}

interface ForwardLimits {
  /** Runs `work` once both the destination's and the worker's limiter let it (FIFO per destination). */
  schedule<T>(targetUrl: string, work: () => Promise<T>): Promise<T>;
  /** Forgets destinations with nothing queued or running. */
  prune(): void;
  /** Drops everything not yet started (it rejects with a BottleneckError); resolves once the running ones end. */
  stop(): Promise<void>;
  readonly stopped: boolean;
}

const isIdle = (limiter: Bottleneck) => {
  const counts = limiter.counts();
  return counts.RECEIVED + counts.QUEUED + counts.RUNNING + counts.EXECUTING === 0;
};

/**
 * One Bottleneck per destination (`maxConcurrent` = perDestination), each chained to one Bottleneck
 * for the worker (`maxConcurrent` = concurrency). A delivery holds its destination's slot while it
 * waits for a worker slot, so one destination never has more than `perDestination` of them. None of
 * these limiters has a reservoir, so none runs a timer; a Map (not Bottleneck.Group, whose idle sweep
 * is a setInterval that cannot be cleared) keeps them, pruned after every round. The limiter ids
 * name no URL: a target URL may carry credentials in its query.
 */
function createForwardLimits(concurrency: number, perDestination: number): ForwardLimits {
  const all = new Bottleneck({ id: 'webhook-forward', maxConcurrent: concurrency });
  const byDestination = new Map<string, Bottleneck>();
  let stopped = false;
  return {
    get stopped() {
      return stopped;
    },
    schedule(targetUrl, work) {
      let limiter = byDestination.get(targetUrl);
      if (!limiter) {
        limiter = new Bottleneck({ id: 'webhook-forward-destination', maxConcurrent: perDestination }).chain(all);
        byDestination.set(targetUrl, limiter);
      }
      return limiter.schedule(work);
    },
    prune() {
      for (const [url, limiter] of byDestination) if (isIdle(limiter)) byDestination.delete(url);
    },
    async stop() {
      stopped = true;
      const limiters = [...byDestination.values(), all];
      byDestination.clear();
      await Promise.all(limiters.map((limiter) => limiter.stop({ dropWaitingJobs: true })));
    },
  };
}

function positiveInteger(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${what} must be a positive integer, got ${value}`);
  return value;
}

/**
 * Sends due forward deliveries, signed under WEBHOOK_FORWARD_SECRET; a non-2xx answer, a network
 * error or a timeout is retried with jittered exponential backoff until the policy's bound, then
 * dead-lettered (docs/webhooks.md). Nothing here touches the answer already given to Klaviyo.
 */
export function createForwardWorker(options: ForwardWorkerOptions): WakeableLoop & { forwardOnce(): Promise<number> } {
  const key = standardWebhooksKey(options.secret);
  const send = options.fetch ?? fetch;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const policy = options.policy ?? DEFAULT_FORWARD_RETRY_POLICY;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const concurrency = positiveInteger(options.concurrency ?? 8, 'forward concurrency');
  const perDestination = positiveInteger(options.perDestinationConcurrency ?? 4, 'forward concurrency per destination');
  const pollIntervalMs = options.pollIntervalMs ?? 5000;
  const batchSize = concurrency * 4;
  // A claim must outlive its round: in the worst case the whole batch is for one destination and
  // goes through its slots in waves, each bounded by the attempt timeout.
  const leaseMs = Math.ceil(batchSize / Math.min(perDestination, concurrency)) * timeoutMs + 30_000;
  const log = options.logger.child({ component: 'webhook-forwarder' });
  let limits = createForwardLimits(concurrency, perDestination);

  async function attempt(delivery: ClaimedForward): Promise<ForwardOutcome> {
    const body = forwardBody(delivery);
    let status: number | undefined;
    let error: string;
    let retryAfterMs: number | undefined;
    try {
      const headers = signStandardWebhook({ key, messageId: delivery.eventExternalId, timestamp: clock(), body });
      const res = await send(delivery.targetUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'klaviyo-bridge-forwarder', ...headers },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.body?.cancel().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return { kind: 'delivered', status: res.status };
      status = res.status;
      error = `HTTP ${res.status}`;
      retryAfterMs = parseRetryAfterMs(res.headers.get('retry-after'), clock().getTime());
    } catch (cause) {
      error = describeNetworkError(cause);
    }
    const failed = delivery.attempts + 1;
    if (failed >= policy.maxAttempts) return { kind: 'dead', status, error: `${error} (after ${failed} attempts)` };
    const delay = forwardRetryDelayMs(policy, failed, random, retryAfterMs);
    return { kind: 'retry', status, error, nextAttemptAt: new Date(clock().getTime() + delay) };
  }

  async function deliver(delivery: ClaimedForward): Promise<void> {
    const outcome = await attempt(delivery);
    await options.forwards.record(delivery.id, outcome, clock());
    options.metrics.webhookForwards.inc({ result: outcome.kind });
    // The URL may carry credentials in its query: log the delivery id only.
    if (outcome.kind !== 'delivered') log.warn({ delivery: delivery.id, outcome: outcome.kind, status: outcome.status, error: outcome.error }, 'webhook forward failed');
  }

  async function forwardOnce(): Promise<number> {
    const round = limits;
    const claimed = await options.forwards.claimDue(clock(), batchSize, leaseMs);
    const settled = await Promise.allSettled(claimed.map((delivery) => round.schedule(delivery.targetUrl, () => deliver(delivery))));
    round.prune();
    // Deliveries dropped by stop() were never attempted: they stay leased and come due again.
    const failure = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected' && !(round.stopped && result.reason instanceof Bottleneck.BottleneckError));
    if (failure) throw failure.reason;
    return claimed.length;
  }

  const loop = createWakeableLoop({
    pollIntervalMs,
    async round() {
      try {
        const sent = await forwardOnce();
        if (sent === batchSize) return 0;
        const due = await options.forwards.nextDueAt();
        return due === undefined ? pollIntervalMs : Math.min(pollIntervalMs, Math.max(0, due.getTime() - clock().getTime()));
      } catch (error) {
        log.error({ err: error }, 'webhook forward round failed');
        return pollIntervalMs;
      }
    },
  });
  return {
    ...loop,
    forwardOnce,
    /**
     * Ends the loop without sending the rest of the round: deliveries still waiting for a slot are
     * dropped (they stay leased and are sent once the lease has passed), those on the wire finish.
     */
    async stop() {
      const finished = loop.stop();
      const stopping = limits;
      limits = createForwardLimits(concurrency, perDestination); // for a later start()
      await stopping.stop();
      await finished;
    },
  };
}

function describeNetworkError(cause: unknown): string {
  if (cause instanceof Error && cause.name === 'TimeoutError') return 'timed out';
  const code = (cause as { cause?: { code?: string } } | undefined)?.cause?.code;
  return code ?? (cause instanceof Error ? cause.message : 'network error');
}
