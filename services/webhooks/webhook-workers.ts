import type { ForwardTarget } from '../../src/config.js';
import type { Logger } from '../../src/lib/logger.js';
import type { Metrics } from '../../src/lib/metrics.js';
import type { Store } from '../../src/store/store.js';
import { createWebhookDispatcher, type WebhookEventHandler } from './dispatcher.js';
import { createForwardHandler } from './forward-handler.js';
import { createForwardWorker, type ForwardWorkerOptions } from './forward-worker.js';

export interface WebhookWorkers {
  start(): void;
  /** Stops both loops after their current round; call before the store closes. */
  stop(): Promise<void>;
  /** For the receiver: new events are in the inbox. */
  wakeDispatcher(): void;
  /** For the replay route: dead deliveries are pending again. */
  wakeForwarder(): void;
}

/**
 * The background side of the webhook path: the dispatcher, and (when WEBHOOK_FORWARD_URLS is set)
 * the forward handler and its delivery worker. Extra handlers can be passed for other consumers.
 */
export function createWebhookWorkers(options: {
  store: Store;
  logger: Logger;
  metrics: Metrics;
  forward: { targets: ForwardTarget[]; secret: string | undefined };
  handlers?: WebhookEventHandler[];
  clock?: () => Date;
  fetch?: typeof fetch;
  forwardWorker?: Partial<Omit<ForwardWorkerOptions, 'forwards' | 'secret' | 'logger' | 'metrics'>>;
  dispatcherPollIntervalMs?: number;
}): WebhookWorkers {
  const { store, forward } = options;
  const forwarder =
    forward.targets.length > 0 && forward.secret
      ? createForwardWorker({
          forwards: store.forwards,
          secret: forward.secret,
          logger: options.logger,
          metrics: options.metrics,
          clock: options.clock,
          fetch: options.fetch,
          ...options.forwardWorker,
        })
      : undefined;
  const handlers = [
    ...(forwarder
      ? [createForwardHandler({ forwards: store.forwards, targets: forward.targets, clock: options.clock, onEnqueued: () => forwarder.wake() })]
      : []),
    ...(options.handlers ?? []),
  ];
  const dispatcher = createWebhookDispatcher({
    inbox: store.inbox,
    handlers,
    logger: options.logger,
    clock: options.clock,
    pollIntervalMs: options.dispatcherPollIntervalMs,
  });
  return {
    start() {
      // Without handlers there is nobody to hand events to: they stay undispatched (and a forwarder
      // configured later receives that backlog once) instead of being read and marked for nothing.
      if (handlers.length > 0) dispatcher.start();
      forwarder?.start();
    },
    async stop() {
      await dispatcher.stop();
      await forwarder?.stop();
    },
    wakeDispatcher: () => dispatcher.wake(),
    wakeForwarder: () => forwarder?.wake(),
  };
}
