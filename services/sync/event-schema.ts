import { z } from 'zod';
import { backfillFlag, currencyCode, customProperties, eventTime, type Now, profileAttributesSchema, text } from './common-schema.js';
import { hasIdentity, IDENTITY_MESSAGE, identityShapeFor } from './identity.js';

export const MAX_EVENTS_PER_REQUEST = 1000;

/** One event of POST /v1/events (docs/ingest.md; field names follow the common CDP convention). */
export function createEventSchema(now: Now, phoneRegion?: string) {
  return z
    .strictObject({
      event_name: text(127),
      ...identityShapeFor(phoneRegion),
      event_time: eventTime(now).optional(),
      insert_id: text(255).optional(),
      properties: customProperties.optional(),
      value: z.number().finite().optional(),
      currency: currencyCode.optional(),
      profile: profileAttributesSchema.optional(),
      backfill: backfillFlag,
    })
    .superRefine((event, ctx) => {
      if (!hasIdentity(event)) ctx.addIssue({ code: 'custom', message: IDENTITY_MESSAGE });
    });
}

export type EventInput = z.output<ReturnType<typeof createEventSchema>>;
