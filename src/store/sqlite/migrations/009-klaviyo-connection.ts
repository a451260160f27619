import type { Migration } from './index.js';

/**
 * OAuth app mode: the one Klaviyo connection (its credential object sealed with SECRETS_KEY, a version
 * that makes a refresh's save conditional) and the pending authorization requests (single use, short-lived).
 */
const migration: Migration = {
  version: 9,
  name: 'klaviyo connection: sealed OAuth credentials, pending authorizations',
  up(db) {
    db.exec(`
      CREATE TABLE klaviyo_connection (
        id                 INTEGER PRIMARY KEY CHECK (id = 1),
        sealed_credentials TEXT NOT NULL,
        status             TEXT NOT NULL CHECK (status IN ('connected', 'revoked', 'failing')),
        scopes_json        TEXT NOT NULL,
        account_id         TEXT,
        access_expires_at  INTEGER,
        last_refresh_at    INTEGER,
        last_error         TEXT,
        version            INTEGER NOT NULL,
        updated_at         INTEGER NOT NULL
      );
      CREATE TABLE oauth_states (
        state           TEXT PRIMARY KEY,
        sealed_verifier TEXT NOT NULL,
        scopes_json     TEXT NOT NULL,
        created_at      INTEGER NOT NULL,
        expires_at      INTEGER NOT NULL
      ) WITHOUT ROWID;
    `);
  },
};

export default migration;
