import express, { type Express, type Router } from 'express';
import { createHealthRouter } from '../routes/health.js';
import { registerKlaviyoWebhookRoute, type KlaviyoWebhookOptions } from '../routes/webhooks.js';
import { createWebhookAdminRouter } from '../routes/webhooks-admin.js';
import { createTokenVerifier, requireToken, type TokenSets } from './lib/auth.js';
import type { Logger } from './lib/logger.js';
import type { Metrics } from './lib/metrics.js';
import { OpenApiRegistry } from './lib/openapi.js';
import { notFoundHandler, problemHandler, requireJsonBody } from './lib/problem.js';
import type { ReadinessCheck } from './lib/readiness.js';
import { lazyRequestLogger, observeRequests } from './lib/access-log.js';
import { securityHeaders } from './lib/security-headers.js';
import { writeJson } from './lib/json-response.js';
import { jsonBody } from './lib/raw-body.js';
import type { Store } from './store/store.js';
import { createJobsRouter } from '../routes/jobs.js';
import type { JobRunner } from '../services/jobs/runner.js';
import { registerIngestRoutes } from '../routes/ingest.js';
import { createSyncRouter } from '../routes/sync.js';
import { createIngestService } from '../services/sync/ingest-service.js';
import { createSyncAdmin, type SyncAdminDeps } from '../services/sync/sync-admin.js';

export interface AppDeps {
  logger: Logger;
  store: Store;
  metrics: Metrics;
  tokens: TokenSets;
  /** Extra readiness probes (Klaviyo auth, worker); the store probe is always included. */
  readiness?: ReadinessCheck[];
  /** The job runner (DESIGN §4.5); absent → no /v1/jobs routes. */
  jobs?: JobRunner;
  /** Limit for JSON request bodies, in bytes. */
  jsonBodyLimitBytes?: number;
  version?: string;
  /** Klaviyo webhook receiver (absent → no secret → 503) and the forward worker's wake-up. */
  webhooks?: KlaviyoWebhookOptions & { onForwardsRequeued?: () => void };
  /** Hooks of the sync worker for ingest and sync admin (absent → routes work, nothing is woken). */
  sync?: Omit<SyncAdminDeps, 'outbox' | 'onRequeued'> & { onEnqueued?: () => void; consentListId?: string };
}

export const DEFAULT_JSON_BODY_LIMIT_BYTES = 5 * 1024 * 1024;

/** Builds the Express app from its dependencies: no listening, no env, no globals (STYLE 1). */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // An API of POSTs and live state: no client revalidates, so hashing every body for an ETag is waste.
  app.set('etag', false);
  app.set('trust proxy', false);
  app.response.json = writeJson as typeof app.response.json;
  // Helmet's default headers, computed once; then request id, access log and latency in one listener.
  app.use(securityHeaders());
  lazyRequestLogger(app.request, deps.logger);
  app.use(observeRequests({ logger: deps.logger, metrics: deps.metrics }));

  const openapi = new OpenApiRegistry();
  const verifyToken = createTokenVerifier(deps.tokens);
  const storeCheck: ReadinessCheck = {
    name: 'store',
    check: async () => {
      await deps.store.ping();
      return { ok: true };
    },
  };

  // Hot routes first, on the app itself (ingest, then the Klaviyo receiver), so they walk past no
  // other router's layers; then the /v1 admin routers behind the same JSON parsers.
  const parseJson = [requireJsonBody, jsonBody(deps.jsonBodyLimitBytes ?? DEFAULT_JSON_BODY_LIMIT_BYTES)];
  const syncClock = deps.sync?.clock;
  const ingest = createIngestService({ outbox: deps.store.outbox, metrics: deps.metrics, clock: syncClock, onEnqueued: deps.sync?.onEnqueued, consentListId: deps.sync?.consentListId });
  registerIngestRoutes(app, { ingest, requireIngestToken: requireToken(verifyToken, 'ingest'), parseJson, openapi });
  // Outside /v1, so no JSON parser runs before it: the Klaviyo signature covers the raw bytes.
  registerKlaviyoWebhookRoute(app, { inbox: deps.store.inbox, metrics: deps.metrics, openapi, options: deps.webhooks });

  const api: Router = express.Router();
  api.use(...parseJson);
  api.use(
    createWebhookAdminRouter({
      inbox: deps.store.inbox,
      forwards: deps.store.forwards,
      openapi,
      requireAdmin: requireToken(verifyToken, 'admin'),
      clock: deps.webhooks?.clock,
      onForwardsRequeued: deps.webhooks?.onForwardsRequeued,
    }),
  );
  const syncAdmin = createSyncAdmin({ ...deps.sync, outbox: deps.store.outbox, onRequeued: deps.sync?.onEnqueued });
  api.use(createSyncRouter({ admin: syncAdmin, requireAdmin: requireToken(verifyToken, 'admin'), openapi }));
  if (deps.jobs) api.use(createJobsRouter({ runner: deps.jobs, openapi, requireAdmin: requireToken(verifyToken, 'admin') }));
  app.use('/v1', api);

  app.use(
    createHealthRouter({
      metrics: deps.metrics,
      readiness: [storeCheck, ...(deps.readiness ?? [])],
      openapi,
      version: deps.version ?? '0.0.0',
    }),
  );

  app.use(notFoundHandler);
  app.use(problemHandler());
  return app;
}
