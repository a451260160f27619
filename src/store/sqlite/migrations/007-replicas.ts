import type { Migration } from './index.js';

/**
 * Job runs are queued for whichever process leads (on SQLite, always this one): a cancel of a
 * running run is recorded in `cancel_requested_at`, which the process executing the run watches.
 */
const migration: Migration = {
  version: 7,
  name: 'job runs: cancel requests',
  up(db) {
    db.exec('ALTER TABLE job_runs ADD COLUMN cancel_requested_at TEXT');
  },
};

export default migration;
