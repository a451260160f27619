import { Router, type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import type { OpenApiRegistry } from '../src/lib/openapi.js';
import { parseOrThrow } from '../src/lib/zod-errors.js';
import { deletionLink, deletionRequestSchema, type PrivacyService } from '../services/privacy/index.js';

export interface PrivacyRouterDeps {
  privacy: PrivacyService;
  openapi: OpenApiRegistry;
  requireAdmin: RequestHandler;
  /** The JSON body parsers (415 for another type, a declared 413, then express.json), run after the token check. */
  parseJson: RequestHandler[];
}

const purgedSchema = z.object({ outbox: z.number().int(), webhook_events: z.number().int(), forwards: z.number().int() });
const deletionSchema = z.object({
  id: z.string(),
  status: z.enum(['queued', 'sent', 'failed']),
  requested_at: z.string(),
  sent_at: z.string().optional().describe('When Klaviyo answered 202 (its deletion jobs have no status to read).'),
  purged: purgedSchema.describe('What was purged from this service’s store: outbox items, webhook events, forward deliveries.'),
  error: z.object({ code: z.string(), status: z.number().int().optional(), detail: z.string() }).optional(),
});
const acceptedSchema = z.object({ id: z.string(), status: z.literal('queued'), links: z.object({ self: z.string() }) });

/** The privacy routes (docs/privacy.md): thin adapters over the privacy service (admin token). */
export function createPrivacyRouter(deps: PrivacyRouterDeps): Router {
  const router = Router();
  router.use('/privacy', deps.requireAdmin);
  const doc = (spec: Omit<Parameters<OpenApiRegistry['add']>[0], 'tags' | 'security'>) => deps.openapi.add({ ...spec, tags: ['privacy'], security: 'admin' });

  doc({
    method: 'post',
    path: '/v1/privacy/deletions',
    summary: 'Delete a person (202): purged from this service’s store at once, then Klaviyo’s data-privacy deletion job',
    body: deletionRequestSchema,
    responses: {
      202: { description: 'queued; the purge is done', schema: acceptedSchema },
      400: { description: 'not exactly one valid identifier, or an unknown member; nothing changed' },
    },
  });
  router.post('/privacy/deletions', ...deps.parseJson, async (req, res) => {
    const deletion = await deps.privacy.request(parseOrThrow(deletionRequestSchema, req.body, 'Body'));
    const self = deletionLink(deletion.id);
    res.status(202).location(self).json({ id: deletion.id, status: 'queued', links: { self } });
  });

  doc({
    method: 'get',
    path: '/v1/privacy/deletions/:id',
    summary: 'A deletion: its status, what was purged, Klaviyo’s error if it failed',
    responses: { 200: { description: 'the deletion', schema: deletionSchema }, 404: { description: 'unknown id' } },
  });
  // Typed by hand: the router-level guard hides the path's params from Express's inference.
  router.get('/privacy/deletions/:id', async (req: Request<{ id: string }>, res) => {
    res.json(await deps.privacy.get(req.params.id));
  });
  return router;
}
