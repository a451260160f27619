import type { JobRunStore } from '../job-runs.js';
import type { PgDatabase } from './database.js';
import { EMPTY_PROGRESS, EMPTY_USAGE, toJobRun, type JobRunRow } from '../sql-rows.js';

const ACTIVE = "status IN ('queued', 'running')";

export function createPgJobRuns(db: PgDatabase): JobRunStore {
  const page = async (job: string, beforeSeq: number, limit: number) =>
    (await db.query<JobRunRow>('SELECT * FROM job_runs WHERE job = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3', [job, beforeSeq, limit])).rows;

  return {
    async create(run) {
      // The partial unique index job_runs_one_active decides, across replicas too: a concurrent create
      // of the same job waits for the first to commit, then does nothing.
      for (;;) {
        const inserted = await db.query<JobRunRow>(
          `INSERT INTO job_runs (id, job, status, params_json, progress_json, usage_json, created_at)
           VALUES ($1, $2, 'queued', $3, $4, $5, $6)
           ON CONFLICT (job) WHERE ${ACTIVE} DO NOTHING RETURNING *`,
          [run.id, run.job, JSON.stringify(run.params), EMPTY_PROGRESS, EMPTY_USAGE, run.createdAt.toISOString()],
        );
        const row = inserted.rows[0];
        if (row) return { created: true as const, run: toJobRun(row) };
        const active = (await db.query<JobRunRow>(`SELECT * FROM job_runs WHERE job = $1 AND ${ACTIVE} LIMIT 1`, [run.job])).rows[0];
        // Gone in between (it ended): try again.
        if (active) return { created: false as const, active: toJobRun(active) };
      }
    },
    async get(id) {
      const row = (await db.query<JobRunRow>('SELECT * FROM job_runs WHERE id = $1', [id])).rows[0];
      return row ? toJobRun(row) : undefined;
    },
    async list(job, { limit, before }) {
      const beforeSeq = before !== undefined && /^\d{1,15}$/.test(before) ? Number(before) : Number.MAX_SAFE_INTEGER;
      const rows = await page(job, beforeSeq, limit + 1);
      const runs = rows.slice(0, limit);
      const last = runs.at(-1);
      return rows.length > limit && last ? { runs: runs.map(toJobRun), nextCursor: String(last.seq) } : { runs: runs.map(toJobRun) };
    },
    async latest(job) {
      const [row] = await page(job, Number.MAX_SAFE_INTEGER, 1);
      return row ? toJobRun(row) : undefined;
    },
    async markRunning(id, startedAt) {
      return (await db.query("UPDATE job_runs SET status = 'running', started_at = $1 WHERE id = $2 AND status = 'queued'", [startedAt.toISOString(), id])).rowCount === 1;
    },
    async updateProgress(id, progress, usage) {
      await db.query(`UPDATE job_runs SET progress_json = $1, usage_json = $2 WHERE id = $3 AND ${ACTIVE}`, [JSON.stringify(progress), JSON.stringify(usage), id]);
    },
    async finish(id, outcome) {
      const result = await db.query(
        `UPDATE job_runs SET status = $1, finished_at = $2, result_json = $3, error_json = $4,
           usage_json = COALESCE($5, usage_json), progress_json = COALESCE($6, progress_json)
         WHERE id = $7 AND ${ACTIVE}`,
        [
          outcome.status,
          outcome.finishedAt.toISOString(),
          outcome.result === undefined ? null : JSON.stringify(outcome.result),
          outcome.error === undefined ? null : JSON.stringify(outcome.error),
          outcome.usage === undefined ? null : JSON.stringify(outcome.usage),
          outcome.progress === undefined ? null : JSON.stringify(outcome.progress),
          id,
        ],
      );
      return result.rowCount === 1;
    },
    async nextQueued() {
      const row = (await db.query<JobRunRow>("SELECT * FROM job_runs WHERE status = 'queued' ORDER BY seq LIMIT 1")).rows[0];
      return row ? toJobRun(row) : undefined;
    },
    async requestCancel(id, at) {
      return (await db.query("UPDATE job_runs SET cancel_requested_at = $1 WHERE id = $2 AND status = 'running'", [at.toISOString(), id])).rowCount === 1;
    },
    async cancelRequested(ids) {
      if (ids.length === 0) return [];
      const rows = await db.query<{ id: string }>("SELECT id FROM job_runs WHERE id = ANY($1::text[]) AND status = 'running' AND cancel_requested_at IS NOT NULL", [ids]);
      return rows.rows.map((row) => row.id);
    },
    async failRunning(error, finishedAt) {
      return (await db.query("UPDATE job_runs SET status = 'failed', finished_at = $1, error_json = $2 WHERE status = 'running'", [finishedAt.toISOString(), JSON.stringify(error)])).rowCount;
    },
  };
}
