import type { ForwardTarget } from '../../src/config.js';
import type { ForwardStore } from '../../src/store/webhook-forwards.js';
import type { WebhookEventHandler } from './dispatcher.js';
import { systemClock } from '../../src/lib/clock.js';

/** Does `target` want events of `topic`? An empty filter means every topic. */
export function targetWants(target: ForwardTarget, topic: string): boolean {
  return target.topics.length === 0 || target.topics.includes(topic);
}

/**
 * The built-in dispatcher handler: one persisted forward delivery per (event, subscriber whose
 * filter matches). Enqueueing is idempotent, so a re-dispatch after a crash creates nothing twice.
 */
export function createForwardHandler(options: {
  forwards: ForwardStore;
  targets: ForwardTarget[];
  clock?: () => Date;
  /** Wakes the forward worker when deliveries were created. */
  onEnqueued?: () => void;
}): WebhookEventHandler {
  const clock = options.clock ?? systemClock;
  return {
    name: 'forwarder',
    async handle(events) {
      const pairs = events.flatMap((event) =>
        options.targets.filter((t) => targetWants(t, event.topic)).map((t) => ({ eventSeq: event.seq, targetUrl: t.url })),
      );
      const created = await options.forwards.enqueue(pairs, clock());
      if (created > 0) options.onEnqueued?.();
    },
  };
}
