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
}

export const runLink = (run: Pick<JobRun, 'job' | 'id'>): string => `/v1/jobs/${run.job}/runs/${run.id}`;
const ended = (run: JobRun) => run.status !== 'queued' && run.status !== 'running';

/**
 * Starts, tracks and cancels job runs (docs/jobs.md). Runs are persisted; a job has at most one run
 * queued or running (the store enforces it); each run executes in this process with its own
 * AbortSignal. Runs found unfinished at start-up belonged to a dead process: `recoverInterrupted`.
 */
export function createJobRunner(options: JobRunnerOptions) {
  const clock = options.clock ?? systemClock;
  const newId = options.newId ?? randomUUID;
  const jobs = new Map(options.jobs.map((job) => [job.name, job]));
  const active = new Map<string, ActiveRun & { settled: Promise<void> }>();
  const finished = new EventEmitter().setMaxListeners(0);
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
      const run = outcome.run;
      const handle = { controller: new AbortController() } as ActiveRun & { settled: Promise<void> };
      handle.settled = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => executeRun(deps, job, run, handle))
        .catch((error: unknown) => options.logger.error({ err: error, runId: run.id }, 'job run bookkeeping failed'))
        .finally(() => {
          active.delete(run.id);
          finished.emit(run.id);
        });
      active.set(run.id, handle);
      return run;
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

    /** Cancels a queued or running run; 409 when it has already ended. */
    async cancel(name: string, id: string): Promise<JobRun> {
      const run = await runOf(name, id);
      if (ended(run)) throw new ConflictError(`Run "${id}" has already ended (${run.status}).`, { code: 'job_run_ended' });
      const handle = active.get(id);
      if (handle) abortRun(handle, 'cancelled');
      if (run.status === 'queued' || !handle) {
        await options.store.jobRuns.finish(id, { status: 'cancelled', finishedAt: clock(), error: { code: 'cancelled', message: 'The run was cancelled by an operator.' } });
      }
      return (await options.store.jobRuns.get(id)) ?? run;
    },

    /** At start-up: fails runs a previous process left queued or running. */
    async recoverInterrupted(): Promise<number> {
      return options.store.jobRuns.failUnfinished(
        { code: 'interrupted', message: 'The service stopped (crash or restart) before this run finished; start it again.' },
        clock(),
      );
    },

    /** At shutdown: aborts every run of this process and waits up to `timeoutMs` for them to record it. */
    async stop(timeoutMs: number): Promise<void> {
      const settling = [...active.values()].map((handle) => {
        abortRun(handle, 'shutdown');
        return handle.settled;
      });
      await Promise.race([Promise.all(settling), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
    },

    /** Resolves when no run of this process is in flight (tests, demo). */
    async idle(): Promise<void> {
      while (active.size > 0) await Promise.all([...active.values()].map((h) => h.settled));
    },
  };
}

export type JobRunner = ReturnType<typeof createJobRunner>;
