import { buildWebhookCreateBody, type KlaviyoWebhookInput } from '../bodies/webhook.js';
import type { KlaviyoClient } from '../client.js';
import type { CallOptions, JsonApiDocument } from '../json-api.js';
import { paginate } from '../paginate.js';
import type { Webhook, WebhookTopic } from '../resources.js';

/**
 * Webhook management (XS: 1/s, 15/m). Creating is not idempotent: a repeat makes a second webhook.
 * Live Klaviyo answers every method here with 403 "You must have Advanced KDP enabled" to a private
 * key (an OAuth app's token works): services/webhooks/klaviyo-registration.ts explains that 403.
 */
export function createWebhookEndpoints(client: KlaviyoClient) {
  return {
    /** GET /api/webhooks. Each `endpoint_url` comes back masked (`https://host/*****`). */
    list(options: CallOptions = {}): AsyncGenerator<Webhook, void, undefined> {
      return paginate<Webhook>(client, {
        limitClass: 'get_webhooks',
        path: '/api/webhooks',
        query: { include: 'webhook-topics' },
        signal: options.signal,
      });
    },

    /** POST /api/webhooks. The answer masks `endpoint_url` as the list does. */
    async create(input: KlaviyoWebhookInput, options: CallOptions = {}): Promise<Webhook> {
      const { body } = await client.request<JsonApiDocument<Webhook>>({
        limitClass: 'create_webhook',
        method: 'POST',
        path: '/api/webhooks',
        body: buildWebhookCreateBody(input),
        idempotent: false,
        signal: options.signal,
      });
      return body.data;
    },

    /** GET /api/webhook-topics: the topic ids this account can subscribe to. */
    topics(options: CallOptions = {}): AsyncGenerator<WebhookTopic, void, undefined> {
      return paginate<WebhookTopic>(client, { limitClass: 'get_webhook_topics', path: '/api/webhook-topics', signal: options.signal });
    },
  };
}

export type WebhookEndpoints = ReturnType<typeof createWebhookEndpoints>;
