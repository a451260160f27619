import type { Logger } from '../../src/lib/logger.js';
import type { InboxEvent, InboxStore } from '../../src/store/webhook-inbox.js';
import { createWakeableLoop, type WakeableLoop } from '../../src/lib/wake.js';
import { systemClock } from '../../src/lib/clock.js';

/** Receives newly stored events; called at least once per event, so it must be idempotent. */
export interface WebhookEventHandler {
  name: string;
  handle(events: InboxEvent[]): Promise<void>;
}

export interface WebhookDispatcherOptions {
  inbox: InboxStore;
  handlers: WebhookEventHandler[];
  logger: Logger;
  clock?: () => Date;
  /** Events handed over per round. */
  batchSize?: number;
  /** Safety poll when nobody wakes the dispatcher, in milliseconds. */
  pollIntervalMs?: number;
  /** Pause after a handler failed, in milliseconds. */
  failureBackoffMs?: number;
  /**
   * Least time between two rounds that were not full, in milliseconds: under load, deliveries
   * arriving meanwhile are dispatched together, so marking them costs one commit, not one each.
   */
  minRoundIntervalMs?: number;
}

/**
 * Hands stored events to every handler, oldest first, off the request path. An event is
 * marked dispatched only after every handler accepted it, so events stored before a crash or
 * restart are picked up on the next start: the inbox, not memory, is the queue.
 */
export function createWebhookDispatcher(options: WebhookDispatcherOptions): WakeableLoop & { dispatchOnce(): Promise<number> } {
  const clock = options.clock ?? systemClock;
  const batchSize = options.batchSize ?? 500;
  const log = options.logger.child({ component: 'webhook-dispatcher' });

  async function dispatchOnce(): Promise<number> {
    const events = await options.inbox.listUndispatched(batchSize);
    if (events.length === 0) return 0;
    for (const handler of options.handlers) await handler.handle(events);
    await options.inbox.markDispatched(events.map((e) => e.seq), clock());
    return events.length;
  }

  let backoffUntil = 0;
  let nextRoundAt = 0;
  const loop = createWakeableLoop({
    pollIntervalMs: options.pollIntervalMs ?? 1000,
    async round() {
      // A wake-up during a failure backoff must not turn it into a tight retry loop.
      // Real time, not the injected clock: these pauses are served by real timers.
      const wait = Math.max(backoffUntil, nextRoundAt) - Date.now();
      if (wait > 0) return wait;
      try {
        const handed = await dispatchOnce();
        // A full batch means more may be waiting: go again at once.
        if (handed === batchSize) return 0;
        nextRoundAt = Date.now() + (options.minRoundIntervalMs ?? 50);
        return undefined;
      } catch (error) {
        log.error({ err: error }, 'a webhook event handler failed; the events stay undispatched and are retried');
        const backoffMs = options.failureBackoffMs ?? 5000;
        backoffUntil = Date.now() + backoffMs;
        return backoffMs;
      }
    },
  });
  return { ...loop, dispatchOnce };
}
