import 'dotenv/config';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './lib/logger.js';
import { createMetrics } from './lib/metrics.js';
import { createAppServer } from './lib/http-server.js';
import { closeServerGracefully } from './lib/shutdown.js';
import { openSqliteStore } from './store/sqlite/open.js';
import { createWebhookWorkers } from '../services/webhooks/webhook-workers.js';
import { createCachedDailyUsage, createKlaviyoService } from '../services/klaviyo/index.js';
import { createKlaviyoAuthMonitor } from '../services/sync/klaviyo-auth-monitor.js';
import { createSyncKlaviyoApi } from '../services/sync/klaviyo-sync-api.js';
import { createSyncWorker } from '../services/sync/sync-worker.js';
import { ALL_JOBS, createJobRunner, createKlaviyoReadsAdapter, createMaveraCallsAdapter } from '../services/jobs/index.js';
import { createMaveraClient } from '../services/mavera/index.js';

/** The only module with effects: reads the environment, listens, handles signals (DESIGN §2). */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }

  const logger = createLogger({ level: config.logLevel });
  if (config.databaseUrl) {
    logger.fatal('DATABASE_URL (PostgreSQL) is not supported yet; unset it to use the embedded store');
    process.exit(78);
  }
  const store = openSqliteStore({ dataDir: config.dataDir });
  const metrics = createMetrics();
  const version = readPackageVersion();
  const webhookWorkers = createWebhookWorkers({ store, logger, metrics, forward: config.webhookForward });
  // ONE Klaviyo service (client + limiters) per process, shared by the sync worker and the jobs.
  const klaviyoAuth = createKlaviyoAuthMonitor(metrics);
  const klaviyoLogger = logger.child({ component: 'klaviyo' });
  const klaviyo = createKlaviyoService({
    apiKey: config.klaviyo.apiKey,
    baseUrl: config.klaviyo.baseUrl,
    revision: config.klaviyo.revision,
    rateShare: config.klaviyo.rateShare,
    metrics,
    logger: klaviyoLogger,
    onAuthStatus: klaviyoAuth.report,
    // The reporting endpoints' 225-a-day cap counts across restarts.
    dailyUsage: createCachedDailyUsage(store.cache, klaviyoLogger),
  });
  await klaviyo.limiters.restoreDailyUsage();
  const syncWorker = createSyncWorker({ outbox: store.outbox, api: createSyncKlaviyoApi(klaviyo), auth: klaviyoAuth, metrics, logger });
  // Jobs read Klaviyo through the same service (shared limiters); without MAVERA_API_KEY only dry runs.
  const maveraKey = config.mavera.apiKey;
  const jobRunner = createJobRunner({
    store,
    jobs: ALL_JOBS,
    klaviyo: createKlaviyoReadsAdapter(klaviyo),
    mavera: maveraKey
      ? createMaveraCallsAdapter(
          createMaveraClient({ apiKey: maveraKey, baseUrl: config.mavera.baseUrl, workspaceId: config.mavera.workspaceId, requestsPerMinute: config.mavera.requestsPerMinute, logger: logger.child({ component: 'mavera' }) }),
        )
      : undefined,
    maveraWorkspaceId: config.mavera.workspaceId,
    logger: logger.child({ component: 'jobs' }),
    metrics,
  });
  const interruptedRuns = await jobRunner.recoverInterrupted();
  if (interruptedRuns > 0) logger.warn({ interruptedRuns }, 'job runs left unfinished by a previous process were marked failed');

  const app = createApp({
    logger,
    store,
    metrics,
    tokens: { ingest: config.auth.ingestTokens, admin: config.auth.adminTokens },
    version,
    jobs: jobRunner,
    readiness: [klaviyoAuth.readiness, syncWorker.readiness],
    sync: { onEnqueued: syncWorker.notify, workerState: syncWorker.state, limiterStats: klaviyo.limiters.stats, consentListId: config.klaviyo.consentListId },
    webhooks: {
      secrets: config.klaviyo.webhookSecrets,
      toleranceS: config.klaviyo.webhookToleranceS,
      onEventsStored: webhookWorkers.wakeDispatcher,
      onForwardsRequeued: webhookWorkers.wakeForwarder,
    },
  });
  webhookWorkers.start();
  await syncWorker.start();

  const server = createAppServer(app);
  server.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    logger.info({ host: config.host, port }, 'klaviyo-bridge listening');
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: draining in-flight requests');
    const hardStop = setTimeout(() => {
      logger.error('shutdown exceeded its bound; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs + 2000);
    hardStop.unref();
    // HTTP drains while the background work winds down; the store closes only after both.
    const [outcome] = await Promise.all([
      closeServerGracefully(server, config.shutdownTimeoutMs),
      jobRunner.stop(config.shutdownTimeoutMs),
      syncWorker.stop(),
      webhookWorkers.stop(),
    ]);
    // A run a last keep-alive request started while HTTP drained is stopped too, before the store goes.
    await jobRunner.stop(1000);
    await store.close();
    logger.info({ outcome }, 'stopped');
    logger.flush(() => process.exit(0));
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/** The nearest package.json above this file (src/ under tsx, dist/src/ once built). */
function readPackageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i += 1) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) return (JSON.parse(readFileSync(candidate, 'utf8')) as { version: string }).version;
    dir = dirname(dir);
  }
  return '0.0.0';
}

main().catch((error: unknown) => {
  process.stderr.write(`klaviyo-bridge failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
