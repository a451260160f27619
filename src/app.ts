import express, { Router, type Express } from 'express';
import helmet from 'helmet';
import { createHealthRouter } from '../routes/health.js';
import { createKlaviyoConnectionRouters } from '../routes/klaviyo-connection.js';
import { createIngestRouter } from '../routes/ingest.js';
import { createJobsRouter } from '../routes/jobs.js';
import { createPrivacyRouter } from '../routes/privacy.js';
import { createSyncRouter } from '../routes/sync.js';
import { createKlaviyoWebhookRouter, type KlaviyoWebhookOptions } from '../routes/webhooks.js';
import { createWebhookAdminRouter } from '../routes/webhooks-admin.js';
import type { JobRunner } from '../services/jobs/runner.js';
import type { KlaviyoConnection } from '../services/klaviyo-connection/connection.js';
import { createPrivacyService, type PrivacyServiceDeps } from '../services/privacy/index.js';
import { createIngestService } from '../services/sync/ingest-service.js';
import { createSyncAdmin, type SyncAdminDeps } from '../services/sync/sync-admin.js';
import { createTokenVerifier, requireAnyToken, requireToken, type TokenSets } from './lib/auth.js';
import type { Logger } from './lib/logger.js';
import type { Metrics } from './lib/metrics.js';
import { OpenApiRegistry } from './lib/openapi.js';
import { enforceBodyLimit, notFoundHandler, problemHandler, refuseDeclaredOversize, requireJsonBody } from './lib/problem.js';
import type { ReadinessCheck } from './lib/readiness.js';
import type { HttpDrain } from './lib/shutdown.js';
import { requestLogging } from './lib/request-logging.js';
import { requestMetrics } from './lib/request-metrics.js';
import type { LeadershipStatus } from './store/leadership.js';
import type { Store } from './store/store.js';

export interface AppDeps {
  logger: Logger;
  store: Store;
  metrics: Metrics;
  tokens: TokenSets;
  /** Extra readiness probes (Klaviyo auth, worker); the store probe is always included. */
  readiness?: ReadinessCheck[];
  /** This replica and the leader, for /readyz and GET /v1/sync (docs/replicas.md). */
  replicas?: () => LeadershipStatus;
  /** The job runner (docs/jobs.md); absent → no /v1/jobs routes. */
  jobs?: JobRunner;
  /** Privacy deletions (docs/privacy.md): the clock and the leader's worker wake-up (absent → it polls). */
  privacy?: Omit<PrivacyServiceDeps, 'privacy'>;
  /** Limit for JSON request bodies, in bytes. */
  jsonBodyLimitBytes?: number;
  version?: string;
  /** Klaviyo webhook receiver (absent → no secret → 503) and the forward worker's wake-up. */
  webhooks?: KlaviyoWebhookOptions & { onForwardsRequeued?: () => void };
  /** The shutdown state: once draining, every answer closes its connection (absent → never draining). */
  drain?: HttpDrain;
  /** Hooks of the sync worker for ingest and sync admin (absent → routes work, nothing is woken). */
  sync?: Omit<SyncAdminDeps, 'outbox' | 'onRequeued'> & { onEnqueued?: () => void; consentListId?: string; defaultPhoneRegion?: string };
  /** OAuth app mode's Klaviyo connection (routes/klaviyo-connection.ts); undefined with a private key. */
  klaviyoConnection?: KlaviyoConnection;
}

export const DEFAULT_JSON_BODY_LIMIT_BYTES = 5 * 1024 * 1024;

/**
 * Builds the Express app from its dependencies: no listening, no env, no globals. Every router is
 * mounted here, in one place: health, the Klaviyo webhook receiver, then everything under /v1.
 */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.set('trust proxy', false);
  // Every answer is live state or the result of a POST: an ETag would only cost a hash per body.
  app.set('etag', false);
  if (deps.drain) app.use(deps.drain.closeConnections);
  app.use(helmet());
  app.use(requestLogging(deps.logger));
  app.use(requestMetrics(deps.metrics));

  const openapi = new OpenApiRegistry();
  const verifyToken = createTokenVerifier(deps.tokens);
  const requireAdmin = requireToken(verifyToken, 'admin');
  // Fails after a storage error until a write succeeds, under the free-space floor, and on corruption.
  const storeCheck: ReadinessCheck = { name: 'store', check: () => deps.store.health() };
  app.use(createHealthRouter({ metrics: deps.metrics, readiness: [storeCheck, ...(deps.readiness ?? [])], openapi, version: deps.version ?? '0.0.0', replicas: deps.replicas }));
  // Outside /v1, so no JSON parser runs before it: the Klaviyo signature covers the raw bytes.
  app.use(createKlaviyoWebhookRouter({ inbox: deps.store.inbox, metrics: deps.metrics, openapi, options: deps.webhooks }));

  // No work before auth: every /v1 route checks its token first and only then parses a body, so a
  // caller without a valid token never gets one read (the body-parser would read up to 5 MB).
  // Each router places these after its guard, on the routes that take a body.
  const jsonLimit = deps.jsonBodyLimitBytes ?? DEFAULT_JSON_BODY_LIMIT_BYTES;
  const parseJson = [requireJsonBody, refuseDeclaredOversize(jsonLimit), enforceBodyLimit(express.json({ limit: jsonLimit }), jsonLimit)];
  // The OAuth callback is public (its single-use `state` is the credential); the rest is admin under /v1.
  const connectionRouters = createKlaviyoConnectionRouters({ connection: deps.klaviyoConnection, openapi, requireAdmin, parseJson });
  app.use(connectionRouters.callback);
  const v1 = Router();
  const ingest = createIngestService({ outbox: deps.store.outbox, metrics: deps.metrics, clock: deps.sync?.clock, onEnqueued: deps.sync?.onEnqueued, consentListId: deps.sync?.consentListId });
  v1.use(createIngestRouter({ ingest, requireIngestToken: requireToken(verifyToken, 'ingest'), parseJson, openapi, clock: deps.sync?.clock, defaultPhoneRegion: deps.sync?.defaultPhoneRegion }));
  v1.use(
    createWebhookAdminRouter({
      inbox: deps.store.inbox,
      forwards: deps.store.forwards,
      openapi,
      requireAdmin,
      parseJson,
      clock: deps.webhooks?.clock,
      onForwardsRequeued: deps.webhooks?.onForwardsRequeued,
    }),
  );
  const syncAdmin = createSyncAdmin({ ...deps.sync, outbox: deps.store.outbox, onRequeued: deps.sync?.onEnqueued, replicas: deps.replicas });
  v1.use(createSyncRouter({ admin: syncAdmin, requireAdmin, parseJson, openapi }));
  if (deps.jobs) v1.use(createJobsRouter({ runner: deps.jobs, openapi, requireAdmin, parseJson }));
  v1.use(connectionRouters.v1);
  v1.use(createPrivacyRouter({ privacy: createPrivacyService({ ...deps.privacy, privacy: deps.store.privacy }), openapi, requireAdmin, parseJson }));
  // What no router claimed: a valid token of either kind, else 401; then the 404 below. No body is read.
  v1.use(requireAnyToken(verifyToken));
  app.use('/v1', v1);

  app.use(notFoundHandler);
  app.use(problemHandler());
  return app;
}
