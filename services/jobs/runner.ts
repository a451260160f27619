import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { z } from 'zod';
import { ConflictError, NotFoundError, UnprocessableError } from '../../src/lib/errors.js';
import type { Logger } from '../../src/lib/logger.js';
import type { Metrics } from '../../src/lib/metrics.js';
import { parseOrThrow } from '../../src/lib/zod-errors.js';
import type { JobRun, JobRunPage } from '../../src/store/job-runs.js';
import type { Store } from '../../src/store/store.js';
import type { AnyJobDefinition } from './job-definition.js';
import type { KlaviyoReads } from './klaviyo-reads.js';
import type { MaveraCalls } from './mavera-calls.js';
import { abortRun, executeRun, type ActiveRun } from './run-execution.js';
import { systemClock } from '../../src/lib/clock.js';
import { createWaker } from '../../src/lib/wake.js';

export interface JobRunnerOptions {
  store: Store;
  jobs: AnyJobDefinition[];
  klaviyo: KlaviyoReads;
  /** Undefined when MAVERA_API_KEY is not set: only dry runs are accepted then. */
  mavera: MaveraCalls | undefined;
  maveraWorkspaceId?: string;
  logger: Logger;
  metrics?: Metrics;
  clock?: () => Date;
  newId?: () => string;
  /** How often live progress is written to the store, in milliseconds (default 500). */
  progressIntervalMs?: number;
  /**
   * How often the executor looks for queued runs another replica created and for cancels requested
   * on another replica, in milliseconds (default 1000); runs started here are picked up at once.
   */
  pollIntervalMs?: number;
}

export const runLink = (run: Pick<JobRun, 'job' | 'id'>): string => `/v1/jobs/${run.job}/runs/${run.id}`;
const ended = (run: JobRun) => run.status !== 'queued' && run.status !== 'running';
const CANCELLED_ERROR = { code: 'cancelled', message: 'The run was cancelled by an operator.' };
const INTERRUPTED_ERROR = { code: 'interrupted', message: 'The service stopped (crash or restart) before this run finished; start it again.' };

/**
 * Starts, tracks and cancels job runs (docs/jobs.md). Runs are persisted; a job has at most one run
 * queued or running (the store enforces it). Any replica creates, reads, waits on and cancels runs;
 * the executor, which runs only while this replica leads (`startExecuting`, docs/replicas.md),
 * takes queued runs and executes each with its own AbortSignal. Runs found running when an executor
 * starts belonged to a process that is gone: they are failed as interrupted.
 */
export function createJobRunner(options: JobRunnerOptions) {
  const clock = options.clock ?? systemClock;
  const newId = options.newId ?? randomUUID;
  const jobs = new Map(options.jobs.map((job) => [job.name, job]));
  const active = new Map<string, ActiveRun & { settled: Promise<void> }>();
  const finished = new EventEmitter().setMaxListeners(0);
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const executorWaker = createWaker();
  type Executor = { store: Store; stopping: boolean; loop: Promise<void> };
  let executor: Executor | undefined;
  const deps = {
    store: options.store,
    klaviyo: options.klaviyo,
    mavera: options.mavera,
    maveraWorkspaceId: options.maveraWorkspaceId,
    clock,
    logger: options.logger,
    metrics: options.metrics,
    progressIntervalMs: options.progressIntervalMs ?? 500,
  };

  const jobNamed = (name: string): AnyJobDefinition => {
    const job = jobs.get(name);
    if (!job) throw new NotFoundError(`No job named "${name}". Jobs: ${[...jobs.keys()].join(', ')}.`);
    return job;
  };
  const runOf = async (name: string, id: string): Promise<JobRun> => {
    jobNamed(name);
    const run = await options.store.jobRuns.get(id);
    if (!run || run.job !== name) throw new NotFoundError(`No run "${id}" of job "${name}".`);
    return run;
  };

  const launch = (current: Executor, job: AnyJobDefinition, run: JobRun) => {
    const handle = { controller: new AbortController() } as ActiveRun & { settled: Promise<void> };
    handle.settled = executeRun({ ...deps, store: current.store }, job, run, handle)
      .catch((error: unknown) => options.logger.error({ err: error, runId: run.id }, 'job run bookkeeping failed'))
      .finally(() => {
        active.delete(run.id);
        finished.emit(run.id);
      });
    active.set(run.id, handle);
  };
  /** Starts every queued run, oldest first (one run per job is queued or running at most). */
  const takeQueued = async (current: Executor) => {
    while (!current.stopping) {
      const run = await current.store.jobRuns.nextQueued();
      if (!run) return;
      const job = jobs.get(run.job);
      if (!job) {
        // Queued by a replica of another version that knows a job this one does not.
        await current.store.jobRuns.finish(run.id, { status: 'failed', finishedAt: clock(), error: { code: 'unknown_job', message: `This version of the service has no job "${run.job}".` } });
        continue;
      }
      // false: cancelled (or taken) since it was read; the next queued one, then.
      if (await current.store.jobRuns.markRunning(run.id, clock())) launch(current, job, run);
    }
  };
  /** Aborts the runs of this process whose cancel was requested on another replica. */
  const honourCancelRequests = async (store: Store) => {
    if (active.size === 0) return;
    for (const id of await store.jobRuns.cancelRequested([...active.keys()])) {
      const handle = active.get(id);
      if (handle) abortRun(handle, 'cancelled');
    }
  };
  const recoverInterrupted = (store: Store = options.store): Promise<number> => store.jobRuns.failRunning(INTERRUPTED_ERROR, clock());
  const stopExecuting = async (timeoutMs: number): Promise<void> => {
    const current = executor;
    if (current) {
      current.stopping = true;
      executorWaker.wake();
      await current.loop;
      if (executor === current) executor = undefined;
    }
    const settling = [...active.values()].map((handle) => {
      abortRun(handle, 'shutdown');
      return handle.settled;
    });
    await Promise.race([Promise.all(settling), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
  };

  return {
    /** Each job's name, description, params JSON Schema and latest run (GET /v1/jobs). */
    async describe() {
      return Promise.all(
        [...jobs.values()].map(async (job) => ({
          name: job.name,
          description: job.description,
          params: z.toJSONSchema(job.params, { io: 'input', unrepresentable: 'any' }),
          latest_run: (await options.store.jobRuns.latest(job.name)) ?? null,
        })),
      );
    },

    async start(name: string, rawParams: unknown): Promise<JobRun> {
      const job = jobNamed(name);
      const params = parseOrThrow(job.params, rawParams ?? {}, `Params of job "${name}"`);
      if (!params.dryRun && !options.mavera) {
        throw new UnprocessableError('Mavera is not configured (MAVERA_API_KEY is unset): only runs with "dryRun": true are possible.', {
          code: 'mavera_not_configured',
        });
      }
      const outcome = await options.store.jobRuns.create({ id: newId(), job: name, params: params as unknown as Record<string, unknown>, createdAt: clock() });
      if (!outcome.created) {
        throw new ConflictError(`A run of "${name}" is already ${outcome.active.status}; wait for it or cancel it.`, {
          code: 'job_run_active',
          extensions: { active_run: { id: outcome.active.id, status: outcome.active.status, links: { self: runLink(outcome.active) } } },
        });
      }
      executorWaker.wake();
      return outcome.run;
    },

    get: runOf,

    async list(name: string, page: { limit: number; before?: string }): Promise<JobRunPage> {
      jobNamed(name);
      return options.store.jobRuns.list(name, page);
    },

    /** The run once it has ended, or as it is after `timeoutMs` milliseconds. */
    async wait(name: string, id: string, timeoutMs: number): Promise<JobRun> {
      const deadline = Date.now() + timeoutMs;
      let run = await runOf(name, id);
      while (!ended(run) && Date.now() < deadline) {
        // The event is instant for runs of this process; the 1 s re-read covers any other writer.
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            finished.off(id, done);
            resolve();
          };
          const timer = setTimeout(done, Math.min(1000, Math.max(0, deadline - Date.now())));
          finished.once(id, done);
        });
        run = await runOf(name, id);
      }
      return run;
    },

    /**
     * Cancels a queued or running run; 409 when it has already ended. A run executing here is
     * aborted at once; one executing on another replica is asked to stop (its executor notices
     * within the poll interval), so the answer may still say running.
     */
    async cancel(name: string, id: string): Promise<JobRun> {
      const run = await runOf(name, id);
      if (ended(run)) throw new ConflictError(`Run "${id}" has already ended (${run.status}).`, { code: 'job_run_ended' });
      const handle = active.get(id);
      if (handle) abortRun(handle, 'cancelled');
      else if (run.status === 'queued') {
        await options.store.jobRuns.finish(id, { status: 'cancelled', finishedAt: clock(), error: CANCELLED_ERROR });
      }
      // Running elsewhere, or it started between the read and the finish above: its executor stops it.
      if (!handle) await options.store.jobRuns.requestCancel(id, clock());
      return (await options.store.jobRuns.get(id)) ?? run;
    },

    /** Fails runs a previous executor left running (it is gone); returns how many. */
    recoverInterrupted,

    /**
     * While this replica leads: fails the runs a previous executor left running, then executes
     * queued runs (oldest first) until stopExecuting. `store` is the leader's fenced view of the
     * store, so a deposed executor's writes fail.
     */
    async startExecuting(store: Store = options.store): Promise<void> {
      if (executor) return;
      const current: Executor = { store, stopping: false, loop: Promise.resolve() };
      executor = current;
      const interrupted = await recoverInterrupted(store);
      if (interrupted > 0) options.logger.warn({ interruptedRuns: interrupted }, 'job runs left running by a previous executor were marked failed');
      current.loop = (async () => {
        while (!current.stopping) {
          try {
            await takeQueued(current);
            await honourCancelRequests(current.store);
          } catch (error) {
            options.logger.warn({ err: error }, 'job executor round failed');
          }
          if (!current.stopping) await executorWaker.wait(pollIntervalMs);
        }
      })();
    },

    /** Aborts every run of this process and waits up to `timeoutMs` for them to record it; no more runs start here until startExecuting. */
    stopExecuting,

    /** At shutdown: stopExecuting. */
    stop: stopExecuting,

    /** Resolves when no run of this process is in flight and none waits for this executor (tests, demo). */
    async idle(): Promise<void> {
      for (;;) {
        if (active.size > 0) await Promise.all([...active.values()].map((h) => h.settled));
        else if (executor && (await executor.store.jobRuns.nextQueued())) await new Promise((resolve) => setTimeout(resolve, 5));
        else return;
      }
    },
  };
}

export type JobRunner = ReturnType<typeof createJobRunner>;
