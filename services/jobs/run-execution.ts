import type { Logger } from '../../src/lib/logger.js';
import type { Metrics } from '../../src/lib/metrics.js';
import type { JobRun, JobRunError } from '../../src/store/job-runs.js';
import type { Store } from '../../src/store/store.js';
import { countingKlaviyoReads } from './counting-klaviyo-reads.js';
import { createCreditGuard } from './credit-guard.js';
import type { AnyJobDefinition, BaseParams } from './job-definition.js';
import { toJobRunError } from './job-errors.js';
import type { KlaviyoReads } from './klaviyo-reads.js';
import type { MaveraCalls } from './mavera-calls.js';
import { createMaveraGateway } from './mavera-gateway.js';
import { createReadCache } from './read-cache.js';
import { createRunTracker } from './run-tracker.js';

export interface RunExecutionDeps {
  store: Store;
  klaviyo: KlaviyoReads;
  mavera: MaveraCalls | undefined;
  maveraWorkspaceId: string | undefined;
  clock: () => Date;
  logger: Logger;
  metrics: Metrics | undefined;
  progressIntervalMs: number;
}

/** Why a run's signal was aborted: the operator cancelled it, or the service is shutting down. */
export type AbortCause = 'cancelled' | 'shutdown';

/** A run in this process: its abort switch, and why it was pulled. */
export interface ActiveRun {
  controller: AbortController;
  cause?: AbortCause;
}

/** Aborts with an AbortError (what fetch and timers expect), remembering the cause for the run record. */
export function abortRun(active: ActiveRun, cause: AbortCause): void {
  active.cause ??= cause;
  active.controller.abort(new DOMException(cause === 'shutdown' ? 'The service is shutting down' : 'The run was cancelled', 'AbortError'));
}

export const SHUTDOWN_ERROR: JobRunError = {
  code: 'shutdown',
  message: 'The service shut down while this run was in progress; start it again.',
};

/**
 * Executes one run the executor has marked running to its end: succeeded | failed | cancelled. The run's
 * AbortSignal goes to every Klaviyo and Mavera call; the store's status guards make a late finish
 * (after a cancel of a queued run) a no-op.
 */
export async function executeRun(deps: RunExecutionDeps, job: AnyJobDefinition, run: JobRun, active: ActiveRun): Promise<void> {
  const { store, clock } = deps;
  const logger = deps.logger.child({ job: job.name, runId: run.id });
  const tracker = createRunTracker(store.jobRuns, run.id, deps.progressIntervalMs);
  const params = run.params as unknown as BaseParams;
  const signal = active.controller.signal;
  const guard = createCreditGuard({
    remainingCredits: () => (deps.mavera ? deps.mavera.remainingCredits({ signal }) : Promise.resolve(0)),
    maxCredits: params.maxCredits,
  });
  const context = {
    runId: run.id,
    signal,
    klaviyo: countingKlaviyoReads(deps.klaviyo, tracker.countKlaviyoRequest),
    mavera: createMaveraGateway({
      calls: deps.mavera,
      workspaceId: deps.maveraWorkspaceId,
      dryRun: params.dryRun,
      guard,
      signal,
      onCredits: tracker.addCredits,
    }),
    cache: createReadCache({ cache: store.cache, clock, bypass: params.refreshCache }),
    clock,
    logger,
    progress: tracker.setProgress,
  };

  logger.info({ dryRun: params.dryRun }, 'job run started');
  let outcome: Parameters<Store['jobRuns']['finish']>[1];
  try {
    const result = await job.run(context, params);
    signal.throwIfAborted();
    outcome = { status: 'succeeded', finishedAt: clock(), result };
  } catch (error) {
    if (signal.aborted) {
      outcome = active.cause === 'shutdown'
        ? { status: 'failed', finishedAt: clock(), error: SHUTDOWN_ERROR }
        : { status: 'cancelled', finishedAt: clock(), error: { code: 'cancelled', message: 'The run was cancelled by an operator.' } };
    } else {
      const runError = toJobRunError(error);
      if (runError.code === 'internal_error') logger.error({ err: error }, 'job run failed unexpectedly');
      outcome = { status: 'failed', finishedAt: clock(), error: runError };
    }
  }
  await tracker.close();
  await store.jobRuns.finish(run.id, { ...outcome, usage: { ...tracker.usage }, progress: { ...tracker.progress } });
  deps.metrics?.jobRuns.inc({ job: job.name, status: outcome.status });
  logger.info({ status: outcome.status, error: outcome.error?.code, usage: tracker.usage }, 'job run finished');
}
