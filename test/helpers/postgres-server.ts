import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The real PostgreSQL the server-backed suites use: KB_TEST_POSTGRES_URL, else this machine's
 * (trust auth, database `test`, user `postgres` on 127.0.0.1:5432). Without one they skip, unless
 * KB_REQUIRE_POSTGRES=1 (CI, which provides one): then they fail, so a missing server is never a
 * silent green.
 */
export const TEST_POSTGRES_URL = process.env.KB_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The URL without a password, for skip messages. */
export const TEST_POSTGRES_PLACE = TEST_POSTGRES_URL.replace(/:[^:@/]*@/, '@');

/** Why no PostgreSQL answers at TEST_POSTGRES_URL, or undefined when one does. Throws when KB_REQUIRE_POSTGRES=1 and none does. */
export async function postgresProblem(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL, connectionTimeoutMillis: 2_000 });
  let problem: string | undefined;
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    problem = error instanceof Error ? `${(error as Error & { code?: string }).code ?? ''} ${error.message}`.trim() : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
  if (problem !== undefined && process.env.KB_REQUIRE_POSTGRES === '1') {
    throw new Error(`KB_REQUIRE_POSTGRES=1 but no PostgreSQL answers at ${TEST_POSTGRES_PLACE}: ${problem}`);
  }
  return problem;
}

/** A schema name no other run uses: `<prefix>_<random>`. */
export const uniqueSchemaName = (prefix: string) => `${prefix}_${randomBytes(4).toString('hex')}`;

/** TEST_POSTGRES_URL with the schema as search_path: what a replica's DATABASE_URL is in the tests. */
export function urlWithSchema(schema: string, base = TEST_POSTGRES_URL): string {
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/** Runs one statement (or several, without parameters) on a connection of its own. */
export async function runSql(sql: string, values?: unknown[], connectionString = TEST_POSTGRES_URL): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return await client.query(sql, values);
  } finally {
    await client.end();
  }
}

export const createSchema = (schema: string) => runSql(`CREATE SCHEMA ${schema}`);
export const dropSchemas = (schemas: readonly string[]) =>
  schemas.length === 0 ? Promise.resolve() : runSql(schemas.map((schema) => `DROP SCHEMA IF EXISTS ${schema} CASCADE;`).join('\n')).then(() => undefined);
