import type { Database } from 'better-sqlite3';
import type { JobRunStore } from '../job-runs.js';
import { EMPTY_PROGRESS, EMPTY_USAGE, toJobRun, type JobRunRow } from '../sql-rows.js';

export function createSqliteJobRuns(db: Database): JobRunStore {
  const byId = db.prepare<[string], JobRunRow>('SELECT * FROM job_runs WHERE id = ?');
  const activeOf = db.prepare<[string], JobRunRow>(
    "SELECT * FROM job_runs WHERE job = ? AND status IN ('queued', 'running') LIMIT 1",
  );
  const insert = db.prepare(
    `INSERT INTO job_runs (id, job, status, params_json, progress_json, usage_json, created_at)
     VALUES (?, ?, 'queued', ?, ?, ?, ?)`,
  );
  const page = db.prepare<[string, number, number], JobRunRow>(
    'SELECT * FROM job_runs WHERE job = ? AND seq < ? ORDER BY seq DESC LIMIT ?',
  );
  const toRunning = db.prepare("UPDATE job_runs SET status = 'running', started_at = ? WHERE id = ? AND status = 'queued'");
  const progress = db.prepare(
    "UPDATE job_runs SET progress_json = ?, usage_json = ? WHERE id = ? AND status IN ('queued', 'running')",
  );
  const finish = db.prepare(
    `UPDATE job_runs SET status = ?, finished_at = ?, result_json = ?, error_json = ?,
       usage_json = COALESCE(?, usage_json), progress_json = COALESCE(?, progress_json)
     WHERE id = ? AND status IN ('queued', 'running')`,
  );
  const failRunning = db.prepare("UPDATE job_runs SET status = 'failed', finished_at = ?, error_json = ? WHERE status = 'running'");
  const oldestQueued = db.prepare<[], JobRunRow>("SELECT * FROM job_runs WHERE status = 'queued' ORDER BY seq LIMIT 1");
  const requestCancel = db.prepare("UPDATE job_runs SET cancel_requested_at = ? WHERE id = ? AND status = 'running'");
  const cancelRequested = db.prepare<[string], { id: string }>(
    "SELECT id FROM job_runs WHERE id IN (SELECT value FROM json_each(?)) AND status = 'running' AND cancel_requested_at IS NOT NULL",
  );

  const createAtomically = db.transaction((run: Parameters<JobRunStore['create']>[0]) => {
    const active = activeOf.get(run.job);
    if (active) return { created: false as const, active: toJobRun(active) };
    insert.run(run.id, run.job, JSON.stringify(run.params), EMPTY_PROGRESS, EMPTY_USAGE, run.createdAt.toISOString());
    return { created: true as const, run: toJobRun(byId.get(run.id) as JobRunRow) };
  });

  return {
    async create(run) {
      return createAtomically.immediate(run);
    },
    async get(id) {
      const row = byId.get(id);
      return row ? toJobRun(row) : undefined;
    },
    async list(job, { limit, before }) {
      const beforeSeq = before !== undefined && /^\d+$/.test(before) ? Number(before) : Number.MAX_SAFE_INTEGER;
      const rows = page.all(job, beforeSeq, limit + 1);
      const runs = rows.slice(0, limit);
      const last = runs.at(-1);
      return rows.length > limit && last ? { runs: runs.map(toJobRun), nextCursor: String(last.seq) } : { runs: runs.map(toJobRun) };
    },
    async latest(job) {
      const row = page.get(job, Number.MAX_SAFE_INTEGER, 1);
      return row ? toJobRun(row) : undefined;
    },
    async markRunning(id, startedAt) {
      return toRunning.run(startedAt.toISOString(), id).changes === 1;
    },
    async updateProgress(id, nextProgress, usage) {
      progress.run(JSON.stringify(nextProgress), JSON.stringify(usage), id);
    },
    async finish(id, outcome) {
      const changes = finish.run(
        outcome.status,
        outcome.finishedAt.toISOString(),
        outcome.result === undefined ? null : JSON.stringify(outcome.result),
        outcome.error === undefined ? null : JSON.stringify(outcome.error),
        outcome.usage === undefined ? null : JSON.stringify(outcome.usage),
        outcome.progress === undefined ? null : JSON.stringify(outcome.progress),
        id,
      ).changes;
      return changes === 1;
    },
    async nextQueued() {
      const row = oldestQueued.get();
      return row ? toJobRun(row) : undefined;
    },
    async requestCancel(id, at) {
      return requestCancel.run(at.toISOString(), id).changes === 1;
    },
    async cancelRequested(ids) {
      return ids.length === 0 ? [] : cancelRequested.all(JSON.stringify(ids)).map((row) => row.id);
    },
    async failRunning(error, finishedAt) {
      return failRunning.run(finishedAt.toISOString(), JSON.stringify(error)).changes;
    },
  };
}
