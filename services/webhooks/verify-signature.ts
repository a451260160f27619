import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Why a Klaviyo delivery was refused. Every reason maps to a 401; the reason is told to the caller
 * (it helps whoever set up the webhook) but never the signature we expected.
 */
export type WebhookVerificationReason =
  | 'missing_signature'
  | 'missing_timestamp'
  | 'missing_webhook_id'
  | 'malformed_signature'
  | 'signature_mismatch'
  | 'timestamp_unparsable'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'webhook_id_mismatch';

const MESSAGES: Record<WebhookVerificationReason, string> = {
  missing_signature: 'The Klaviyo-Signature header is missing.',
  missing_timestamp: 'The Klaviyo-Timestamp header is missing.',
  missing_webhook_id: 'The Klaviyo-Webhook-Id header is missing.',
  malformed_signature: 'The Klaviyo-Signature header is not a hex-encoded HMAC-SHA256.',
  signature_mismatch:
    'The Klaviyo-Signature matches none of the configured secrets (it is computed over the raw body bytes followed by the Klaviyo-Timestamp header).',
  timestamp_unparsable: 'The Klaviyo-Timestamp header is not a date.',
  timestamp_too_old: 'The Klaviyo-Timestamp is older than the allowed tolerance (a replay?).',
  timestamp_too_new: 'The Klaviyo-Timestamp is further in the future than the allowed tolerance.',
  webhook_id_mismatch: 'meta.klaviyo_webhook_id does not equal the Klaviyo-Webhook-Id header.',
};

/** The one error type of webhook verification (STYLE 7); `reason` is a stable code. */
export class WebhookVerificationError extends Error {
  constructor(readonly reason: WebhookVerificationReason) {
    super(MESSAGES[reason]);
    this.name = 'WebhookVerificationError';
  }
}

export type HeaderBag = Record<string, string | string[] | undefined>;

export interface VerifyKlaviyoSignatureInput {
  /** The request body exactly as received: never re-serialized JSON. */
  rawBody: Buffer;
  /** Request headers; names are matched case-insensitively. */
  headers: HeaderBag;
  /** Every accepted secret (rotation): a signature under any of them is valid. */
  secrets: readonly string[];
  /** Maximum age or future skew of Klaviyo-Timestamp, in seconds. */
  toleranceS: number;
  now: Date;
}

export interface VerifiedKlaviyoRequest {
  /** The Klaviyo-Webhook-Id header; the body's meta.klaviyo_webhook_id must equal it. */
  webhookId: string;
  /** When Klaviyo says it sent the request. */
  sentAt: Date;
}

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

/**
 * Verifies a Klaviyo system webhook: signature = hex(HMAC-SHA256(secret, rawBody ‖ timestampHeader)).
 * Pure: no I/O, no clock of its own. Throws WebhookVerificationError; returns the verified headers.
 * The body is not parsed here: JSON is read only after the signature holds (STYLE 7).
 */
export function verifyKlaviyoSignature(input: VerifyKlaviyoSignatureInput): VerifiedKlaviyoRequest {
  const signature = header(input.headers, 'klaviyo-signature');
  const timestamp = header(input.headers, 'klaviyo-timestamp');
  const webhookId = header(input.headers, 'klaviyo-webhook-id');
  if (signature === undefined) throw new WebhookVerificationError('missing_signature');
  if (timestamp === undefined) throw new WebhookVerificationError('missing_timestamp');
  if (webhookId === undefined) throw new WebhookVerificationError('missing_webhook_id');
  if (!HEX_SHA256.test(signature)) throw new WebhookVerificationError('malformed_signature');

  const presented = Buffer.from(signature, 'hex');
  let matched = false;
  // Every secret is tried, without an early exit, so timing does not tell which one matched.
  for (const secret of input.secrets) {
    const expected = createHmac('sha256', secret).update(input.rawBody).update(timestamp, 'utf8').digest();
    if (timingSafeEqual(expected, presented)) matched = true;
  }
  if (!matched) throw new WebhookVerificationError('signature_mismatch');

  // The timestamp is covered by the HMAC, so checking its age after the signature is a real replay guard.
  const sentAt = parseKlaviyoTimestamp(timestamp);
  if (sentAt === undefined) throw new WebhookVerificationError('timestamp_unparsable');
  const skewMs = input.now.getTime() - sentAt.getTime();
  if (skewMs > input.toleranceS * 1000) throw new WebhookVerificationError('timestamp_too_old');
  if (-skewMs > input.toleranceS * 1000) throw new WebhookVerificationError('timestamp_too_new');
  return { webhookId, sentAt };
}

/**
 * Klaviyo documents an HTTP-date (`Thu, 04 Jan 2024 18:05:25 GMT`); third-party fixtures also show
 * ISO 8601, and epoch seconds are the other common convention, so all three are accepted.
 */
export function parseKlaviyoTimestamp(value: string): Date | undefined {
  const trimmed = value.trim();
  if (/^\d{9,13}$/.test(trimmed)) {
    const n = Number(trimmed);
    return new Date(trimmed.length >= 13 ? n : n * 1000);
  }
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

function header(headers: HeaderBag, name: string): string | undefined {
  let value = headers[name];
  if (value === undefined) {
    const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
    value = key === undefined ? undefined : headers[key];
  }
  const single = Array.isArray(value) ? value[0] : value;
  return single === undefined || single.trim() === '' ? undefined : single.trim();
}
