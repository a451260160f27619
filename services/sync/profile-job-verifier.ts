import { KlaviyoError } from '../klaviyo/errors.js';
import { fullJitterDelayMs } from '../../src/lib/backoff.js';
import type { Logger } from '../../src/lib/logger.js';
import type { OutboxOutcome, OutboxStore, VerifyingJob } from '../../src/store/outbox.js';
import { toOutboxError, type OutcomeContext } from './batch-outcomes.js';
import { matchImportErrors } from './import-errors.js';
import type { SyncKlaviyoApi } from './klaviyo-sync-api.js';
import { mergeProfileItems } from './profile-delivery.js';

export interface ProfileJobVerifierOptions {
  /** A job still unfinished this long after we first polled it is logged once (milliseconds). */
  slowJobWarnMs: number;
}

/** Statuses after which a job changes no more (compared case-insensitively: live casing varies). */
const FAILED_STATUSES = new Set(['cancelled', 'canceled', 'failed', 'expired']);

/**
 * Verifies accepted profile bulk-import jobs (live behaviour, docs/live-klaviyo.md): a job answers `queued`
 * with zero counts at first and can run for minutes, so its items wait in `verifying` and count as
 * delivered only once the job is `complete` and its import errors have been read (those items are
 * dead-lettered with reason `import_error`). A cancelled, failed or vanished job (records expire
 * after 7 days) sends its items again: a profile import is an upsert, safe to repeat.
 */
export function createProfileJobVerifier(deps: {
  outbox: OutboxStore;
  api: SyncKlaviyoApi;
  ctx: OutcomeContext;
  logger: Logger;
  options: ProfileJobVerifierOptions;
}) {
  const firstPolledAt = new Map<string, number>();
  const warned = new Set<string>();

  const retryAll = (job: VerifyingJob, error: unknown): OutboxOutcome[] => {
    const now = deps.ctx.now().getTime();
    return job.items.map((item) => ({
      id: item.id,
      status: 'retry',
      retryAt: new Date(now + fullJitterDelayMs(item.attempts + 1, deps.ctx.backoff, deps.ctx.random)),
      countAttempt: true,
      error: toOutboxError(error),
    }));
  };

  /** The outcomes once the job has ended, or undefined while it runs (or cannot be read now). */
  async function outcomesOf(job: VerifyingJob): Promise<OutboxOutcome[] | undefined> {
    let status;
    try {
      status = await deps.api.getProfileImportJob(job.jobId);
    } catch (error) {
      // Gone (404, or 400 for an id Klaviyo no longer recognises): the job record expired or was lost.
      if (!(error instanceof KlaviyoError)) throw error;
      if (error.status === 404 || error.status === 400) return retryAll(job, error);
      return undefined; // transient, throttled or auth: the client already retried; poll again later
    }
    const state = status.status.toLowerCase();
    if (FAILED_STATUSES.has(state)) return retryAll(job, new Error(`Klaviyo profile import job ended ${status.status}`));
    if (state !== 'complete') return undefined;
    const delivered = job.items.map((i): OutboxOutcome => ({ id: i.id, status: 'delivered' }));
    if (status.failedCount === 0) return delivered;
    const failed = matchImportErrors(await deps.api.listProfileImportErrors(job.jobId), mergeProfileItems(job.items));
    return delivered.map((o) => {
      const error = failed.get(o.id);
      return error ? { id: o.id, status: 'dead', error } : o;
    });
  }

  return {
    /** Polls every verifying job once; returns how many jobs ended (their items settled). */
    async verifyOnce(): Promise<number> {
      let ended = 0;
      for (const job of await deps.outbox.verifyingJobs('profile')) {
        const outcomes = await outcomesOf(job);
        const now = deps.ctx.now();
        if (outcomes) {
          await deps.outbox.settleJob(job.jobId, outcomes, now);
          const dead = outcomes.filter((o) => o.status === 'dead').length;
          if (dead > 0) deps.logger.warn({ jobId: job.jobId, dead }, 'profile import job reported import errors; items dead-lettered');
          firstPolledAt.delete(job.jobId);
          warned.delete(job.jobId);
          ended += 1;
          continue;
        }
        const since = firstPolledAt.get(job.jobId) ?? now.getTime();
        firstPolledAt.set(job.jobId, since);
        if (now.getTime() - since >= deps.options.slowJobWarnMs && !warned.has(job.jobId)) {
          warned.add(job.jobId);
          deps.logger.warn({ jobId: job.jobId, items: job.items.length, waitingS: Math.round((now.getTime() - since) / 1000) }, 'profile import job still running; items wait in verifying');
        }
      }
      return ended;
    },
  };
}
