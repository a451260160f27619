import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { OpenApiRegistry } from '../src/lib/openapi.js';
import { parseOrThrow } from '../src/lib/zod-errors.js';
import type { ForwardStore } from '../src/store/webhook-forwards.js';
import type { InboxStore } from '../src/store/webhook-inbox.js';
import { listForwardDeadLetters, listWebhookEvents, replayForwardDeadLetters } from '../services/webhooks/webhook-admin.js';
import { systemClock } from '../src/lib/clock.js';

export interface WebhookAdminRouterDeps {
  inbox: InboxStore;
  forwards: ForwardStore;
  openapi: OpenApiRegistry;
  requireAdmin: RequestHandler;
  /** The JSON body parsers (415 for another type, a declared 413, then express.json), run after the token check. */
  parseJson: RequestHandler[];
  clock?: () => Date;
  /** Wakes the forward worker after a replay. */
  onForwardsRequeued?: () => void;
}

const limit = z.coerce.number().int().min(1).max(500).default(50);
const eventsQuery = z.object({
  topic: z.string().min(1).max(512).optional(),
  since: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }).transform((s) => new Date(s)).optional(),
  limit,
  cursor: z.string().min(1).max(200).optional(),
});
const deadLettersQuery = z.object({ limit, cursor: z.string().min(1).max(200).optional() });
const replayBody = z.strictObject({ ids: z.array(z.number().int().positive()).min(1).max(10_000).optional() });

const pageSchema = (item: z.ZodType) => z.object({ items: z.array(item), next_cursor: z.string().nullable() });
const eventView = z.object({
  id: z.string(), topic: z.string(), payload: z.unknown(), klaviyo_account_id: z.string().nullable(),
  klaviyo_webhook_id: z.string(), received_at: z.string(), dispatched_at: z.string().nullable(),
});
const forwardView = z.object({
  id: z.number(), event_id: z.string(), topic: z.string(), target_url: z.string(), state: z.string(), attempts: z.number(),
  last_status: z.number().nullable(), last_error: z.string().nullable(), created_at: z.string(),
});
const problems = { 400: { description: 'invalid query or body' }, 401: { description: 'no or unknown token' }, 403: { description: 'not an admin token' } };

/** Ops routes under /v1 (admin token): the inbox, and forward dead letters with their replay. */
export function createWebhookAdminRouter(deps: WebhookAdminRouterDeps): Router {
  const clock = deps.clock ?? systemClock;
  const tags = ['webhooks'];
  deps.openapi.add({ method: 'get', path: '/v1/webhooks/events', summary: 'Stored Klaviyo webhook events, newest first', tags, security: 'admin', query: eventsQuery, responses: { 200: { description: 'a page of events', schema: pageSchema(eventView) }, ...problems } });
  deps.openapi.add({ method: 'get', path: '/v1/webhooks/forwards/dead-letters', summary: 'Forward deliveries that exhausted their attempts', tags, security: 'admin', query: deadLettersQuery, responses: { 200: { description: 'a page of dead deliveries', schema: pageSchema(forwardView) }, ...problems } });
  deps.openapi.add({ method: 'post', path: '/v1/webhooks/forwards/replay', summary: 'Re-queue dead forward deliveries (all, or the given ids)', tags, security: 'admin', body: replayBody, responses: { 202: { description: 're-queued', schema: z.object({ requeued: z.number().int() }) }, ...problems } });

  const router = Router();
  router.get('/webhooks/events', deps.requireAdmin, async (req, res) => {
    const query = parseOrThrow(eventsQuery, req.query, 'The query');
    res.json(await listWebhookEvents(deps.inbox, query));
  });
  router.get('/webhooks/forwards/dead-letters', deps.requireAdmin, async (req, res) => {
    const query = parseOrThrow(deadLettersQuery, req.query, 'The query');
    res.json(await listForwardDeadLetters(deps.forwards, query));
  });
  router.post('/webhooks/forwards/replay', deps.requireAdmin, ...deps.parseJson, async (req, res) => {
    const body = parseOrThrow(replayBody, req.body ?? {}, 'The body');
    res.status(202).json(await replayForwardDeadLetters(deps.forwards, { ids: body.ids, now: clock(), onRequeued: deps.onForwardsRequeued }));
  });
  return router;
}
