import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import type { Express } from 'express';
import { ALL_JOBS, createJobRunner, createKlaviyoReadsAdapter, createMaveraCallsAdapter, type JobRunner } from '../services/jobs/index.js';
import { createCachedDailyUsage, createKlaviyoService, klaviyoReachabilityCheck, type KlaviyoService, type KlaviyoServiceOptions } from '../services/klaviyo/index.js';
import { createMaveraClient, type MaveraClientOptions } from '../services/mavera/index.js';
import { createKlaviyoAuthMonitor } from '../services/sync/klaviyo-auth-monitor.js';
import { createSyncKlaviyoApi } from '../services/sync/klaviyo-sync-api.js';
import type { SyncTuning } from '../services/sync/sync-tuning.js';
import type { PrivacyWorkerOptions } from '../services/privacy/index.js';
import type { WebhookEventHandler } from '../services/webhooks/dispatcher.js';
import type { ForwardWorkerOptions } from '../services/webhooks/forward-worker.js';
import { createKlaviyoConnection } from '../services/klaviyo-connection/connection.js';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { createLogger, type Logger } from './lib/logger.js';
import { createMetrics, type Metrics } from './lib/metrics.js';
import { closeServerGracefully, createHttpDrain, trackUnusedConnections, type ShutdownOutcome } from './lib/shutdown.js';
import { createLeaderWork } from './leader-work.js';
import { NotLeaderError, soleLeadership, type Leadership } from './store/leadership.js';
import { createPgLeadership, type LeadershipTimings } from './store/postgres/leadership.js';
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
  /** An already open store (else the SQLite store in `config.dataDir`; server.ts opens PostgreSQL's for DATABASE_URL). */
  store?: Store;
  /** How this replica learns whether it leads (else: alone on SQLite, elected on PostgreSQL with config.databaseUrl). */
  leadership?: Leadership;
  /** The PostgreSQL election's timings (tests shorten them). */
  leadershipTimings?: Partial<LeadershipTimings>;
  clock?: () => Date;
  version?: string;
  /** Extra options of the Klaviyo service (e.g. `speedUp` against a sped-up sandbox, `retry`). */
  klaviyo?: Partial<Omit<KlaviyoServiceOptions, 'apiKey' | 'baseUrl' | 'revision'>>;
  /** Extra options of the Mavera client (e.g. `focusGroupPolling`). */
  mavera?: Partial<Omit<MaveraClientOptions, 'apiKey' | 'baseUrl' | 'workspaceId'>>;
  syncTuning?: Partial<SyncTuning>;
  /** The privacy worker's poll and backoff (tests shorten them). */
  privacyWorker?: Pick<PrivacyWorkerOptions, 'pollIntervalMs' | 'backoff'>;
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
  readonly jobs: JobRunner;
  readonly leadership: Leadership;
  /**
   * Checks the store, then campaigns for leadership: the background workers run while this replica
   * leads (at once on SQLite, when elected on PostgreSQL), after restoring what outlives a term
   * (Klaviyo usage, interrupted runs).
   */
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

  const leadership = overrides.leadership ?? defaultLeadership(config, store, logger, overrides.leadershipTimings);
  // ONE Klaviyo service (client + limiters) per process, used by the leader's drainer and jobs.
  const klaviyoAuth = createKlaviyoAuthMonitor(metrics);
  const klaviyoLogger = logger.child({ component: 'klaviyo' });
  // OAuth app mode: the connection's credentials (refreshed as needed); else the private key.
  const klaviyoConnection = config.klaviyo.oauth
    ? createKlaviyoConnection({
        config: config.klaviyo.oauth,
        store: store.klaviyoConnection,
        baseUrl: config.klaviyo.baseUrl,
        fetch: overrides.klaviyo?.fetch,
        logger,
        clock,
      })
    : undefined;
  const klaviyo = createKlaviyoService({
    apiKey: config.klaviyo.apiKey,
    credentials: klaviyoConnection?.credentials,
    baseUrl: config.klaviyo.baseUrl,
    revision: config.klaviyo.revision,
    rateShare: config.klaviyo.rateShare,
    metrics,
    logger: klaviyoLogger,
    onAuthStatus: klaviyoAuth.report,
    // The reporting endpoints' 225-a-day cap counts across restarts and replicas.
    dailyUsage: createCachedDailyUsage(store.cache, klaviyoLogger),
    userAgent: `klaviyo-bridge/${overrides.version ?? '0.0.0'} (replica ${config.replicaId})`,
    // Only a leader sure of its term calls Klaviyo (docs/replicas.md).
    mayCall: () => {
      if (!leadership.mayLead()) throw new NotLeaderError('this replica is not the leader (or cannot confirm it): no Klaviyo call');
    },
    ...overrides.klaviyo,
  });
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
  const leaderWork = createLeaderWork({
    store,
    leadership,
    logger,
    jobs,
    limiters: klaviyo.limiters,
    syncWorker: { api: createSyncKlaviyoApi(klaviyo), auth: klaviyoAuth, metrics, logger, clock, tuning: overrides.syncTuning, identityConflict: config.klaviyo.identityConflict },
    webhooks: { logger, metrics, forward: config.webhookForward, clock, ...overrides.webhooks },
    privacy: { klaviyo: klaviyo.privacy, logger, clock, ...overrides.privacyWorker },
    webhookRetentionDays: config.store.webhookRetentionDays,
    clock,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
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
      leaderWork.readiness,
      drain.readiness,
      ...(klaviyoConnection ? [klaviyoConnection.readiness] : []),
    ],
    klaviyoConnection,
    replicas: () => leadership.status(),
    privacy: { clock, onRequested: leaderWork.wakePrivacy },
    sync: { clock, onEnqueued: leaderWork.notifySync, workerState: leaderWork.workerState, limiterStats: klaviyo.limiters.stats, consentListId: config.klaviyo.consentListId, defaultPhoneRegion: config.defaultPhoneRegion },
    webhooks: {
      secrets: config.klaviyo.webhookSecrets,
      toleranceS: config.klaviyo.webhookToleranceS,
      bodyLimitBytes: overrides.limits?.webhookBodyBytes,
      clock,
      onEventsStored: leaderWork.wakeDispatcher,
      onForwardsRequeued: leaderWork.wakeForwarder,
    },
  });

  let server: Server | undefined;
  let unusedConnections: ReturnType<typeof trackUnusedConnections> | undefined;
  let stopping: Promise<ShutdownOutcome | undefined> | undefined;

  return {
    app,
    config,
    logger,
    metrics,
    store,
    klaviyo,
    jobs,
    leadership,
    async start() {
      for (const warning of config.warnings) logger.warn(warning);
      // Fails fast when the database cannot be opened or migrated.
      await store.ping();
      leaderWork.begin();
      await leadership.start(leaderWork);
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
        // Leader work stops and leadership is handed over (resigned) at once, while HTTP drains.
        const [outcome] = await Promise.all([server ? closeServerGracefully(server, timeoutMs, unusedConnections) : Promise.resolve(undefined), leadership.stop()]);
        mavera?.stop();
        await store.close();
        return outcome;
      })();
      return stopping;
    },
  };
}

/**
 * On SQLite the one process leads (its lock file keeps it alone); on PostgreSQL the replicas sharing
 * DATABASE_URL elect one (docs/replicas.md).
 */
function defaultLeadership(config: Config, store: Store, logger: Logger, timings: Partial<LeadershipTimings> | undefined): Leadership {
  if (store.backend === 'sqlite') return soleLeadership(config.replicaId);
  if (!config.databaseUrl) throw new Error('a PostgreSQL store needs config.databaseUrl (or overrides.leadership) to elect its leader');
  return createPgLeadership({ connectionString: config.databaseUrl, replicaId: config.replicaId, logger, timings });
}
