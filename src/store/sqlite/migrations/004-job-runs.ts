import type { Migration } from './index.js';

const migration: Migration = {
  version: 4,
  name: 'job runs',
  up(db) {
    db.exec(`
      CREATE TABLE job_runs (
        seq            INTEGER PRIMARY KEY AUTOINCREMENT, -- creation order, the listing cursor
        id             TEXT NOT NULL UNIQUE,
        job            TEXT NOT NULL,
        status         TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
        params_json    TEXT NOT NULL,
        progress_json  TEXT NOT NULL,
        usage_json     TEXT NOT NULL,
        result_json    TEXT,
        error_json     TEXT,
        created_at     TEXT NOT NULL, -- ISO 8601
        started_at     TEXT,
        finished_at    TEXT
      );
      -- At most one queued-or-running run per job, enforced by the database itself.
      CREATE UNIQUE INDEX job_runs_one_active ON job_runs (job) WHERE status IN ('queued', 'running');
      CREATE INDEX job_runs_by_job ON job_runs (job, seq DESC);
    `);
  },
};

export default migration;
