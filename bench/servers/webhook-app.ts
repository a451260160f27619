import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createWebhookWorkers } from '../../services/webhooks/webhook-workers.js';
import { createApp } from '../../src/app.js';
import { createAppServer } from '../../src/lib/http-server.js';
import { createLogger } from '../../src/lib/logger.js';
import { createMetrics } from '../../src/lib/metrics.js';
import { openSqliteStore } from '../../src/store/sqlite/open.js';
import { reportPort } from '../lib/child-server.js';

/**
 * The real app as server.ts composes it (logging at info, metrics, dispatcher running) on a fresh
 * SQLite store in a temp dir. The webhook secret is the first CLI argument.
 */
const secret = process.argv[2] ?? 'bench-webhook-secret-0123456789';
const dataDir = mkdtempSync(join(tmpdir(), 'kb-bench-webhooks-'));
const store = openSqliteStore({ dataDir });
const logger = createLogger({ level: 'info', destination: pino.destination({ dest: '/dev/null', sync: false }) });
const metrics = createMetrics();
const workers = createWebhookWorkers({ store, logger, metrics, forward: { targets: [], secret: undefined } });
const app = createApp({
  logger,
  store,
  metrics,
  tokens: { ingest: ['bench-ingest-token-0000000'], admin: ['bench-admin-token-00000000'] },
  webhooks: { secrets: [secret], toleranceS: 300, onEventsStored: workers.wakeDispatcher },
});
workers.start();
const server = createAppServer(app);
server.listen(0, '127.0.0.1', () => reportPort((server.address() as AddressInfo).port));

process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void workers.stop().then(async () => {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
});
