import { reportPort } from '../lib/child-server.js';
import { benchService } from '../lib/service.js';

export { BENCH_INGEST_TOKEN } from '../lib/service.js';

/**
 * The service as server.ts composes it (args: `[klaviyoUrl apiKey]`). With a Klaviyo sandbox URL and key, it runs
 * as in production: the sync worker drains what is ingested to that sandbox while requests arrive.
 * Without, only the ingest path runs (validation, mapping, the durable write before 202).
 */
const [klaviyoUrl, klaviyoKey] = process.argv.slice(2);
const { service, close } = benchService(klaviyoUrl && klaviyoKey ? { KLAVIYO_BASE_URL: klaviyoUrl, KLAVIYO_API_KEY: klaviyoKey } : {});
if (klaviyoUrl) await service.start();
void service.listen(0, '127.0.0.1').then(({ port }) => reportPort(port));

process.on('SIGTERM', () => void close().then(() => process.exit(0)));
