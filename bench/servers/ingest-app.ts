import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createApp } from '../../src/app.js';
import { createAppServer } from '../../src/lib/http-server.js';
import { createLogger } from '../../src/lib/logger.js';
import { createMetrics } from '../../src/lib/metrics.js';
import { openSqliteStore } from '../../src/store/sqlite/open.js';
import { reportPort } from '../lib/child-server.js';

/**
 * The real app as server.ts composes it (logging at info, metrics) on a fresh SQLite store, for the
 * ingest path alone: validation, mapping and the durable write before 202. No worker drains here,
 * so the figures are the edge's, not shared with delivery.
 */
export const BENCH_INGEST_TOKEN = 'bench-ingest-token-0000000';
const dataDir = mkdtempSync(join(tmpdir(), 'kb-bench-ingest-'));
const store = openSqliteStore({ dataDir });
const logger = createLogger({ level: 'info', destination: pino.destination({ dest: '/dev/null', sync: false }) });
const app = createApp({ logger, store, metrics: createMetrics(), tokens: { ingest: [BENCH_INGEST_TOKEN], admin: ['bench-admin-token-00000000'] } });
const server = createAppServer(app);
server.listen(0, '127.0.0.1', () => reportPort((server.address() as AddressInfo).port));

process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void store.close().then(() => {
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
});
