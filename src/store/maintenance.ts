import { systemClock, type Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Store } from './store.js';

const DAY_MS = 86_400_000;
/** How often maintenance runs unless told otherwise: hourly. */
export const DEFAULT_MAINTENANCE_INTERVAL_MS = 3_600_000;

export interface StoreMaintenanceOptions {
  store: Pick<Store, 'inbox' | 'cache'>;
  /** Stored webhook events older than this are pruned (WEBHOOK_RETENTION_DAYS), in days. */
  retentionDays: number;
  clock?: Clock;
  logger: Logger;
  /** Milliseconds from the end of one run to the start of the next (default one hour). */
  intervalMs?: number;
}

export interface StoreMaintenance {
  /** No further runs; resolves once a run in progress has ended (call before closing the store). */
  stop(): Promise<void>;
}

/**
 * The store's housekeeping, run once at start and then every `intervalMs`:
 * - webhook events older than the retention go, with their delivered forward deliveries
 *   (InboxStore.prune keeps those not yet dispatched or still being forwarded);
 * - their dedupe keys stay for a second retention period, so a late Klaviyo retry of a pruned event is
 *   still a duplicate for at least as long as the event itself was kept;
 * - expired cache entries go.
 * A failed run is logged and the next one tries again; runs never overlap.
 */
export function startStoreMaintenance(options: StoreMaintenanceOptions): StoreMaintenance {
  const { store, logger } = options;
  const clock = options.clock ?? systemClock;
  const intervalMs = options.intervalMs ?? DEFAULT_MAINTENANCE_INTERVAL_MS;
  const retentionMs = options.retentionDays * DAY_MS;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const runOnce = async () => {
    const now = clock();
    try {
      const pruned = await store.inbox.prune({
        receivedBefore: new Date(now.getTime() - retentionMs),
        keysBefore: new Date(now.getTime() - 2 * retentionMs),
      });
      if (pruned.events + pruned.keys > 0) logger.info({ ...pruned, retentionDays: options.retentionDays }, 'store maintenance: pruned webhook events past their retention');
      const expired = await store.cache.purgeExpired(now);
      if (expired > 0) logger.debug({ expired }, 'store maintenance: purged expired cache entries');
    } catch (error) {
      logger.warn({ err: error }, 'store maintenance failed; it runs again at the next interval');
    }
  };

  const schedule = () => {
    running = runOnce().then(() => {
      if (stopped) return;
      timer = setTimeout(schedule, intervalMs);
      timer.unref();
    });
  };
  schedule();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
