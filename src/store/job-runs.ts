/**
 * Persisted job runs (docs/jobs.md). The record is the public shape served by the jobs routes,
 * so the store keeps it field for field; timestamps are ISO 8601 strings.
 */
export type JobRunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export const ACTIVE_JOB_RUN_STATUSES: readonly JobRunStatus[] = ['queued', 'running'];

export interface JobRunProgress {
  phase: string;
  done: number;
  /** Unknown totals are null (e.g. while paging through an account of unknown size). */
  total: number | null;
}

export interface JobRunUsage {
  klaviyo_requests: number;
  mavera_credits: number;
}

export interface JobRunError {
  /** Stable machine code, e.g. `out_of_credits`, `interrupted`, `klaviyo_auth`. */
  code: string;
  message: string;
}

export interface JobRun {
  id: string;
  job: string;
  status: JobRunStatus;
  params: Record<string, unknown>;
  progress: JobRunProgress;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  result?: unknown;
  error?: JobRunError;
  usage: JobRunUsage;
}

export interface NewJobRun {
  id: string;
  job: string;
  params: Record<string, unknown>;
  createdAt: Date;
}

export type CreateJobRunOutcome = { created: true; run: JobRun } | { created: false; active: JobRun };

export interface JobRunFinish {
  status: 'succeeded' | 'failed' | 'cancelled';
  finishedAt: Date;
  result?: unknown;
  error?: JobRunError;
  usage?: JobRunUsage;
  progress?: JobRunProgress;
}

export interface JobRunPage {
  runs: JobRun[];
  /** Pass back as `before` to read the next (older) page; absent on the last page. */
  nextCursor?: string;
}

export interface JobRunStore {
  /**
   * Creates a queued run unless a run of the same job is already queued or running, atomically
   * (two concurrent requests cannot both win): then nothing is written and the active run is returned.
   */
  create(run: NewJobRun): Promise<CreateJobRunOutcome>;
  get(id: string): Promise<JobRun | undefined>;
  /** Runs of `job`, newest first; `before` is a cursor from a previous page. */
  list(job: string, options: { limit: number; before?: string }): Promise<JobRunPage>;
  latest(job: string): Promise<JobRun | undefined>;
  /** queued → running; false (and no change) when the run is no longer queued (e.g. cancelled). */
  markRunning(id: string, startedAt: Date): Promise<boolean>;
  /** Updates progress and usage of a run that has not ended; no-op otherwise. */
  updateProgress(id: string, progress: JobRunProgress, usage: JobRunUsage): Promise<void>;
  /** Ends a queued or running run; false (and no change) when it had already ended. */
  finish(id: string, outcome: JobRunFinish): Promise<boolean>;
  /** The oldest queued run, for the process that executes runs (the leader). */
  nextQueued(): Promise<JobRun | undefined>;
  /**
   * Asks whoever executes a running run to cancel it (the run may run on another replica): true
   * when the run is running and the request was recorded, false (no change) otherwise.
   */
  requestCancel(id: string, at: Date): Promise<boolean>;
  /** Which of these runs are running with a cancel requested. */
  cancelRequested(ids: readonly string[]): Promise<string[]>;
  /**
   * Fails every running run with `error` (used when a process takes over execution, at start-up or
   * on a new leader: the process that ran them is gone). Queued runs stay queued for the new
   * executor. Returns how many were failed.
   */
  failRunning(error: JobRunError, finishedAt: Date): Promise<number>;
}
