import { randomBytes } from 'node:crypto';
import { describe, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres/open.js';
import type { Store } from '../../src/store/store.js';
import { dropSchemas, postgresProblem, TEST_POSTGRES_PLACE, TEST_POSTGRES_URL } from '../helpers/postgres-server.js';
import { runStoreConformance } from './conformance/index.js';

/**
 * The conformance suite on a real PostgreSQL (15 in CI) when one answers at KB_TEST_POSTGRES_URL
 * (default: trust auth, database `test`, user `postgres` on 127.0.0.1:5432). Each run gets its own
 * schemas, `kbt_<random>_<n>`, dropped at the end, so runs never collide.
 */
const url = TEST_POSTGRES_URL;
const problem = await postgresProblem();
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
      await dropSchemas(created);
    },
  });
} else {
  describe('store conformance: postgres (server)', () => {
    it.skip(`skipped: no PostgreSQL answers at ${TEST_POSTGRES_PLACE} (${problem}); set KB_TEST_POSTGRES_URL to run it`, () => undefined);
  });
}
