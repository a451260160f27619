import { compact } from './compact.js';

export interface KlaviyoWebhookInput {
  name: string;
  description?: string;
  /** Must be https. Klaviyo never shows it back whole: answers mask it as `https://host/*****`. */
  endpoint_url: string;
  /** The HMAC key Klaviyo signs deliveries with. */
  secret_key: string;
  /** Topic ids, e.g. `event:klaviyo.opened_email`. */
  topics: readonly string[];
}

/** POST /api/webhooks (create_webhook). */
export function buildWebhookCreateBody(input: KlaviyoWebhookInput) {
  return {
    data: {
      type: 'webhook' as const,
      attributes: compact({
        name: input.name,
        description: input.description,
        endpoint_url: input.endpoint_url,
        secret_key: input.secret_key,
      }),
      relationships: {
        'webhook-topics': { data: input.topics.map((id) => ({ type: 'webhook-topic' as const, id })) },
      },
    },
  };
}
