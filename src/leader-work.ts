import type { JobRunner } from '../services/jobs/index.js';
import type { KlaviyoLimiters } from '../services/klaviyo/index.js';
import { createPrivacyWorker, type PrivacyWorker, type PrivacyWorkerOptions } from '../services/privacy/index.js';
import type { SyncWorker, SyncWorkerDeps, SyncWorkerState } from '../services/sync/sync-worker.js';
import { createSyncWorker } from '../services/sync/sync-worker.js';
import type { WebhookWorkers } from '../services/webhooks/webhook-workers.js';
import { createWebhookWorkers } from '../services/webhooks/webhook-workers.js';
import type { Logger } from './lib/logger.js';
import type { ReadinessCheck } from './lib/readiness.js';
import type { Leadership, LeaderReport, LeaderTerm, LeadershipHandlers } from './store/leadership.js';
import { startStoreMaintenance, type StoreMaintenance } from './store/maintenance.js';
import type { Store } from './store/store.js';

type WebhookWorkerOptions = Omit<Parameters<typeof createWebhookWorkers>[0], 'store'>;

export interface LeaderWorkDeps {
  store: Store;
  leadership: Leadership;
  logger: Logger;
  jobs: JobRunner;
  limiters: KlaviyoLimiters;
  /** The sync worker's dependencies but the outbox, which is the term's fenced one. */
  syncWorker: Omit<SyncWorkerDeps, 'outbox'>;
  webhooks: WebhookWorkerOptions;
  /** The privacy worker's dependencies but the store, which is the term's fenced one. */
  privacy: Omit<PrivacyWorkerOptions, 'privacy'>;
  webhookRetentionDays: number;
  clock?: () => Date;
  shutdownTimeoutMs: number;
}

export interface LeaderWork extends LeadershipHandlers {
  /** The service has started: from now on a replica that does not lead is a ready follower. */
  begin(): void;
  /** New items of these kinds were stored: wakes the drainer when it runs here (a leader's poll finds them otherwise). */
  notifySync: SyncWorker['notify'];
  wakeDispatcher(): void;
  wakeForwarder(): void;
  /** A privacy deletion was requested: wakes the privacy worker when it runs here (a leader's poll finds it otherwise). */
  wakePrivacy(): void;
  /** GET /v1/sync `worker`: this replica's drainer while it leads, else what the leader last published. */
  workerState(): SyncWorkerState;
  /** /readyz `worker`: the drainer runs here while this replica leads; a follower is ready to serve. */
  readiness: ReadinessCheck;
}

interface TermWork {
  term: LeaderTerm;
  syncWorker: SyncWorker;
  webhookWorkers: WebhookWorkers;
  privacyWorker: PrivacyWorker;
  maintenance: StoreMaintenance;
}

const FOLLOWER_STATE: SyncWorkerState = { running: false, auth_paused_until: null, last_error: null };

/**
 * What runs only while this replica leads (docs/replicas.md): the outbox drainer, the webhook
 * dispatcher and forwarder, the job executor, the privacy worker and the store's maintenance, each built afresh for a
 * term on the term's fenced store, and stopped when the term ends. Before the first call of a term
 * the Klaviyo limiters count the predecessor's last minute and the day's capped requests.
 */
export function createLeaderWork(deps: LeaderWorkDeps): LeaderWork {
  const log = deps.logger.child({ component: 'leader' });
  let current: TermWork | undefined;
  let begun = false;

  return {
    async elected(term) {
      const store = deps.store.fencedTo(term.epoch, (epoch) => deps.leadership.fencedOut(epoch));
      deps.limiters.restoreRecentUsage(term.predecessor?.limiterUsage);
      await deps.limiters.restoreDailyUsage();
      const syncWorker = createSyncWorker({ ...deps.syncWorker, outbox: store.outbox });
      const webhookWorkers = createWebhookWorkers({ ...deps.webhooks, store });
      const privacyWorker = createPrivacyWorker({ ...deps.privacy, privacy: store.privacy });
      // Webhook retention and cache expiry: once now, then hourly.
      const maintenance = startStoreMaintenance({ store, retentionDays: deps.webhookRetentionDays, clock: deps.clock, logger: deps.logger.child({ component: 'store' }) });
      current = { term, syncWorker, webhookWorkers, privacyWorker, maintenance };
      await deps.jobs.startExecuting(store);
      webhookWorkers.start();
      await syncWorker.start();
      privacyWorker.start();
      log.info({ epoch: term.epoch }, 'leader work started');
    },
    async deposed(term, reason) {
      const work = current;
      if (!work || work.term !== term) return;
      current = undefined;
      await Promise.all([deps.jobs.stopExecuting(deps.shutdownTimeoutMs), work.syncWorker.stop(), work.webhookWorkers.stop(), work.privacyWorker.stop()]);
      await work.maintenance.stop();
      log.info({ epoch: term.epoch, reason }, 'leader work stopped');
    },
    begin() {
      begun = true;
    },
    report(): LeaderReport {
      return { worker: current?.syncWorker.state(), limiterUsage: deps.limiters.recentUsage() };
    },
    notifySync: (kinds) => current?.syncWorker.notify(kinds),
    wakeDispatcher: () => current?.webhookWorkers.wakeDispatcher(),
    wakeForwarder: () => current?.webhookWorkers.wakeForwarder(),
    wakePrivacy: () => current?.privacyWorker.wake(),
    workerState() {
      if (current) return current.syncWorker.state();
      const published = deps.leadership.status().leaderReport?.worker as SyncWorkerState | undefined;
      return published && typeof published === 'object' ? published : FOLLOWER_STATE;
    },
    readiness: {
      name: 'worker',
      async check() {
        if (current) return current.syncWorker.readiness.check();
        if (!begun) return { ok: false, detail: 'the service has not started' };
        const { leader } = deps.leadership.status();
        return { ok: true, detail: leader ? `follower; ${leader.id} leads` : 'follower; no leader elected yet' };
      },
    },
  };
}
