import { reportPort } from '../lib/child-server.js';
import { benchService } from '../lib/service.js';

export { BENCH_INGEST_TOKEN } from '../lib/service.js';

/**
 * The service as server.ts composes it, for the ingest path alone: validation, mapping and the
 * durable write before 202. No worker drains here, so the figures are the edge's.
 */
const { service, close } = benchService({});
void service.listen(0, '127.0.0.1').then(({ port }) => reportPort(port));

process.on('SIGTERM', () => void close().then(() => process.exit(0)));
