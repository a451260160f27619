import { z } from 'zod';
import { ValidationError } from '../../src/lib/errors.js';
import { parseOrThrow } from '../../src/lib/zod-errors.js';
import { pointerDeeperThan } from './json-depth.js';
import { WebhookVerificationError, type VerifiedKlaviyoRequest } from './verify-signature.js';

/**
 * How deep a delivery may nest, the body itself being level 1. Klaviyo's event payloads nest about
 * ten levels; far deeper would overflow the stack of every recursive walk after us (storing,
 * forwarding, listing), so it is refused here with a 400 instead of failing later with a 500.
 */
export const MAX_DELIVERY_DEPTH = 64;

/** One event of a Klaviyo system-webhook delivery (docs/webhooks.md). `payload` is kept as Klaviyo sent it. */
export const klaviyoWebhookEventSchema = z.object({
  topic: z.string().min(1).max(512),
  external_id: z.string().min(1).max(512),
  payload: z.unknown().refine((v) => v !== undefined, 'payload is required'),
});

export const klaviyoDeliverySchema = z.object({
  data: z.array(klaviyoWebhookEventSchema),
  meta: z.looseObject({
    klaviyo_account_id: z.string().optional(),
    klaviyo_webhook_id: z.string().min(1),
    // Any value: a meta.timestamp that is not a date string makes freshness fall back to the
    // header (verify-signature.ts); it must not turn a signed delivery into a 400.
    timestamp: z.unknown().optional(),
  }),
});

export type KlaviyoDelivery = z.output<typeof klaviyoDeliverySchema>;

/**
 * Reads the body of a delivery whose signature already holds (the verifier parsed its JSON once):
 * JSON, depth and shape problems are 400s (ValidationError); a body naming another webhook than its
 * header is a forgery attempt, a 401. Topics are open-ended (`event:<integration>.<metric>` for
 * every metric, custom ones included), so any non-empty topic is accepted and stored.
 */
export function parseKlaviyoDelivery(verified: VerifiedKlaviyoRequest): KlaviyoDelivery {
  if (verified.parsed === undefined) throw new ValidationError('The webhook body is not valid JSON.', [], { code: 'malformed_json' });
  const tooDeep = pointerDeeperThan(verified.parsed.json, MAX_DELIVERY_DEPTH);
  if (tooDeep !== undefined) {
    throw new ValidationError(`The webhook body nests deeper than ${MAX_DELIVERY_DEPTH} levels.`, [{ path: tooDeep, message: `nests deeper than ${MAX_DELIVERY_DEPTH} levels` }], {
      code: 'too_deeply_nested',
    });
  }
  const delivery = parseOrThrow(klaviyoDeliverySchema, verified.parsed.json, 'The webhook body');
  if (delivery.meta.klaviyo_webhook_id !== verified.webhookId) throw new WebhookVerificationError('webhook_id_mismatch');
  return delivery;
}
