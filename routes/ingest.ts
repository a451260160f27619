import type { Express, RequestHandler } from 'express';
import { z } from 'zod';
import type { OpenApiRegistry } from '../src/lib/openapi.js';
import { createEventSchema, MAX_EVENTS_PER_REQUEST } from '../services/sync/event-schema.js';
import type { IngestKind, IngestService } from '../services/sync/ingest-service.js';
import { createOrderSchema, MAX_ORDERS_PER_REQUEST } from '../services/sync/order-schema.js';
import { createProfileSchema, MAX_PROFILES_PER_REQUEST } from '../services/sync/profile-schema.js';

export interface IngestRoutesDeps {
  ingest: IngestService;
  /** The ingest-token guard (requireToken(verify, 'ingest')). */
  requireIngestToken: RequestHandler;
  /** The JSON body parsers of /v1 (415 for another type, then the parser). */
  parseJson: RequestHandler[];
  openapi: OpenApiRegistry;
}

const acceptedSchema = z.object({
  accepted: z.number().int().describe('items stored now'),
  duplicates: z.number().int().describe('items already known'),
  ids: z.array(z.string()).describe('one key per item, in request order'),
});

/**
 * POST /v1/events, /v1/orders, /v1/profiles: validate, store durably, answer 202 (DESIGN §4.3).
 * Registered on the app itself, ahead of the /v1 router, so the hottest routes skip two router
 * levels (BENCHMARKS.md); the token is checked before the body is read, so an unauthenticated
 * client never gets its body parsed.
 */
export function registerIngestRoutes(app: Express, deps: IngestRoutesDeps): void {
  const now = () => Date.now();
  const documented: Record<IngestKind, { item: z.ZodType; max: number; summary: string }> = {
    events: { item: createEventSchema(now), max: MAX_EVENTS_PER_REQUEST, summary: 'Ingest custom events (one, or {"events": [...]} of 1–1000)' },
    orders: { item: createOrderSchema(now), max: MAX_ORDERS_PER_REQUEST, summary: 'Ingest orders, mapped to Klaviyo order events (one, or {"orders": [...]} of 1–1000)' },
    profiles: { item: createProfileSchema(now), max: MAX_PROFILES_PER_REQUEST, summary: 'Ingest profile updates and consent (one, or {"profiles": [...]} of 1–10000)' },
  };
  for (const kind of ['events', 'orders', 'profiles'] as const) {
    const { item, max, summary } = documented[kind];
    deps.openapi.add({
      method: 'post',
      path: `/v1/${kind}`,
      summary,
      tags: ['ingest'],
      security: 'ingest',
      body: z.union([item, z.object({ [kind]: z.array(item).min(1).max(max) })]),
      responses: {
        202: { description: 'stored durably; delivered to Klaviyo asynchronously', schema: acceptedSchema },
        400: { description: 'invalid input; nothing was stored' },
        401: { description: 'missing or unknown token' },
        403: { description: 'not an ingest token' },
        413: { description: 'body over the limit' },
        415: { description: 'not application/json' },
      },
    });
    app.post(`/v1/${kind}`, deps.requireIngestToken, ...deps.parseJson, async (req, res) => {
      res.status(202).json(await deps.ingest.ingest(kind, req.body));
    });
  }
}
