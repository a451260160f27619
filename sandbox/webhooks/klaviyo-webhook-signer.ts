import { createHmac, randomUUID } from 'node:crypto';

/**
 * Signs a delivery exactly as Klaviyo does: hex(HMAC-SHA256(secret, rawBody ‖ Klaviyo-Timestamp)),
 * the raw body bytes followed directly by the timestamp header string. Used by tests, the benchmark
 * and the demo to play Klaviyo against our receiver.
 */
export function signKlaviyoBody(body: string | Buffer, timestampHeader: string, secret: string): string {
  return createHmac('sha256', secret).update(body).update(timestampHeader, 'utf8').digest('hex');
}

export interface KlaviyoEventOverrides {
  topic?: string;
  external_id?: string;
  payload?: unknown;
}

/** One `data[]` item with the shape of a Get Event payload. */
export function buildKlaviyoWebhookEvent(overrides: KlaviyoEventOverrides = {}) {
  const id = overrides.external_id ?? randomUUID().replace(/-/g, '').slice(0, 26).toUpperCase();
  return {
    topic: overrides.topic ?? 'event:klaviyo.opened_email',
    external_id: id,
    payload: overrides.payload ?? {
      data: {
        type: 'event',
        id,
        attributes: { timestamp: 1_704_391_525, datetime: '2024-01-04T18:05:25+00:00', uuid: randomUUID(), event_properties: { Subject: 'Hello' } },
        relationships: { metric: { data: { type: 'metric', id: 'SHi67A' } }, profile: { data: { type: 'profile', id: '01KPROFILE' } } },
        links: { self: `https://a.klaviyo.com/api/events/${id}/` },
      },
    },
  };
}

/**
 * How far ahead of the real send time live Klaviyo's Klaviyo-Timestamp header runs: about 5 hours
 * (observed 2026-04 and 2026-09, docs/webhooks.md). The signer reproduces it by default so every
 * test and demo exercises a receiver that must not judge freshness on the header.
 */
export const LIVE_KLAVIYO_HEADER_SKEW_MS = 5 * 60 * 60 * 1000;

/** `2026-04-13T22:50:12.101000+00:00`: meta.timestamp as Klaviyo writes it (microseconds, `+00:00`). */
export function formatKlaviyoMetaTimestamp(at: Date): string {
  return `${at.toISOString().slice(0, 23)}000+00:00`;
}

export function buildKlaviyoDeliveryBody(options: { webhookId?: string; events?: unknown[]; accountId?: string; sentAt?: Date } = {}) {
  return {
    data: options.events ?? [buildKlaviyoWebhookEvent()],
    meta: {
      klaviyo_account_id: options.accountId ?? 'WBhXHN',
      klaviyo_webhook_id: options.webhookId ?? '01KP49WEBHOOK',
      timestamp: formatKlaviyoMetaTimestamp(options.sentAt ?? new Date()),
    },
  };
}

export interface SignedKlaviyoDelivery {
  body: string;
  headers: Record<string, string>;
}

export interface SignKlaviyoDeliveryOptions {
  secret: string;
  /** A string is sent (and signed) byte for byte; an object is serialized after meta.timestamp is set. */
  body: unknown;
  /** Defaults to meta.klaviyo_webhook_id of the body. */
  webhookId?: string;
  /** When Klaviyo really sent it (default now): written to meta.timestamp of an object body. */
  sentAt?: Date;
  /**
   * How far Klaviyo-Timestamp runs ahead of `sentAt`, in milliseconds. Default: live Klaviyo's
   * 5 hours (LIVE_KLAVIYO_HEADER_SKEW_MS); 0 for a header that tells the true send time.
   */
  headerSkewMs?: number;
  /**
   * meta.timestamp of an object body: by default `sentAt` in Klaviyo's format; a string is written
   * verbatim (e.g. not a date); null removes it (both to exercise the receiver's header fallback).
   */
  metaTimestamp?: string | null;
}

/**
 * A ready-to-POST delivery, signed as live Klaviyo signs it: the serialized body, whose
 * meta.timestamp is the true send time, and the three Klaviyo headers, whose Klaviyo-Timestamp is
 * an HTTP-date about 5 hours ahead of it (see `headerSkewMs`).
 */
export function signKlaviyoDelivery(options: SignKlaviyoDeliveryOptions): SignedKlaviyoDelivery {
  const sentAt = options.sentAt ?? new Date();
  const body = typeof options.body === 'string' ? options.body : JSON.stringify(withMetaTimestamp(options.body, sentAt, options.metaTimestamp));
  const timestamp = new Date(sentAt.getTime() + (options.headerSkewMs ?? LIVE_KLAVIYO_HEADER_SKEW_MS)).toUTCString();
  const webhookId =
    options.webhookId ?? (options.body as { meta?: { klaviyo_webhook_id?: string } } | undefined)?.meta?.klaviyo_webhook_id ?? '01KP49WEBHOOK';
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'klaviyo-signature': signKlaviyoBody(body, timestamp, options.secret),
      'klaviyo-timestamp': timestamp,
      'klaviyo-webhook-id': webhookId,
    },
  };
}

/** A copy of `body` whose meta.timestamp says `sentAt` (or what the caller asked); other bodies unchanged. */
function withMetaTimestamp(body: unknown, sentAt: Date, metaTimestamp: string | null | undefined): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const { meta, ...rest } = body as { meta?: unknown };
  if (typeof meta !== 'object' || meta === null) return body;
  const { timestamp: _previous, ...metaRest } = meta as Record<string, unknown>;
  if (metaTimestamp === null) return { ...rest, meta: metaRest };
  return { ...rest, meta: { ...metaRest, timestamp: metaTimestamp ?? formatKlaviyoMetaTimestamp(sentAt) } };
}
