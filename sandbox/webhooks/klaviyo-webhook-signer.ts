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

export function buildKlaviyoDeliveryBody(options: { webhookId?: string; events?: unknown[]; accountId?: string } = {}) {
  return {
    data: options.events ?? [buildKlaviyoWebhookEvent()],
    meta: {
      klaviyo_account_id: options.accountId ?? 'WBhXHN',
      klaviyo_webhook_id: options.webhookId ?? '01KP49WEBHOOK',
      timestamp: new Date().toISOString(),
    },
  };
}

export interface SignedKlaviyoDelivery {
  body: string;
  headers: Record<string, string>;
}

/** A ready-to-POST delivery: the serialized body and the three Klaviyo headers. */
export function signKlaviyoDelivery(options: {
  secret: string;
  body: unknown;
  /** Defaults to meta.klaviyo_webhook_id of the body. */
  webhookId?: string;
  /** When Klaviyo "sent" it; rendered as an HTTP-date like Klaviyo's. */
  sentAt?: Date;
}): SignedKlaviyoDelivery {
  const body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const timestamp = (options.sentAt ?? new Date()).toUTCString();
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
