import { createHmac, timingSafeEqual } from 'node:crypto';
import { parseIsoTimestamp, parseKlaviyoTimestamp } from './signed-time.js';

export { parseIsoTimestamp, parseKlaviyoTimestamp } from './signed-time.js';

/**
 * Why a Klaviyo delivery was refused. Every reason maps to a 401 and is the `reason` label of
 * webhook_refusals_total, so these codes are stable: dashboards and alerts are built on them.
 * Freshness codes name the time that was judged: `meta_timestamp_*` (the signed send time in the
 * body, the normal case) or `header_timestamp_*` (the fallback when the body carries no date).
 */
export type WebhookVerificationReason =
  | 'missing_signature'
  | 'missing_timestamp'
  | 'missing_webhook_id'
  | 'malformed_signature'
  | 'signature_mismatch'
  | 'timestamp_unparsable'
  | 'meta_timestamp_too_old'
  | 'meta_timestamp_too_new'
  | 'header_timestamp_too_old'
  | 'header_timestamp_too_new'
  | 'webhook_id_mismatch';

/** Which signed time freshness was judged on. */
export type SentAtSource = 'meta.timestamp' | 'Klaviyo-Timestamp';

const RETRY_HINT = 'Klaviyo retries keep their original meta.timestamp: if late retries are refused, widen KLAVIYO_WEBHOOK_TOLERANCE_S.';

const MESSAGES: Record<WebhookVerificationReason, string> = {
  missing_signature: 'The Klaviyo-Signature header is missing.',
  missing_timestamp: 'The Klaviyo-Timestamp header is missing.',
  missing_webhook_id: 'The Klaviyo-Webhook-Id header is missing.',
  malformed_signature: 'The Klaviyo-Signature header is not a hex-encoded HMAC-SHA256.',
  signature_mismatch:
    'The Klaviyo-Signature matches none of the configured secrets (it is computed over the raw body bytes followed by the Klaviyo-Timestamp header).',
  timestamp_unparsable: 'Neither meta.timestamp in the body nor the Klaviyo-Timestamp header is a date, so the delivery’s age cannot be judged.',
  meta_timestamp_too_old: `meta.timestamp (the signed send time in the body) is older than the allowed tolerance (a replay, or a late retry?). ${RETRY_HINT}`,
  meta_timestamp_too_new: 'meta.timestamp (the signed send time in the body) is further in the future than the allowed tolerance (check this host’s clock).',
  header_timestamp_too_old:
    'The body has no meta.timestamp date, and the Klaviyo-Timestamp header (judged instead) is older than the allowed tolerance.',
  header_timestamp_too_new:
    'The body has no meta.timestamp date, and the Klaviyo-Timestamp header (judged instead) is further in the future than the allowed tolerance (live Klaviyo sends it about 5 h ahead).',
  webhook_id_mismatch: 'meta.klaviyo_webhook_id does not equal the Klaviyo-Webhook-Id header.',
};

export interface WebhookVerificationContext {
  /** The time that was judged, when the refusal is about freshness. */
  judged?: SentAtSource;
  /** How far the judged time is from our clock, in whole seconds (positive: in the past). */
  ageS?: number;
  toleranceS?: number;
}

/** The one error type of webhook verification; `reason` is a stable code. */
export class WebhookVerificationError extends Error {
  constructor(
    readonly reason: WebhookVerificationReason,
    readonly context: WebhookVerificationContext = {},
  ) {
    super(
      context.ageS === undefined || context.toleranceS === undefined
        ? MESSAGES[reason]
        : `${MESSAGES[reason]} (age ${context.ageS} s, tolerance ±${context.toleranceS} s)`,
    );
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
  /** Maximum age or future skew of the signed send time (meta.timestamp), in seconds. */
  toleranceS: number;
  now: Date;
}

export interface VerifiedKlaviyoRequest {
  /** The Klaviyo-Webhook-Id header; the body's meta.klaviyo_webhook_id must equal it. */
  webhookId: string;
  /** When Klaviyo sent the request, as judged for freshness. */
  sentAt: Date;
  /** Where `sentAt` came from: meta.timestamp unless the body carries no date there. */
  sentAtSource: SentAtSource;
  /**
   * The body parsed as JSON once the signature held, so the caller need not parse it again;
   * undefined when the bytes are not JSON (the caller answers that with a 400).
   */
  parsed: { json: unknown } | undefined;
}

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

/**
 * Verifies a Klaviyo system webhook: signature = hex(HMAC-SHA256(secret, rawBody ‖ timestampHeader)),
 * then freshness. Pure: no I/O, no clock of its own. Throws WebhookVerificationError.
 *
 * Freshness is judged on the body's `meta.timestamp`, not on the header: live Klaviyo sends a
 * Klaviyo-Timestamp about 5 hours ahead of the real send time (it is HMAC input, not a clock), while
 * meta.timestamp is correct and, being inside the signed bytes, just as authenticated. The header is
 * judged only when the body has no meta.timestamp date. The body is parsed only after the signature
 * holds.
 */
export function verifyKlaviyoSignature(input: VerifyKlaviyoSignatureInput): VerifiedKlaviyoRequest {
  const { signature, timestamp, webhookId } = readKlaviyoHeaders(input.headers);
  if (!HEX_SHA256.test(signature)) throw new WebhookVerificationError('malformed_signature');

  const presented = Buffer.from(signature, 'hex');
  let matched = false;
  // Every secret is tried, without an early exit, so timing does not tell which one matched.
  for (const secret of input.secrets) {
    // The header string as received (trimmed of transport whitespace only), as Klaviyo signs it.
    const expected = createHmac('sha256', secret).update(input.rawBody).update(timestamp, 'utf8').digest();
    if (timingSafeEqual(expected, presented)) matched = true;
  }
  if (!matched) throw new WebhookVerificationError('signature_mismatch');

  const parsed = parseJson(input.rawBody);
  const { sentAt, sentAtSource } = signedSendTime(parsed?.json, timestamp);
  const ageMs = input.now.getTime() - sentAt.getTime();
  const toleranceMs = input.toleranceS * 1000;
  if (Math.abs(ageMs) > toleranceMs) {
    const prefix = sentAtSource === 'meta.timestamp' ? 'meta_timestamp' : 'header_timestamp';
    throw new WebhookVerificationError(ageMs > 0 ? `${prefix}_too_old` : `${prefix}_too_new`, {
      judged: sentAtSource,
      ageS: Math.round(ageMs / 1000),
      toleranceS: input.toleranceS,
    });
  }
  return { webhookId, sentAt, sentAtSource, parsed };
}

/**
 * The three Klaviyo headers, each present and non-empty, or the refusal naming the first missing.
 * Needs no body, so the route checks it before reading one (routes/webhooks.ts).
 */
export function readKlaviyoHeaders(headers: HeaderBag): { signature: string; timestamp: string; webhookId: string } {
  const signature = header(headers, 'klaviyo-signature');
  const timestamp = header(headers, 'klaviyo-timestamp');
  const webhookId = header(headers, 'klaviyo-webhook-id');
  if (signature === undefined) throw new WebhookVerificationError('missing_signature');
  if (timestamp === undefined) throw new WebhookVerificationError('missing_timestamp');
  if (webhookId === undefined) throw new WebhookVerificationError('missing_webhook_id');
  return { signature, timestamp, webhookId };
}

/** meta.timestamp when it is a date, else the header; neither → `timestamp_unparsable`. */
function signedSendTime(json: unknown, timestampHeader: string): { sentAt: Date; sentAtSource: SentAtSource } {
  const meta = isRecord(json) ? json.meta : undefined;
  const metaTimestamp = isRecord(meta) ? meta.timestamp : undefined;
  const fromMeta = typeof metaTimestamp === 'string' ? parseIsoTimestamp(metaTimestamp) : undefined;
  if (fromMeta !== undefined) return { sentAt: fromMeta, sentAtSource: 'meta.timestamp' };
  const fromHeader = parseKlaviyoTimestamp(timestampHeader);
  if (fromHeader !== undefined) return { sentAt: fromHeader, sentAtSource: 'Klaviyo-Timestamp' };
  throw new WebhookVerificationError('timestamp_unparsable');
}

function parseJson(rawBody: Buffer): { json: unknown } | undefined {
  try {
    return { json: JSON.parse(rawBody.toString('utf8')) as unknown };
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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
