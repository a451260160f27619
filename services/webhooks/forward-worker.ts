import type { Logger } from '../../src/lib/logger.js';
import type { Metrics } from '../../src/lib/metrics.js';
import type { ClaimedForward, ForwardOutcome, ForwardStore } from '../../src/store/webhook-forwards.js';
import { DEFAULT_FORWARD_RETRY_POLICY, forwardRetryDelayMs, parseRetryAfterMs, type ForwardRetryPolicy } from './forward-backoff.js';
import { signStandardWebhook, standardWebhooksKey } from './standard-webhooks-signing.js';
import { createWakeableLoop, type WakeableLoop } from './wakeable-loop.js';

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
  /** Deliveries in flight at once. */
  concurrency?: number;
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

/**
 * Sends due forward deliveries, signed under WEBHOOK_FORWARD_SECRET; a non-2xx answer, a network
 * error or a timeout is retried with jittered exponential backoff until the policy's bound, then
 * dead-lettered (DESIGN §7). Nothing here touches the answer already given to Klaviyo.
 */
export function createForwardWorker(options: ForwardWorkerOptions): WakeableLoop & { forwardOnce(): Promise<number> } {
  const key = standardWebhooksKey(options.secret);
  const send = options.fetch ?? fetch;
  const clock = options.clock ?? (() => new Date());
  const random = options.random ?? Math.random;
  const policy = options.policy ?? DEFAULT_FORWARD_RETRY_POLICY;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const concurrency = options.concurrency ?? 8;
  const pollIntervalMs = options.pollIntervalMs ?? 5000;
  const log = options.logger.child({ component: 'webhook-forwarder' });

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
      retryAfterMs = parseRetryAfterMs(res.headers.get('retry-after'), clock());
    } catch (cause) {
      error = describeNetworkError(cause);
    }
    const failed = delivery.attempts + 1;
    if (failed >= policy.maxAttempts) return { kind: 'dead', status, error: `${error} (after ${failed} attempts)` };
    const delay = forwardRetryDelayMs(policy, failed, random, retryAfterMs);
    return { kind: 'retry', status, error, nextAttemptAt: new Date(clock().getTime() + delay) };
  }

  async function forwardOnce(): Promise<number> {
    const claimed = await options.forwards.claimDue(clock(), concurrency * 4, timeoutMs + 30_000);
    let next = 0;
    const lane = async () => {
      while (next < claimed.length) {
        const delivery = claimed[next++]!;
        const outcome = await attempt(delivery);
        await options.forwards.record(delivery.id, outcome, clock());
        options.metrics.webhookForwards.inc({ result: outcome.kind });
        // The URL may carry credentials in its query: log the delivery id only.
        if (outcome.kind !== 'delivered') log.warn({ delivery: delivery.id, outcome: outcome.kind, status: outcome.status, error: outcome.error }, 'webhook forward failed');
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, claimed.length) }, lane));
    return claimed.length;
  }

  const loop = createWakeableLoop({
    pollIntervalMs,
    async round() {
      try {
        const sent = await forwardOnce();
        if (sent === concurrency * 4) return 0;
        const due = await options.forwards.nextDueAt();
        return due === undefined ? pollIntervalMs : Math.min(pollIntervalMs, Math.max(0, due.getTime() - clock().getTime()));
      } catch (error) {
        log.error({ err: error }, 'webhook forward round failed');
        return pollIntervalMs;
      }
    },
  });
  return { ...loop, forwardOnce };
}

function describeNetworkError(cause: unknown): string {
  if (cause instanceof Error && cause.name === 'TimeoutError') return 'timed out';
  const code = (cause as { cause?: { code?: string } } | undefined)?.cause?.code;
  return code ?? (cause instanceof Error ? cause.message : 'network error');
}
