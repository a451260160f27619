import { PGlite } from '@electric-sql/pglite';
import { pgliteDatabase } from '../../src/store/postgres/database.js';
import { openPostgresStore } from '../../src/store/postgres/open.js';
import type { Store } from '../../src/store/store.js';
import { runStoreConformance } from './conformance/index.js';

// One in-process PGlite per file (an instance takes seconds to start); one schema per open(). PGlite
// is a single session, so the harness points search_path at the store's schema as it opens it (the
// suites hold one store open at a time).
const pglite = new PGlite();
const schemas = new WeakMap<Store, string>();
let counter = 0;

async function openIn(schema: string): Promise<Store> {
  await pglite.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path TO ${schema}`);
  const store = await openPostgresStore({ database: pgliteDatabase(pglite, { owned: false }) });
  schemas.set(store, schema);
  return store;
}

runStoreConformance('postgres (PGlite)', {
  async open() {
    counter += 1;
    return openIn(`conformance_${counter}`);
  },
  async reopen(store) {
    const schema = schemas.get(store);
    if (!schema) throw new Error('unknown store');
    await store.close();
    return openIn(schema);
  },
  async cleanup() {
    await pglite.close();
  },
});
