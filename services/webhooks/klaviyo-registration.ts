import { ConflictError, ValidationError } from '../../src/lib/errors.js';
import type { WebhookEndpoints } from '../klaviyo/endpoints/webhooks.js';

/** What ops see of a Klaviyo webhook subscription (Klaviyo truncates long endpoint URLs when listing). */
export interface RegisteredWebhook {
  id: string;
  name: string;
  endpoint_url: string;
  enabled: boolean;
  topics: string[];
}

export async function listKlaviyoWebhooks(webhooks: WebhookEndpoints): Promise<RegisteredWebhook[]> {
  const found: RegisteredWebhook[] = [];
  for await (const hook of webhooks.list()) {
    const topics = hook.relationships?.['webhook-topics']?.data;
    found.push({
      id: hook.id,
      name: hook.attributes.name,
      endpoint_url: hook.attributes.endpoint_url,
      enabled: hook.attributes.enabled,
      topics: Array.isArray(topics) ? topics.map((t) => t.id) : [],
    });
  }
  return found;
}

export async function listKlaviyoWebhookTopics(webhooks: WebhookEndpoints): Promise<string[]> {
  const topics: string[] = [];
  for await (const topic of webhooks.topics()) topics.push(topic.id);
  return topics;
}

/** Does a listed (possibly truncated, `…...`) endpoint URL denote `url`? */
function sameEndpoint(listed: string, url: string): boolean {
  return listed.endsWith('...') ? url.startsWith(listed.slice(0, -3)) : listed === url;
}

export interface RegisterWebhookInput {
  /** Public https URL of this service's POST /webhooks/klaviyo. */
  url: string;
  topics: string[];
  /** The HMAC key Klaviyo will sign with: one of KLAVIYO_WEBHOOK_SECRETS. */
  secret: string;
  name?: string;
  description?: string;
  /** Create even when a webhook for this URL exists (Klaviyo's create is not idempotent). */
  force?: boolean;
}

/**
 * Registers our receiver with Klaviyo's Webhooks API. Checks first what Klaviyo would reject late
 * or silently duplicate: a non-https URL, unknown topics, an existing webhook for the same URL.
 */
export async function registerKlaviyoWebhook(webhooks: WebhookEndpoints, input: RegisterWebhookInput): Promise<RegisteredWebhook> {
  const problems = [];
  if (!/^https:\/\/[^/]+/.test(input.url)) problems.push({ path: '/url', message: 'Klaviyo only delivers to https URLs' });
  if (!input.url.endsWith('/webhooks/klaviyo')) problems.push({ path: '/url', message: 'must end with /webhooks/klaviyo (this service’s receiver)' });
  if (input.topics.length === 0) problems.push({ path: '/topics', message: 'give at least one topic (see the "topics" command)' });
  if (problems.length > 0) throw new ValidationError('Cannot register the webhook.', problems);

  const known = new Set(await listKlaviyoWebhookTopics(webhooks));
  const unknown = input.topics.filter((t) => !known.has(t));
  if (unknown.length > 0) {
    throw new ValidationError('Unknown topics for this account.', unknown.map((t) => ({ path: '/topics', message: `unknown topic ${t}` })));
  }
  if (!input.force) {
    const existing = (await listKlaviyoWebhooks(webhooks)).find((w) => sameEndpoint(w.endpoint_url, input.url));
    if (existing) throw new ConflictError(`Webhook ${existing.id} already delivers to this URL; pass --force to create another.`);
  }
  const created = await webhooks.create({
    name: input.name ?? 'klaviyo-bridge',
    description: input.description,
    endpoint_url: input.url,
    secret_key: input.secret,
    topics: input.topics,
  });
  return { id: created.id, name: created.attributes.name, endpoint_url: created.attributes.endpoint_url, enabled: created.attributes.enabled, topics: input.topics };
}
