import { reportPort } from '../lib/child-server.js';
import { openPostgresStore } from '../../src/store/postgres/open.js';
import { benchService } from '../lib/service.js';

export { BENCH_INGEST_TOKEN } from '../lib/service.js';

/**
 * The service as server.ts composes it (args: `[klaviyoUrl apiKey]`). With a Klaviyo sandbox URL and key, it runs
 * as in production: the sync worker drains what is ingested to that sandbox while requests arrive.
 * Without, only the ingest path runs (validation, mapping, the durable write before 202).
 * With BENCH_DATABASE_URL the store is PostgreSQL's.
 */
const [klaviyoUrl, klaviyoKey] = process.argv.slice(2);
// BENCH_DATABASE_URL: the store on PostgreSQL (the schema in its search_path must exist), else SQLite.
const databaseUrl = process.env.BENCH_DATABASE_URL || undefined;
const store = databaseUrl ? await openPostgresStore({ connectionString: databaseUrl }) : undefined;
const { service, close } = benchService(
  { ...(klaviyoUrl && klaviyoKey ? { KLAVIYO_BASE_URL: klaviyoUrl, KLAVIYO_API_KEY: klaviyoKey } : {}), DATABASE_URL: databaseUrl },
  { store },
);
if (klaviyoUrl) await service.start();
void service.listen(0, '127.0.0.1').then(({ port }) => reportPort(port));

process.on('SIGTERM', () => void close().then(() => process.exit(0)));
