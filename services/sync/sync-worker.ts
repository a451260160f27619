import type { Logger } from '../../src/lib/logger.js';
import type { Metrics } from '../../src/lib/metrics.js';
import type { ReadinessCheck } from '../../src/lib/readiness.js';
import { OUTBOX_KINDS, type OutboxError, type OutboxItem, type OutboxKind, type OutboxStore } from '../../src/store/outbox.js';
import { type BatchResult, type OutcomeContext } from './batch-outcomes.js';
import { deliverConsent } from './consent-delivery.js';
import { deliverEvents } from './event-delivery.js';
import type { KlaviyoAuthMonitor } from './klaviyo-auth-monitor.js';
import type { SyncKlaviyoApi } from './klaviyo-sync-api.js';
import { deliverListChanges } from './list-delivery.js';
import { deliverProfiles, type IdentityConflictMode } from './profile-delivery.js';
import { createProfileJobVerifier } from './profile-job-verifier.js';
import { DEFAULT_SYNC_TUNING, KIND_LIMITS, type SyncTuning } from './sync-tuning.js';
import { createWaker } from '../../src/lib/wake.js';
import { systemClock } from '../../src/lib/clock.js';

export interface SyncWorkerDeps {
  outbox: OutboxStore;
  api: SyncKlaviyoApi;
  auth: KlaviyoAuthMonitor;
  metrics: Metrics;
  logger: Logger;
  clock?: () => Date;
  random?: () => number;
  tuning?: Partial<SyncTuning>;
  /** KLAVIYO_IDENTITY_CONFLICT (default dead_letter). */
  identityConflict?: IdentityConflictMode;
}

export interface SyncWorkerState {
  running: boolean;
  /** ISO time until which delivery is paused after a 401/403, else null. */
  auth_paused_until: string | null;
  last_error: (OutboxError & { kind: OutboxKind; at: string }) | null;
}

export interface SyncWorker {
  /** Recovers leases left by a dead predecessor, then drains every kind. */
  start(): Promise<void>;
  /** Stops claiming and waits (bounded) for batches in flight. */
  stop(): Promise<void>;
  /** New items of these kinds were stored (ingest, replay). */
  notify(kinds?: OutboxKind[]): void;
  state(): SyncWorkerState;
  readiness: ReadinessCheck;
}

/** The outbox drainer (docs/ingest.md): leased claims per kind, one Klaviyo request per batch. */
export function createSyncWorker(deps: SyncWorkerDeps): SyncWorker {
  const tuning: SyncTuning = { ...DEFAULT_SYNC_TUNING, ...deps.tuning };
  const clock = deps.clock ?? systemClock;
  const log = deps.logger.child({ component: 'sync-worker' });
  const waker = createWaker();
  // Wakes the job verifier when a batch moved items to `verifying`, and at stop().
  const verifyWaker = createWaker();
  const ctx: OutcomeContext = { now: clock, random: deps.random ?? Math.random, backoff: tuning.backoff };
  const verifier = createProfileJobVerifier({ outbox: deps.outbox, api: deps.api, ctx, logger: log, options: { slowJobWarnMs: tuning.importJobWarnMs } });
  let running = false;
  let authPausedUntil = 0;
  let lastError: SyncWorkerState['last_error'] = null;
  let lanes: Promise<void>[] = [];
  let statsTimer: NodeJS.Timeout | undefined;

  const deliver = (kind: OutboxKind, items: OutboxItem[]): Promise<BatchResult> => {
    switch (kind) {
      case 'event':
        return deliverEvents(deps.api, items, ctx);
      case 'consent':
        return deliverConsent(deps.api, items, ctx);
      case 'list':
        return deliverListChanges(deps.api, items, ctx);
      case 'profile':
        return deliverProfiles(deps.api, items, ctx, { bulkThreshold: tuning.profileBulkThreshold, upsertConcurrency: tuning.profileUpsertConcurrency, identityConflict: deps.identityConflict });
    }
  };

  const runBatch = async (kind: OutboxKind, leaseId: string, items: OutboxItem[]) => {
    let result: BatchResult;
    try {
      result = await deliver(kind, items);
    } catch (error) {
      // A bug, not Klaviyo: keep the items, try again after the lease, say it loudly.
      log.error({ err: error, kind, items: items.length }, 'delivery failed unexpectedly');
      await deps.outbox.release(leaseId, new Date(clock().getTime() + tuning.backoff.baseDelayMs));
      return;
    }
    const now = clock();
    await deps.outbox.settle(leaseId, result.outcomes, now);
    if (result.authFailed) {
      authPausedUntil = now.getTime() + tuning.authPauseMs;
      deps.auth.report(false);
      // 410: the key is fine, our pinned revision is retired (the client already raised the alarm).
      const why = result.error?.status === 410 ? 'Klaviyo retired the API revision (raise KLAVIYO_REVISION)' : 'Klaviyo rejected the API key';
      log.error({ kind, pauseMs: tuning.authPauseMs, status: result.error?.status }, `${why}; delivery paused`);
    }
    // Items without an outcome (auth failure) go back untouched, without spending an attempt.
    await deps.outbox.release(leaseId, now);
    if (result.error) lastError = { ...result.error, kind, at: now.toISOString() };
    if (result.outcomes.some((o) => o.status === 'verifying')) verifyWaker.wake();
    const dead = result.outcomes.filter((o) => o.status === 'dead').length;
    if (dead > 0) log.warn({ kind, dead, code: result.error?.code }, 'items dead-lettered');
  };

  const lane = async (kind: OutboxKind) => {
    const limits = KIND_LIMITS[kind];
    while (running) {
      const now = clock().getTime();
      if (authPausedUntil > now) {
        await waker.wait(authPausedUntil - now);
        continue;
      }
      const limiter = deps.api.classStatus(limits.limitClass);
      if (limiter.pausedUntil !== undefined && limiter.pausedUntil > now) {
        await waker.wait(limiter.pausedUntil - now);
        continue;
      }
      const ready = await deps.outbox.readySummary(kind, new Date(now), limits.maxItems);
      if (ready.ready === 0) {
        const untilDue = ready.nextAvailableAt ? ready.nextAvailableAt.getTime() - now : tuning.pollMs;
        await waker.wait(Math.min(tuning.pollMs, Math.max(1, untilDue)));
        continue;
      }
      if (ready.ready < limits.maxItems) {
        // A part-full batch keeps filling while items stream in or its class is busy, up to lingerMs.
        const lingerLeft = (ready.oldestReadyAt?.getTime() ?? now) + tuning.lingerMs - now;
        const quietLeft = (ready.newestReadyAt?.getTime() ?? now) + tuning.quietMs - now;
        if (lingerLeft > 0 && (quietLeft > 0 || limiter.queued > 0)) {
          await waker.wait(Math.min(lingerLeft, Math.max(quietLeft, 10)), false);
          continue;
        }
      }
      const batch = await deps.outbox.claim({ kind, limit: limits.maxItems, maxBytes: limits.maxBytes, leaseMs: tuning.leaseMs, now: new Date(now) });
      if (batch.items.length === 0) {
        await waker.wait(tuning.pollMs);
        continue;
      }
      await runBatch(kind, batch.leaseId, batch.items);
    }
  };

  // Polls accepted bulk jobs until they end (minutes, live); the items' outcomes wait for it.
  // Not woken by notify() (every ingest calls it), only by new verifying items and by stop().
  const verifyLane = async () => {
    while (running) {
      try {
        // Items of other kinds may wait on these (consent after its person's profile): wake the lanes.
        if ((await verifier.verifyOnce()) > 0) waker.wake();
      } catch (error) {
        log.error({ err: error }, 'import job verification failed; retrying');
      }
      if (running) await verifyWaker.wait(tuning.importJobPollMs);
    }
  };

  const guardedLane = async (kind: OutboxKind) => {
    while (running) {
      try {
        await lane(kind);
      } catch (error) {
        log.error({ err: error, kind }, 'sync lane crashed; restarting');
        await waker.wait(tuning.pollMs);
      }
    }
  };

  const refreshGauges = async () => {
    const stats = await deps.outbox.stats(clock());
    for (const kind of OUTBOX_KINDS) {
      const s = stats.kinds[kind];
      for (const state of ['pending', 'in_flight', 'verifying', 'dead'] as const) deps.metrics.outboxDepth.set({ kind, state }, s[state]);
      deps.metrics.outboxOldestPendingAge.set({ kind }, s.oldest_pending_age_s ?? 0);
    }
  };

  return {
    async start() {
      if (running) return;
      const recovered = await deps.outbox.recoverLeases(clock());
      if (recovered > 0) log.info({ recovered }, 'returned leased items of a previous run to pending');
      running = true;
      lanes = [...OUTBOX_KINDS.flatMap((kind) => Array.from({ length: tuning.lanes[kind] }, () => guardedLane(kind))), verifyLane()];
      await refreshGauges().catch(() => undefined);
      statsTimer = setInterval(() => void refreshGauges().catch((err: unknown) => log.warn({ err }, 'outbox stats failed')), tuning.statsIntervalMs);
      statsTimer.unref();
    },
    async stop() {
      if (!running) return;
      running = false;
      clearInterval(statsTimer);
      waker.wake();
      verifyWaker.wake();
      await Promise.race([Promise.all(lanes), new Promise((resolve) => setTimeout(resolve, tuning.stopTimeoutMs).unref())]);
    },
    notify() {
      waker.wake();
    },
    state() {
      const now = clock().getTime();
      return { running, auth_paused_until: authPausedUntil > now ? new Date(authPausedUntil).toISOString() : null, last_error: lastError };
    },
    readiness: {
      name: 'worker',
      check: async () => (running ? { ok: true } : { ok: false, detail: 'sync worker is not running' }),
    },
  };
}
