import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres/open.js';
import type { Store } from '../../src/store/store.js';
import { runStoreConformance } from './conformance/index.js';

/**
 * The conformance suite on a real PostgreSQL (15 in CI) when one answers at KB_TEST_POSTGRES_URL
 * (default: trust auth, database `test`, user `postgres` on 127.0.0.1:5432). Each run gets its own
 * schemas, `kbt_<random>_<n>`, dropped at the end, so runs never collide.
 */
const url = process.env.KB_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function serverProblem(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return error instanceof Error ? `${(error as Error & { code?: string }).code ?? ''} ${error.message}`.trim() : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const problem = await serverProblem();
const run = `kbt_${randomBytes(4).toString('hex')}`;
const schemas = new WeakMap<Store, string>();
const created: string[] = [];
let counter = 0;

async function openIn(schema: string): Promise<Store> {
  const store = await openPostgresStore({ connectionString: url, schema, maxConnections: 4 });
  schemas.set(store, schema);
  return store;
}

if (problem === undefined) {
  runStoreConformance('postgres (server)', {
    async open() {
      counter += 1;
      const schema = `${run}_${counter}`;
      created.push(schema);
      return openIn(schema);
    },
    async reopen(store) {
      const schema = schemas.get(store);
      if (!schema) throw new Error('unknown store');
      await store.close();
      return openIn(schema);
    },
    async cleanup() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        for (const schema of created) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await client.end();
      }
    },
  });
} else {
  describe('store conformance: postgres (server)', () => {
    it.skip(`skipped: no PostgreSQL answers at ${url.replace(/:[^:@/]*@/, '@')} (${problem}); set KB_TEST_POSTGRES_URL to run it`, () => undefined);
  });
}
