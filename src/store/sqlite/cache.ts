import type { Database } from 'better-sqlite3';
import type { CacheStore } from '../store.js';

export function createSqliteCache(db: Database): CacheStore {
  const select = db.prepare<[string, number], { value_json: string }>(
    'SELECT value_json FROM cache_entries WHERE key = ? AND expires_at > ?',
  );
  const upsert = db.prepare(
    `INSERT INTO cache_entries (key, value_json, expires_at) VALUES (?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json, expires_at = excluded.expires_at`,
  );
  const remove = db.prepare('DELETE FROM cache_entries WHERE key = ?');
  const purge = db.prepare('DELETE FROM cache_entries WHERE expires_at <= ?');
  return {
    async get<T>(key: string, now: Date) {
      const row = select.get(key, now.getTime());
      return row ? (JSON.parse(row.value_json) as T) : undefined;
    },
    async set(key, value, ttlMs, now) {
      upsert.run(key, JSON.stringify(value), now.getTime() + ttlMs);
    },
    async delete(key) {
      remove.run(key);
    },
    async purgeExpired(now) {
      return purge.run(now.getTime()).changes;
    },
  };
}
