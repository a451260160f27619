import type { KlaviyoConnectionStore } from '../klaviyo-connection.js';
import { toConnection, toOAuthState, type KlaviyoConnectionRow, type OAuthStateRow } from '../klaviyo-connection-rows.js';
import type { PgDatabase } from './database.js';

export function createPgKlaviyoConnection(db: PgDatabase): KlaviyoConnectionStore {
  return {
    async get() {
      const row = (await db.query<KlaviyoConnectionRow>('SELECT * FROM klaviyo_connection WHERE id = 1')).rows[0];
      return row ? toConnection(row) : undefined;
    },
    async save(record, expectedVersion, now) {
      const values = [record.sealedCredentials, record.status, JSON.stringify(record.scopes), record.accountId, record.accessExpiresAt?.getTime() ?? null, record.lastRefreshAt?.getTime() ?? null, record.lastError, now.getTime()];
      // Across replicas too: the insert wins once, and an update only over the version its writer read.
      const result =
        expectedVersion === 0
          ? await db.query(
              `INSERT INTO klaviyo_connection (id, sealed_credentials, status, scopes_json, account_id, access_expires_at, last_refresh_at, last_error, version, updated_at)
               VALUES (1, $1, $2, $3, $4, $5, $6, $7, 1, $8) ON CONFLICT (id) DO NOTHING`,
              values,
            )
          : await db.query(
              `UPDATE klaviyo_connection SET sealed_credentials = $1, status = $2, scopes_json = $3, account_id = $4, access_expires_at = $5,
                 last_refresh_at = $6, last_error = $7, version = version + 1, updated_at = $8 WHERE id = 1 AND version = $9`,
              [...values, expectedVersion],
            );
      return result.rowCount === 1 ? expectedVersion + 1 : undefined;
    },
    async clear() {
      await db.query('DELETE FROM klaviyo_connection');
    },
    async addState(state) {
      await db.query('INSERT INTO oauth_states (state, sealed_verifier, scopes_json, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)', [
        state.state,
        state.sealedVerifier,
        JSON.stringify(state.scopes),
        state.createdAt.getTime(),
        state.expiresAt.getTime(),
      ]);
    },
    async takeState(state, now) {
      const row = (await db.query<OAuthStateRow>('DELETE FROM oauth_states WHERE state = $1 RETURNING *', [state])).rows[0];
      await db.query('DELETE FROM oauth_states WHERE expires_at <= $1', [now.getTime()]);
      return row && Number(row.expires_at) > now.getTime() ? toOAuthState(row) : undefined;
    },
  };
}
