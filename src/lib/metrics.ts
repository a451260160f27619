import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every metric of the service (docs/operations.md) on one registry per app instance (no global registry, so each test
 * builds its own). Labels never carry personal data: kinds, routes, statuses, classes, results.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by method, route template and status.',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    ingestedItems: new Counter({
      name: 'ingested_items_total',
      help: 'Items accepted by the ingest routes, by kind and result (accepted, duplicate).',
      labelNames: ['kind', 'result'] as const,
      registers: [registry],
    }),
    outboxDepth: new Gauge({
      name: 'outbox_depth',
      help: 'Outbox items not yet delivered, by kind and state.',
      labelNames: ['kind', 'state'] as const,
      registers: [registry],
    }),
    outboxOldestPendingAge: new Gauge({
      name: 'outbox_oldest_pending_age_seconds',
      help: 'Age of the oldest pending outbox item, by kind.',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    klaviyoRequests: new Counter({
      name: 'klaviyo_requests_total',
      help: 'Requests sent to Klaviyo, by endpoint (limit class) and HTTP status (or "network").',
      labelNames: ['endpoint', 'status'] as const,
      registers: [registry],
    }),
    klaviyoThrottled: new Counter({
      name: 'klaviyo_throttled_total',
      help: '429 answers from Klaviyo, by limit class.',
      labelNames: ['limit_class'] as const,
      registers: [registry],
    }),
    webhookDeliveries: new Counter({
      name: 'webhook_deliveries_total',
      help: 'Klaviyo webhook deliveries by result.',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    webhookRefusals: new Counter({
      name: 'webhook_refusals_total',
      help: 'Klaviyo webhook deliveries refused with 401, by reason (stable codes, no PII).',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    webhookForwards: new Counter({
      name: 'webhook_forwards_total',
      help: 'Forwarded webhook deliveries to internal subscribers, by result.',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    jobRuns: new Counter({
      name: 'job_runs_total',
      help: 'Finished job runs by job name and final status.',
      labelNames: ['job', 'status'] as const,
      registers: [registry],
    }),
    syncAuthFailing: new Gauge({
      name: 'klaviyo_auth_failing',
      help: '1 while Klaviyo rejects our API key (401/403), else 0.',
      registers: [registry],
    }),
    klaviyoRevisionRetired: new Gauge({
      name: 'klaviyo_revision_retired',
      help: '1 while Klaviyo answers 410 Gone to our pinned revision (KLAVIYO_REVISION must be raised), else 0.',
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
