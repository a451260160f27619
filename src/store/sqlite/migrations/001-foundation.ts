import type { Migration } from './index.js';

const migration: Migration = {
  version: 1,
  name: 'foundation: cache entries',
  up(db) {
    db.exec(`
      CREATE TABLE cache_entries (
        key         TEXT PRIMARY KEY,
        value_json  TEXT NOT NULL,
        expires_at  INTEGER NOT NULL -- epoch milliseconds
      );
      CREATE INDEX cache_entries_expires_at ON cache_entries (expires_at);
    `);
  },
};

export default migration;
