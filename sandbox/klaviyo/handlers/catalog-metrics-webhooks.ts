/** Catalog items (≤ 100 per page), metrics (200 a page, no page[size]), webhooks (list, create) and webhook topics. */
import { randomUUID } from 'node:crypto';
import { invalidBody, KlaviyoHttpError } from '../klaviyo-errors.js';
import type { HandlerContext, HandlerResult } from '../http/context.js';
import { iso, resource } from '../http/context.js';
import { matchesAll, queryFilter } from '../http/filter.js';
import { pageOf, pageSizeOf } from '../http/pagination.js';
import { webhookTopicIds } from '../seed/metrics.js';

export function getCatalogItems(context: HandlerContext): HandlerResult {
  const conditions = queryFilter(context.query, context.operation.filters);
  const matching = context.account.catalog.filter((item) =>
    matchesAll(conditions, (field) => ({ ids: item.id, 'category.id': `$custom:::$default:::${item.category}`, title: item.title, published: true })[field]),
  );
  const { page, links } = pageOf(context, matching);
  const data = page.map((item) =>
    resource(
      context,
      'catalog-item',
      item.id,
      {
        external_id: item.externalId,
        title: item.title,
        description: `${item.title} by ${item.brand}.`,
        price: item.price,
        url: `https://shop.example.com/products/${item.externalId.toLowerCase()}`,
        image_full_url: `https://shop.example.com/images/${item.externalId.toLowerCase()}.jpg`,
        image_thumbnail_url: null,
        images: [],
        custom_metadata: { category: item.category, brand: item.brand },
        published: true,
        created: iso(item.createdMs),
        updated: iso(item.createdMs),
      },
      `/api/catalog-items/${encodeURIComponent(item.id)}/`,
    ),
  );
  return { status: 200, body: { data, links } };
}

export function getMetrics(context: HandlerContext): HandlerResult {
  const conditions = queryFilter(context.query, context.operation.filters);
  const matching = context.data.metrics.filter((metric) =>
    matchesAll(conditions, (field) => ({ 'integration.name': metric.integration.name, 'integration.category': metric.integration.category })[field]),
  );
  const { page, links } = pageOf(context, matching);
  const data = page.map((metric) =>
    resource(context, 'metric', metric.id, { name: metric.name, created: iso(metric.createdMs), updated: iso(metric.createdMs), integration: metric.integration }, `/api/metrics/${metric.id}/`),
  );
  return { status: 200, body: { data, links } };
}

/**
 * Live Klaviyo answered 403 "You must have Advanced KDP enabled" to a private API key on every
 * webhooks and webhook-topics method, and an OAuth app's token worked. So a private key is served
 * only when the account is modelled with Advanced KDP; an OAuth token always is (the pipeline has
 * already checked its `webhooks:read` / `webhooks:write` scope).
 */
function requireAdvancedKdp(context: HandlerContext): void {
  if (context.live.advancedKdp || context.auth === 'oauth') return;
  throw new KlaviyoHttpError(403, [
    {
      id: randomUUID(),
      status: 403,
      code: 'permission_denied',
      title: 'You do not have permission to perform this action.',
      detail: 'You must have Advanced KDP enabled',
      links: {},
      meta: {},
    },
  ]);
}

/** `https://host/*****`: live Klaviyo shows only the origin of a webhook's endpoint URL. */
function maskedEndpointUrl(endpointUrl: string): string {
  try {
    return `${new URL(endpointUrl).origin}/*****`;
  } catch {
    return '*****';
  }
}

function webhookResource(context: HandlerContext, webhook: HandlerContext['data']['webhooks'][number]) {
  return resource(
    context,
    'webhook',
    webhook.id,
    {
      name: webhook.name,
      description: webhook.description,
      endpoint_url: maskedEndpointUrl(webhook.endpointUrl),
      enabled: true,
      created_at: iso(webhook.createdMs),
      updated_at: iso(webhook.createdMs),
    },
    `/api/webhooks/${webhook.id}/`,
    { 'webhook-topics': { data: webhook.topicIds.map((id) => ({ type: 'webhook-topic', id })) } },
  );
}

/** One page holds every webhook (an account has a handful): `links.next` is null, as on any last page. */
export function getWebhooks(context: HandlerContext): HandlerResult {
  requireAdvancedKdp(context);
  pageSizeOf(context); // takes no page[size]
  const data = context.data.webhooks.map((webhook) => webhookResource(context, webhook));
  return { status: 200, body: { data, links: { self: `${context.baseUrl}/api/webhooks/`, next: null, prev: null } } };
}

interface WebhookDocument {
  data: {
    attributes: { name: string; description?: string | null; endpoint_url: string; secret_key: string };
    relationships: { 'webhook-topics': { data?: { id: string }[] } };
  };
}

export function createWebhook(context: HandlerContext): HandlerResult {
  requireAdvancedKdp(context);
  const { attributes, relationships } = (context.body as WebhookDocument).data;
  if (!/^https:\/\//.test(attributes.endpoint_url)) {
    throw invalidBody([{ pointer: '/data/attributes/endpoint_url', detail: 'endpoint_url must be an https URL.' }]);
  }
  const known = new Set(webhookTopicIds());
  const topics = (relationships['webhook-topics'].data ?? []).map((topic) => topic.id);
  const unknown = topics.findIndex((topic) => !known.has(topic));
  if (unknown >= 0) throw invalidBody([{ pointer: `/data/relationships/webhook-topics/data/${unknown}/id`, detail: `Unknown webhook topic '${topics[unknown]}'.` }]);
  const webhook = {
    id: context.data.nextId('webhook'),
    name: attributes.name,
    description: attributes.description ?? null,
    endpointUrl: attributes.endpoint_url,
    secretKey: attributes.secret_key,
    topicIds: topics,
    createdMs: context.nowMs,
  };
  context.data.webhooks.push(webhook);
  return { status: 201, body: { data: webhookResource(context, webhook) } };
}

export function getWebhookTopics(context: HandlerContext): HandlerResult {
  requireAdvancedKdp(context);
  pageSizeOf(context); // takes no page[size]
  const data = webhookTopicIds().map((id) => ({ type: 'webhook-topic', id, links: { self: `${context.baseUrl}/api/webhook-topics/${encodeURIComponent(id)}/` } }));
  return { status: 200, body: { data, links: { self: `${context.baseUrl}/api/webhook-topics/`, next: null, prev: null } } };
}
