import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import type { Express } from 'express';
import { ALL_JOBS, createJobRunner, createKlaviyoReadsAdapter, createMaveraCallsAdapter, type JobRunner } from '../services/jobs/index.js';
import { createCachedDailyUsage, createKlaviyoService, klaviyoReachabilityCheck, type KlaviyoService, type KlaviyoServiceOptions } from '../services/klaviyo/index.js';
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
import { closeServerGracefully, createHttpDrain, trackUnusedConnections, type ShutdownOutcome } from './lib/shutdown.js';
import { startStoreMaintenance, type StoreMaintenance } from './store/maintenance.js';
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
  /** The listening server's time bounds, shortened by tests (defaults: HTTP_SERVER_TIMEOUTS). */
  http?: Partial<HttpServerTimeouts>;
  webhooks?: {
    handlers?: WebhookEventHandler[];
    fetch?: typeof fetch;
    forwardWorker?: Partial<Omit<ForwardWorkerOptions, 'forwards' | 'secret' | 'logger' | 'metrics'>>;
    dispatcherPollIntervalMs?: number;
  };
}

export interface HttpServerTimeouts {
  /** The whole request, head and body, must arrive within this (Node's requestTimeout); else 408. */
  requestTimeoutMs: number;
  /** The request head must arrive within this (headersTimeout); else 408. */
  headersTimeoutMs: number;
  /** How often Node checks the two bounds above, so each is enforced within this much of its time. */
  connectionsCheckingIntervalMs: number;
}

/**
 * Fixed in production (docs/operations.md): a client that dribbles its request cannot hold a
 * connection longer than this. Node checks them every 30 s by default, which would let a 30 s
 * bound run to 60 s; a 1 s check keeps it honest for a negligible cost (one pass over the open
 * connections).
 */
export const HTTP_SERVER_TIMEOUTS: HttpServerTimeouts = { requestTimeoutMs: 30_000, headersTimeoutMs: 15_000, connectionsCheckingIntervalMs: 1000 };

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
  /**
   * Fails /readyz and closes every connection after its current answer at once, drains HTTP (when
   * listening) while the workers wind down, then closes the store. Idempotent.
   */
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
  const store =
    overrides.store ??
    openSqliteStore({ dataDir: config.dataDir, maxPendingPerKind: config.store.maxPendingPerKind, minFreeBytes: config.store.minFreeBytes, quickCheck: config.store.quickCheck });
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

  const drain = createHttpDrain();
  const app = createApp({
    logger,
    drain,
    store,
    metrics,
    tokens: { ingest: config.auth.ingestTokens, admin: config.auth.adminTokens },
    version: overrides.version,
    jsonBodyLimitBytes: overrides.limits?.jsonBodyBytes,
    jobs,
    readiness: [
      klaviyoAuth.readiness,
      klaviyoReachabilityCheck(klaviyo.client, { unreachableReadyS: config.klaviyoUnreachableReadyS, clock }),
      syncWorker.readiness,
      drain.readiness,
    ],
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
  let unusedConnections: ReturnType<typeof trackUnusedConnections> | undefined;
  let stopping: Promise<ShutdownOutcome | undefined> | undefined;
  let maintenance: StoreMaintenance | undefined;

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
      for (const warning of config.warnings) logger.warn(warning);
      // Fails fast when the database cannot be opened or migrated.
      await store.ping();
      // Webhook retention and cache expiry: once now, then hourly.
      maintenance = startStoreMaintenance({ store, retentionDays: config.store.webhookRetentionDays, clock, logger: logger.child({ component: 'store' }) });
      await klaviyo.limiters.restoreDailyUsage();
      const interruptedRuns = await jobs.recoverInterrupted();
      if (interruptedRuns > 0) logger.warn({ interruptedRuns }, 'job runs left unfinished by a previous process were marked failed');
      webhookWorkers.start();
      await syncWorker.start();
    },
    listen(port = config.port, host = config.host) {
      const timeouts = { ...HTTP_SERVER_TIMEOUTS, ...overrides.http };
      const listening = createServer(
        {
          requestTimeout: timeouts.requestTimeoutMs,
          // Node refuses a head bound longer than the whole request's; a test may shorten only the latter.
          headersTimeout: Math.min(timeouts.headersTimeoutMs, timeouts.requestTimeoutMs),
          connectionsCheckingInterval: timeouts.connectionsCheckingIntervalMs,
        },
        app,
      );
      // Beyond it, Node closes a new connection at once ('drop'): memory and file descriptors stay bounded.
      listening.maxConnections = config.http.maxConnections;
      unusedConnections = trackUnusedConnections(listening);
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
        // Before anything else: /readyz fails and keep-alive clients are told to leave.
        drain.begin();
        // HTTP drains while the background work winds down; the store closes only after both.
        const [outcome] = await Promise.all([
          server ? closeServerGracefully(server, timeoutMs, unusedConnections) : Promise.resolve(undefined),
          jobs.stop(timeoutMs),
          syncWorker.stop(),
          webhookWorkers.stop(),
        ]);
        // A run a last keep-alive request started while HTTP drained is stopped too, before the store goes.
        await jobs.stop(1000);
        mavera?.stop();
        await maintenance?.stop();
        await store.close();
        return outcome;
      })();
      return stopping;
    },
  };
}
