import type { Database } from 'better-sqlite3';
import type { JobRun, JobRunStatus, JobRunStore } from '../job-runs.js';

interface JobRunRow {
  seq: number;
  id: string;
  job: string;
  status: JobRunStatus;
  params_json: string;
  progress_json: string;
  usage_json: string;
  result_json: string | null;
  error_json: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

const EMPTY_PROGRESS = JSON.stringify({ phase: 'queued', done: 0, total: null });
const EMPTY_USAGE = JSON.stringify({ klaviyo_requests: 0, mavera_credits: 0 });

function toRun(row: JobRunRow): JobRun {
  return {
    id: row.id,
    job: row.job,
    status: row.status,
    params: JSON.parse(row.params_json) as Record<string, unknown>,
    progress: JSON.parse(row.progress_json) as JobRun['progress'],
    created_at: row.created_at,
    started_at: row.started_at,
    finished_at: row.finished_at,
    ...(row.result_json !== null ? { result: JSON.parse(row.result_json) as unknown } : {}),
    ...(row.error_json !== null ? { error: JSON.parse(row.error_json) as JobRun['error'] } : {}),
    usage: JSON.parse(row.usage_json) as JobRun['usage'],
  };
}

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
  const failAll = db.prepare(
    "UPDATE job_runs SET status = 'failed', finished_at = ?, error_json = ? WHERE status IN ('queued', 'running')",
  );

  const createAtomically = db.transaction((run: Parameters<JobRunStore['create']>[0]) => {
    const active = activeOf.get(run.job);
    if (active) return { created: false as const, active: toRun(active) };
    insert.run(run.id, run.job, JSON.stringify(run.params), EMPTY_PROGRESS, EMPTY_USAGE, run.createdAt.toISOString());
    return { created: true as const, run: toRun(byId.get(run.id) as JobRunRow) };
  });

  return {
    async create(run) {
      return createAtomically.immediate(run);
    },
    async get(id) {
      const row = byId.get(id);
      return row ? toRun(row) : undefined;
    },
    async list(job, { limit, before }) {
      const beforeSeq = before !== undefined && /^\d+$/.test(before) ? Number(before) : Number.MAX_SAFE_INTEGER;
      const rows = page.all(job, beforeSeq, limit + 1);
      const runs = rows.slice(0, limit);
      const last = runs.at(-1);
      return rows.length > limit && last ? { runs: runs.map(toRun), nextCursor: String(last.seq) } : { runs: runs.map(toRun) };
    },
    async latest(job) {
      const row = page.get(job, Number.MAX_SAFE_INTEGER, 1);
      return row ? toRun(row) : undefined;
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
    async failUnfinished(error, finishedAt) {
      return failAll.run(finishedAt.toISOString(), JSON.stringify(error)).changes;
    },
  };
}
