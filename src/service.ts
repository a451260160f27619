import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import type { Express } from 'express';
import { ALL_JOBS, createJobRunner, createKlaviyoReadsAdapter, createMaveraCallsAdapter, type JobRunner } from '../services/jobs/index.js';
import { createCachedDailyUsage, createKlaviyoService, type KlaviyoService, type KlaviyoServiceOptions } from '../services/klaviyo/index.js';
import { createMaveraClient, type MaveraClientOptions } from '../services/mavera/index.js';
import { createKlaviyoAuthMonitor } from '../services/sync/klaviyo-auth-monitor.js';
import { createSyncKlaviyoApi } from '../services/sync/klaviyo-sync-api.js';
import { createSyncWorker, type SyncWorker } from '../services/sync/sync-worker.js';
import type { SyncTuning } from '../services/sync/sync-tuning.js';
import type { WebhookEventHandler } from '../services/webhooks/dispatcher.js';
import type { ForwardWorkerOptions } from '../services/webhooks/forward-worker.js';
import { createWebhookWorkers, type WebhookWorkers } from '../services/webhooks/webhook-workers.js';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { createLogger, type Logger } from './lib/logger.js';
import { createMetrics, type Metrics } from './lib/metrics.js';
import { closeServerGracefully, type ShutdownOutcome } from './lib/shutdown.js';
import { openSqliteStore } from './store/sqlite/open.js';
import type { Store } from './store/store.js';

/**
 * What a caller may put in place of a part `buildService` would build from the config: tests and
 * benchmarks pass captured logs, a clock, faster timings or a sandbox's speed-up; server.ts passes
 * nothing. Each override is used as given.
 */
export interface ServiceOverrides {
  logger?: Logger;
  metrics?: Metrics;
  /** An already open store (else the SQLite store in `config.dataDir`). */
  store?: Store;
  clock?: () => Date;
  version?: string;
  /** Extra options of the Klaviyo service (e.g. `speedUp` against a sped-up sandbox, `retry`). */
  klaviyo?: Partial<Omit<KlaviyoServiceOptions, 'apiKey' | 'baseUrl' | 'revision'>>;
  /** Extra options of the Mavera client (e.g. `focusGroupPolling`). */
  mavera?: Partial<Omit<MaveraClientOptions, 'apiKey' | 'baseUrl' | 'workspaceId'>>;
  syncTuning?: Partial<SyncTuning>;
  /** Body limits in bytes (defaults: JSON 5 MB, a webhook delivery 10 MB). */
  limits?: { jsonBodyBytes?: number; webhookBodyBytes?: number };
  webhooks?: {
    handlers?: WebhookEventHandler[];
    fetch?: typeof fetch;
    forwardWorker?: Partial<Omit<ForwardWorkerOptions, 'forwards' | 'secret' | 'logger' | 'metrics'>>;
    dispatcherPollIntervalMs?: number;
  };
}

export interface Service {
  readonly app: Express;
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly store: Store;
  readonly klaviyo: KlaviyoService;
  readonly syncWorker: SyncWorker;
  readonly jobs: JobRunner;
  readonly webhookWorkers: WebhookWorkers;
  /** Restores what outlives a restart (daily Klaviyo usage, interrupted runs), then starts the background workers. */
  start(): Promise<void>;
  /** Listens on `port`/`host` (default: the config's); resolves with the bound port. */
  listen(port?: number, host?: string): Promise<{ server: Server; port: number }>;
  /** Drains HTTP (when listening) while the workers wind down, then closes the store. Idempotent. */
  stop(timeoutMs?: number): Promise<ShutdownOutcome | undefined>;
}

/**
 * The one composition root: every part of the service, wired from a validated Config. server.ts,
 * the demo, the benchmarks and the test harnesses all build the service here, so what they run is
 * what production runs.
 */
export function buildService(config: Config, overrides: ServiceOverrides = {}): Service {
  const logger = overrides.logger ?? createLogger({ level: config.logLevel });
  const metrics = overrides.metrics ?? createMetrics();
  const store = overrides.store ?? openSqliteStore({ dataDir: config.dataDir });
  const clock = overrides.clock;

  const webhookWorkers = createWebhookWorkers({ store, logger, metrics, forward: config.webhookForward, clock, ...overrides.webhooks });
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
    ...overrides.klaviyo,
  });
  const syncWorker = createSyncWorker({ outbox: store.outbox, api: createSyncKlaviyoApi(klaviyo), auth: klaviyoAuth, metrics, logger, clock, tuning: overrides.syncTuning });
  // Jobs read Klaviyo through the same service (shared limiters); without MAVERA_API_KEY only dry runs.
  const maveraKey = config.mavera.apiKey;
  const mavera = maveraKey
    ? createMaveraClient({
        apiKey: maveraKey,
        baseUrl: config.mavera.baseUrl,
        workspaceId: config.mavera.workspaceId,
        requestsPerMinute: config.mavera.requestsPerMinute,
        logger: logger.child({ component: 'mavera' }),
        ...overrides.mavera,
      })
    : undefined;
  const jobs = createJobRunner({
    store,
    jobs: ALL_JOBS,
    klaviyo: createKlaviyoReadsAdapter(klaviyo),
    mavera: mavera ? createMaveraCallsAdapter(mavera) : undefined,
    maveraWorkspaceId: config.mavera.workspaceId,
    logger: logger.child({ component: 'jobs' }),
    metrics,
    clock,
  });

  const app = createApp({
    logger,
    store,
    metrics,
    tokens: { ingest: config.auth.ingestTokens, admin: config.auth.adminTokens },
    version: overrides.version,
    jsonBodyLimitBytes: overrides.limits?.jsonBodyBytes,
    jobs,
    readiness: [klaviyoAuth.readiness, syncWorker.readiness],
    sync: { clock, onEnqueued: syncWorker.notify, workerState: syncWorker.state, limiterStats: klaviyo.limiters.stats, consentListId: config.klaviyo.consentListId },
    webhooks: {
      secrets: config.klaviyo.webhookSecrets,
      toleranceS: config.klaviyo.webhookToleranceS,
      bodyLimitBytes: overrides.limits?.webhookBodyBytes,
      clock,
      onEventsStored: webhookWorkers.wakeDispatcher,
      onForwardsRequeued: webhookWorkers.wakeForwarder,
    },
  });

  let server: Server | undefined;
  let stopping: Promise<ShutdownOutcome | undefined> | undefined;

  return {
    app,
    config,
    logger,
    metrics,
    store,
    klaviyo,
    syncWorker,
    jobs,
    webhookWorkers,
    async start() {
      // Fails fast when the database cannot be opened or migrated.
      await store.ping();
      await klaviyo.limiters.restoreDailyUsage();
      const interruptedRuns = await jobs.recoverInterrupted();
      if (interruptedRuns > 0) logger.warn({ interruptedRuns }, 'job runs left unfinished by a previous process were marked failed');
      webhookWorkers.start();
      await syncWorker.start();
    },
    listen(port = config.port, host = config.host) {
      const listening = createServer(app);
      server = listening;
      return new Promise((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(port, host, () => {
          listening.off('error', reject);
          resolve({ server: listening, port: (listening.address() as AddressInfo).port });
        });
      });
    },
    stop(timeoutMs = config.shutdownTimeoutMs) {
      stopping ??= (async () => {
        // HTTP drains while the background work winds down; the store closes only after both.
        const [outcome] = await Promise.all([
          server ? closeServerGracefully(server, timeoutMs) : Promise.resolve(undefined),
          jobs.stop(timeoutMs),
          syncWorker.stop(),
          webhookWorkers.stop(),
        ]);
        // A run a last keep-alive request started while HTTP drained is stopped too, before the store goes.
        await jobs.stop(1000);
        mavera?.stop();
        await store.close();
        return outcome;
      })();
      return stopping;
    },
  };
}
