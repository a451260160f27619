import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { OpenApiRegistry } from '../src/lib/openapi.js';
import { createIngestRequests, type IngestKind } from '../services/sync/ingest-requests.js';
import type { IngestService } from '../services/sync/ingest-service.js';
import { systemClock } from '../src/lib/clock.js';

export interface IngestRouterDeps {
  ingest: IngestService;
  /** The ingest-token guard (requireToken(verify, 'ingest')). */
  requireIngestToken: RequestHandler;
  /** The JSON body parsers (415 for another type, a declared 413, then express.json). */
  parseJson: RequestHandler[];
  openapi: OpenApiRegistry;
  /** The clock an item's time limits are judged by. */
  clock?: () => Date;
  /** DEFAULT_PHONE_REGION: national phone numbers of this region are accepted and normalised to E.164. */
  defaultPhoneRegion?: string;
}

const acceptedSchema = z.object({
  accepted: z.number().int().describe('items stored now'),
  duplicates: z.number().int().describe('items already known'),
  ids: z.array(z.string()).describe('one key per item, in request order'),
});

/**
 * POST /v1/events, /v1/orders, /v1/profiles (mounted under /v1): validate the whole body, store it
 * durably, answer 202. The token is checked before the body is read, so an unauthenticated client
 * never gets its body parsed; the schema that parses is the one /openapi.json shows.
 */
export function createIngestRouter(deps: IngestRouterDeps): Router {
  const clock = deps.clock ?? systemClock;
  const requests = createIngestRequests(() => clock().getTime(), { defaultPhoneRegion: deps.defaultPhoneRegion });
  const router = Router();
  for (const kind of ['events', 'orders', 'profiles'] as const satisfies IngestKind[]) {
    const request = requests[kind];
    deps.openapi.add({
      method: 'post',
      path: `/v1/${kind}`,
      summary: request.summary,
      tags: ['ingest'],
      security: 'ingest',
      body: request.body,
      responses: {
        202: { description: 'stored durably; delivered to Klaviyo asynchronously', schema: acceptedSchema },
        400: { description: 'invalid input; nothing was stored' },
        401: { description: 'missing or unknown token' },
        403: { description: 'not an ingest token' },
        413: { description: 'body over the limit' },
        415: { description: 'not application/json' },
      },
    });
    router.post(`/${kind}`, deps.requireIngestToken, ...deps.parseJson, async (req, res) => {
      const items = request.parse(req.body);
      res.status(202).json(await deps.ingest.ingest(kind, items));
    });
  }
  return router;
}
