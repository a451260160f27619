import { replicaFieldsSchema } from './replica-schema.js';
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { OpenApiRegistry } from '../src/lib/openapi.js';
import { parseOrThrow } from '../src/lib/zod-errors.js';
import { DEAD_LETTER_REASONS } from '../src/store/outbox.js';
import { deadLetterQuerySchema, replayBodySchema, type SyncAdmin } from '../services/sync/sync-admin.js';

export interface SyncRouterDeps {
  admin: SyncAdmin;
  requireAdmin: RequestHandler;
  /** The JSON body parsers (415 for another type, a declared 413, then express.json), run after the token check. */
  parseJson: RequestHandler[];
  openapi: OpenApiRegistry;
}

const kindStats = z.object({
  pending: z.number().int(),
  in_flight: z.number().int(),
  verifying: z.number().int().describe('items in a Klaviyo bulk job that has not ended yet (counted delivered once it has, and its errors are read)'),
  delivered: z.number().int(),
  dead: z.number().int(),
  oldest_pending_age_s: z.number().nullable(),
});
const errorSchema = z.object({ reason: z.enum(DEAD_LETTER_REASONS).optional(), status: z.number().optional(), code: z.string().optional(), title: z.string().optional(), detail: z.string(), pointer: z.string().optional() });

/** Sync admin (docs/ingest.md): outbox state, dead letters, replay. Admin token only. */
export function createSyncRouter(deps: SyncRouterDeps): Router {
  const router = Router();
  deps.openapi.add({
    method: 'get',
    path: '/v1/sync',
    summary: 'Outbox state per kind, Klaviyo limit classes, last delivery and last error',
    tags: ['sync'],
    security: 'admin',
    responses: {
      200: {
        description: 'sync state',
        schema: z.object({
          kinds: z.record(z.string(), kindStats),
          limit_classes: z.record(z.string(), z.object({ queued: z.number().int(), paused_until: z.string().nullable() })),
          last_delivery_at: z.string().nullable(),
          last_error: errorSchema.extend({ kind: z.string(), at: z.string() }).nullable(),
          worker: z.object({ running: z.boolean(), auth_paused_until: z.string().nullable() }),
        }).extend(replicaFieldsSchema.shape),
      },
    },
  });
  deps.openapi.add({
    method: 'get',
    path: '/v1/sync/dead-letters',
    summary: 'Dead-lettered items with the Klaviyo error that stopped them (oldest first, paged)',
    tags: ['sync'],
    security: 'admin',
    query: deadLetterQuerySchema,
    responses: {
      200: {
        description: 'a page of dead letters',
        schema: z.object({
          items: z.array(z.object({ id: z.string(), kind: z.string(), reason: z.enum(DEAD_LETTER_REASONS), error: errorSchema, attempts: z.number().int(), created_at: z.string(), dead_at: z.string(), payload: z.record(z.string(), z.unknown()) })),
          next_cursor: z.string().nullable(),
        }),
      },
      400: { description: 'bad query' },
    },
  });
  deps.openapi.add({
    method: 'post',
    path: '/v1/sync/dead-letters/replay',
    summary: 'Re-queue dead letters by id and/or kind (all when neither is given)',
    tags: ['sync'],
    security: 'admin',
    body: replayBodySchema,
    responses: { 202: { description: 'requeued', schema: z.object({ requeued: z.number().int() }) }, 400: { description: 'bad body' } },
  });

  router.get('/sync', deps.requireAdmin, async (_req, res) => {
    res.json(await deps.admin.status());
  });
  router.get('/sync/dead-letters', deps.requireAdmin, async (req, res) => {
    const query = parseOrThrow(deadLetterQuerySchema, req.query, 'The query');
    res.json(await deps.admin.deadLetters(query));
  });
  router.post('/sync/dead-letters/replay', deps.requireAdmin, ...deps.parseJson, async (req, res) => {
    const selector = parseOrThrow(replayBodySchema, req.body ?? {}, 'The request body');
    res.status(202).json(await deps.admin.replay(selector));
  });
  return router;
}
