import { isAppError } from '../../src/lib/errors.js';
import { WebhookVerificationError } from './verify-signature.js';

/** The `result` label of webhook_deliveries_total (docs/operations.md). */
export type WebhookDeliveryResult =
  | 'accepted'
  | 'duplicate'
  | 'bad_signature'
  | 'stale'
  | 'malformed'
  | 'too_large'
  | 'unconfigured'
  | 'error';

/** A stored delivery is `duplicate` only when none of its items was new. */
export function successResult(received: number, duplicates: number): WebhookDeliveryResult {
  return received > 0 && duplicates === received ? 'duplicate' : 'accepted';
}

/** Classifies a refused delivery; timestamp problems are `stale`, other header problems `bad_signature`. */
export function failureResult(error: unknown): WebhookDeliveryResult {
  if (error instanceof WebhookVerificationError) {
    return error.reason.includes('timestamp_') ? 'stale' : 'bad_signature';
  }
  const status = isAppError(error) ? error.status : (error as { status?: number } | null)?.status;
  if (status === 413) return 'too_large';
  if (status === 503) return 'unconfigured';
  if (status !== undefined && status >= 400 && status < 500) return 'malformed';
  return 'error';
}
