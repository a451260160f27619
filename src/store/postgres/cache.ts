import type { CacheStore } from '../store.js';
import type { PgDatabase } from './database.js';

export function createPgCache(db: PgDatabase): CacheStore {
  return {
    async get<T>(key: string, now: Date) {
      const { rows } = await db.query<{ value_json: string }>('SELECT value_json FROM cache_entries WHERE key = $1 AND expires_at > $2', [key, now.getTime()]);
      const row = rows[0];
      return row ? (JSON.parse(row.value_json) as T) : undefined;
    },
    async set(key, value, ttlMs, now) {
      await db.query(
        `INSERT INTO cache_entries (key, value_json, expires_at) VALUES ($1, $2, $3)
         ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json, expires_at = excluded.expires_at`,
        [key, JSON.stringify(value), now.getTime() + ttlMs],
      );
    },
    async delete(key) {
      await db.query('DELETE FROM cache_entries WHERE key = $1', [key]);
    },
    async purgeExpired(now) {
      return (await db.query('DELETE FROM cache_entries WHERE expires_at <= $1', [now.getTime()])).rowCount;
    },
  };
}
