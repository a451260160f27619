import { Router } from 'express';
import { z } from 'zod';
import type { Metrics } from '../src/lib/metrics.js';
import type { OpenApiRegistry } from '../src/lib/openapi.js';
import { runReadiness, type ReadinessCheck } from '../src/lib/readiness.js';
import type { LeadershipStatus } from '../src/store/leadership.js';
import { replicaFields, replicaFieldsSchema } from './replica-schema.js';

export interface HealthRouterDeps {
  metrics: Metrics;
  readiness: ReadinessCheck[];
  openapi: OpenApiRegistry;
  version: string;
  /** This replica and the leader, as /readyz reports them. */
  replicas?: () => LeadershipStatus;
}

const healthSchema = z.object({ status: z.literal('ok') });
const readySchema = z
  .object({
    status: z.enum(['ok', 'failing']),
    checks: z.record(z.string(), z.object({ ok: z.boolean(), detail: z.string().optional() })),
  })
  .extend(replicaFieldsSchema.shape);

export function createHealthRouter(deps: HealthRouterDeps): Router {
  const router = Router();
  deps.openapi.add({ method: 'get', path: '/healthz', summary: 'Liveness: 200 while the process runs', tags: ['health'], responses: { 200: { description: 'alive', schema: healthSchema } } });
  deps.openapi.add({
    method: 'get',
    path: '/readyz',
    summary: 'Readiness: store, Klaviyo auth and worker checks',
    tags: ['health'],
    responses: { 200: { description: 'ready', schema: readySchema }, 503: { description: 'not ready', schema: readySchema, contentType: 'application/json' } },
  });
  deps.openapi.add({ method: 'get', path: '/metrics', summary: 'Prometheus metrics', tags: ['health'], responses: { 200: { description: 'Prometheus text exposition', contentType: 'text/plain', schema: z.string() } } });
  deps.openapi.add({ method: 'get', path: '/openapi.json', summary: 'This document', tags: ['health'], responses: { 200: { description: 'OpenAPI 3.0 document' } } });

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const report = await runReadiness(deps.readiness);
    res.status(report.status === 'ok' ? 200 : 503).json({ ...report, ...(deps.replicas ? replicaFields(deps.replicas()) : {}) });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  let document: Record<string, unknown> | undefined;
  router.get('/openapi.json', (_req, res) => {
    // Built on first use: every router has registered its operations by then.
    document ??= deps.openapi.document({ title: 'klaviyo-bridge', version: deps.version });
    res.json(document);
  });
  return router;
}
