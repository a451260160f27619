import { ConflictError, ForbiddenError, ValidationError } from '../../src/lib/errors.js';
import { KlaviyoError } from '../klaviyo/errors.js';
import type { WebhookEndpoints } from '../klaviyo/endpoints/webhooks.js';
import { sameTopicSet, sameWebhookEndpoint } from './webhook-endpoint-match.js';

/**
 * What ops see of a Klaviyo webhook subscription. Live Klaviyo masks `endpoint_url` when it answers
 * (`https://host/*****`), so a listed URL shows the origin only.
 */
export interface RegisteredWebhook {
  id: string;
  name: string;
  endpoint_url: string;
  enabled: boolean;
  topics: string[];
}

export const WEBHOOKS_FORBIDDEN_EXPLANATION =
  'Klaviyo answered 403 to the webhooks API: the webhooks API needs an OAuth app’s token or an account with Advanced KDP; a private key gets 403. ' +
  'Register the webhook with an OAuth app’s access token as KLAVIYO_API_KEY, enable Advanced KDP on the account, or create it in Klaviyo’s UI.';

/**
 * Klaviyo refused the webhooks API to our credential (live: 403 "You must have Advanced KDP enabled"
 * for every private key). A typed error so the CLI and any caller explain it instead of printing a
 * bare "403"; Klaviyo's own detail is kept as `klaviyoDetail`.
 */
export class KlaviyoWebhooksForbiddenError extends ForbiddenError {
  readonly klaviyoDetail: string | undefined;
  constructor(cause: KlaviyoError) {
    const klaviyoDetail = cause.errors[0]?.detail;
    super(`${WEBHOOKS_FORBIDDEN_EXPLANATION}${klaviyoDetail ? ` (Klaviyo said: “${klaviyoDetail}”.)` : ''}`, {
      code: 'klaviyo_webhooks_forbidden',
      cause,
    });
    this.klaviyoDetail = klaviyoDetail;
  }
}

/** Runs one webhooks-API call, turning Klaviyo's 403 into KlaviyoWebhooksForbiddenError. */
async function explainingForbidden<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof KlaviyoError && error.status === 403) throw new KlaviyoWebhooksForbiddenError(error);
    throw error;
  }
}

export async function listKlaviyoWebhooks(webhooks: WebhookEndpoints): Promise<RegisteredWebhook[]> {
  return explainingForbidden(async () => {
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
  });
}

export async function listKlaviyoWebhookTopics(webhooks: WebhookEndpoints): Promise<string[]> {
  return explainingForbidden(async () => {
    const topics: string[] = [];
    for await (const topic of webhooks.topics()) topics.push(topic.id);
    return topics;
  });
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

export interface WebhookRegistration {
  webhook: RegisteredWebhook;
  /** False when an existing webhook already delivers these topics to this URL (a re-run). */
  created: boolean;
}

export const DEFAULT_WEBHOOK_NAME = 'klaviyo-bridge';

/**
 * Registers our receiver with Klaviyo's Webhooks API. Checks first what Klaviyo would reject late
 * or silently duplicate: a non-https URL, unknown topics, an existing webhook for the same URL.
 * Klaviyo masks listed URLs, so "the same URL" is judged on what is visible (webhook-endpoint-match.ts):
 * a re-run with the same topics finds its webhook and creates nothing; other topics are a conflict.
 */
export async function registerKlaviyoWebhook(webhooks: WebhookEndpoints, input: RegisterWebhookInput): Promise<WebhookRegistration> {
  const problems = [];
  if (!/^https:\/\/[^/]+/.test(input.url)) problems.push({ path: '/url', message: 'Klaviyo only delivers to https URLs' });
  if (!input.url.endsWith('/webhooks/klaviyo')) problems.push({ path: '/url', message: 'must end with /webhooks/klaviyo (this service’s receiver)' });
  if (input.topics.length === 0) problems.push({ path: '/topics', message: 'give at least one topic (see the "topics" command)' });
  if (problems.length > 0) throw new ValidationError('Cannot register the webhook.', problems);

  const name = input.name ?? DEFAULT_WEBHOOK_NAME;
  const known = new Set(await listKlaviyoWebhookTopics(webhooks));
  const unknown = input.topics.filter((t) => !known.has(t));
  if (unknown.length > 0) {
    throw new ValidationError('Unknown topics for this account.', unknown.map((t) => ({ path: '/topics', message: `unknown topic ${t}` })));
  }
  if (!input.force) {
    const wanted = { url: input.url, name, topics: input.topics };
    const existing = (await listKlaviyoWebhooks(webhooks)).find((w) => sameWebhookEndpoint(w, wanted));
    if (existing) {
      if (sameTopicSet(existing.topics, input.topics)) return { webhook: existing, created: false };
      throw new ConflictError(
        `Webhook ${existing.id} (${existing.name}, ${existing.endpoint_url}) already delivers to this URL with other topics (${existing.topics.join(', ')}); pass --force to create another.`,
      );
    }
  }
  const created = await explainingForbidden(() =>
    webhooks.create({ name, description: input.description, endpoint_url: input.url, secret_key: input.secret, topics: input.topics }),
  );
  // The answer masks endpoint_url too; we know the URL we registered.
  return {
    webhook: { id: created.id, name: created.attributes.name, endpoint_url: input.url, enabled: created.attributes.enabled, topics: input.topics },
    created: true,
  };
}

