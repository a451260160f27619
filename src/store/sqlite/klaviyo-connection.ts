import type { Database } from 'better-sqlite3';
import type { KlaviyoConnectionStore } from '../klaviyo-connection.js';
import { toConnection, toOAuthState, type KlaviyoConnectionRow, type OAuthStateRow } from '../klaviyo-connection-rows.js';

export function createSqliteKlaviyoConnection(db: Database): KlaviyoConnectionStore {
  const select = db.prepare<[], KlaviyoConnectionRow>('SELECT * FROM klaviyo_connection WHERE id = 1');
  const insert = db.prepare(
    `INSERT INTO klaviyo_connection (id, sealed_credentials, status, scopes_json, account_id, access_expires_at, last_refresh_at, last_error, version, updated_at)
     VALUES (1, ?, ?, ?, ?, ?, ?, ?, 1, ?) ON CONFLICT (id) DO NOTHING`,
  );
  const update = db.prepare(
    `UPDATE klaviyo_connection SET sealed_credentials = ?, status = ?, scopes_json = ?, account_id = ?, access_expires_at = ?,
       last_refresh_at = ?, last_error = ?, version = version + 1, updated_at = ? WHERE id = 1 AND version = ?`,
  );
  const clear = db.prepare('DELETE FROM klaviyo_connection');
  const addState = db.prepare('INSERT INTO oauth_states (state, sealed_verifier, scopes_json, created_at, expires_at) VALUES (?, ?, ?, ?, ?)');
  const takeState = db.prepare<[string], OAuthStateRow>('DELETE FROM oauth_states WHERE state = ? RETURNING *');
  const dropExpired = db.prepare('DELETE FROM oauth_states WHERE expires_at <= ?');

  return {
    async get() {
      const row = select.get();
      return row ? toConnection(row) : undefined;
    },
    async save(record, expectedVersion, now) {
      const values = [record.sealedCredentials, record.status, JSON.stringify(record.scopes), record.accountId, record.accessExpiresAt?.getTime() ?? null, record.lastRefreshAt?.getTime() ?? null, record.lastError] as const;
      const changes = expectedVersion === 0 ? insert.run(...values, now.getTime()).changes : update.run(...values, now.getTime(), expectedVersion).changes;
      return changes === 1 ? expectedVersion + 1 : undefined;
    },
    async clear() {
      clear.run();
    },
    async addState(state) {
      addState.run(state.state, state.sealedVerifier, JSON.stringify(state.scopes), state.createdAt.getTime(), state.expiresAt.getTime());
    },
    async takeState(state, now) {
      const row = takeState.get(state);
      dropExpired.run(now.getTime());
      return row && row.expires_at > now.getTime() ? toOAuthState(row) : undefined;
    },
  };
}
