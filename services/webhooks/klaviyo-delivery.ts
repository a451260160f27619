import { z } from 'zod';
import { ValidationError } from '../../src/lib/errors.js';
import { parseOrThrow } from '../../src/lib/zod-errors.js';
import { WebhookVerificationError, type VerifiedKlaviyoRequest } from './verify-signature.js';

/** One event of a Klaviyo system-webhook delivery (DESIGN §4.2). `payload` is kept as Klaviyo sent it. */
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
    timestamp: z.string().optional(),
  }),
});

export type KlaviyoDelivery = z.output<typeof klaviyoDeliverySchema>;

/**
 * Reads the body of a delivery whose signature already holds: JSON and shape problems are 400s
 * (ValidationError); a body naming another webhook than its header is a forgery attempt, a 401.
 */
export function parseKlaviyoDelivery(rawBody: Buffer, verified: VerifiedKlaviyoRequest): KlaviyoDelivery {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new ValidationError('The webhook body is not valid JSON.', [], { code: 'malformed_json' });
  }
  const delivery = parseOrThrow(klaviyoDeliverySchema, json, 'The webhook body');
  if (delivery.meta.klaviyo_webhook_id !== verified.webhookId) throw new WebhookVerificationError('webhook_id_mismatch');
  return delivery;
}
