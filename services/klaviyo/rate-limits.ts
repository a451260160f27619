/**
 * Klaviyo's published rate limits for revision 2026-07-15, one entry per limit class.
 *
 * Klaviyo counts every operation's budget separately (per account), so a limit class is one
 * operationId, plus the `additional-fields` variants that the spec's prose gives their own, lower
 * limit. The numbers are copied from `x-klaviyo-ratelimit` of the pinned spec; the test
 * `test/klaviyo/rate-limit-table.test.ts` proves this table against the shipped subset and the
 * variants against the full spec's descriptions.
 */
export interface KlaviyoBudget {
  /** Requests allowed in any 1-second span. */
  burstPerSecond: number;
  /** Requests allowed in any 60-second span. */
  steadyPerMinute: number;
  /** Requests allowed in any 24-hour span (reporting endpoints only). */
  dailyCap?: number;
}

export interface KlaviyoLimitClass extends KlaviyoBudget {
  operationId: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path template as in the spec, e.g. `/api/profiles/{id}`. */
  path: string;
  /** `additional-fields` value that moves a request into this (lower) class. */
  additionalField?: string;
}

const XS = { burstPerSecond: 1, steadyPerMinute: 15 };
const S = { burstPerSecond: 3, steadyPerMinute: 60 };
const M = { burstPerSecond: 10, steadyPerMinute: 150 };
const L = { burstPerSecond: 75, steadyPerMinute: 750 };
const XL = { burstPerSecond: 350, steadyPerMinute: 3500 };
const REPORTING = { burstPerSecond: 1, steadyPerMinute: 2, dailyCap: 225 };

export const KLAVIYO_LIMIT_CLASSES = {
  create_or_update_profile: { ...L, operationId: 'create_or_update_profile', method: 'POST', path: '/api/profile-import' },
  create_profile: { ...L, operationId: 'create_profile', method: 'POST', path: '/api/profiles' },
  get_profiles: { ...L, operationId: 'get_profiles', method: 'GET', path: '/api/profiles' },
  'get_profiles:predictive_analytics': {
    ...M,
    operationId: 'get_profiles',
    method: 'GET',
    path: '/api/profiles',
    additionalField: 'predictive_analytics',
  },
  get_profile: { ...L, operationId: 'get_profile', method: 'GET', path: '/api/profiles/{id}' },
  update_profile: { ...L, operationId: 'update_profile', method: 'PATCH', path: '/api/profiles/{id}' },
  bulk_import_profiles: { ...M, operationId: 'bulk_import_profiles', method: 'POST', path: '/api/profile-bulk-import-jobs' },
  get_bulk_import_profiles_job: {
    ...M,
    operationId: 'get_bulk_import_profiles_job',
    method: 'GET',
    path: '/api/profile-bulk-import-jobs/{job_id}',
  },
  get_errors_for_bulk_import_profiles_job: {
    ...M,
    operationId: 'get_errors_for_bulk_import_profiles_job',
    method: 'GET',
    path: '/api/profile-bulk-import-jobs/{id}/import-errors',
  },
  create_event: { ...XL, operationId: 'create_event', method: 'POST', path: '/api/events' },
  get_events: { ...XL, operationId: 'get_events', method: 'GET', path: '/api/events' },
  bulk_create_events: { ...M, operationId: 'bulk_create_events', method: 'POST', path: '/api/event-bulk-create-jobs' },
  bulk_subscribe_profiles: {
    ...L,
    operationId: 'bulk_subscribe_profiles',
    method: 'POST',
    path: '/api/profile-subscription-bulk-create-jobs',
  },
  bulk_unsubscribe_profiles: {
    ...L,
    operationId: 'bulk_unsubscribe_profiles',
    method: 'POST',
    path: '/api/profile-subscription-bulk-delete-jobs',
  },
  get_lists: { ...L, operationId: 'get_lists', method: 'GET', path: '/api/lists' },
  add_profiles_to_list: {
    ...M,
    operationId: 'add_profiles_to_list',
    method: 'POST',
    path: '/api/lists/{id}/relationships/profiles',
  },
  remove_profiles_from_list: {
    ...M,
    operationId: 'remove_profiles_from_list',
    method: 'DELETE',
    path: '/api/lists/{id}/relationships/profiles',
  },
  get_segments: { ...L, operationId: 'get_segments', method: 'GET', path: '/api/segments' },
  get_segment: { ...L, operationId: 'get_segment', method: 'GET', path: '/api/segments/{id}' },
  'get_segment:profile_count': {
    ...XS,
    operationId: 'get_segment',
    method: 'GET',
    path: '/api/segments/{id}',
    additionalField: 'profile_count',
  },
  get_profiles_for_segment: { ...L, operationId: 'get_profiles_for_segment', method: 'GET', path: '/api/segments/{id}/profiles' },
  get_flows: { ...S, operationId: 'get_flows', method: 'GET', path: '/api/flows' },
  get_actions_for_flow: { ...S, operationId: 'get_actions_for_flow', method: 'GET', path: '/api/flows/{id}/flow-actions' },
  get_flow_action_messages: {
    ...S,
    operationId: 'get_flow_action_messages',
    method: 'GET',
    path: '/api/flow-actions/{id}/flow-messages',
  },
  get_flow_message: { ...S, operationId: 'get_flow_message', method: 'GET', path: '/api/flow-messages/{id}' },
  get_template_for_flow_message: {
    ...S,
    operationId: 'get_template_for_flow_message',
    method: 'GET',
    path: '/api/flow-messages/{id}/template',
  },
  get_campaigns: { ...M, operationId: 'get_campaigns', method: 'GET', path: '/api/campaigns' },
  get_messages_for_campaign: {
    ...M,
    operationId: 'get_messages_for_campaign',
    method: 'GET',
    path: '/api/campaigns/{id}/campaign-messages',
  },
  get_template_for_campaign_message: {
    ...M,
    operationId: 'get_template_for_campaign_message',
    method: 'GET',
    path: '/api/campaign-messages/{id}/template',
  },
  get_template: { ...L, operationId: 'get_template', method: 'GET', path: '/api/templates/{id}' },
  get_catalog_items: { ...XL, operationId: 'get_catalog_items', method: 'GET', path: '/api/catalog-items' },
  get_metrics: { ...M, operationId: 'get_metrics', method: 'GET', path: '/api/metrics' },
  query_metric_aggregates: { ...S, operationId: 'query_metric_aggregates', method: 'POST', path: '/api/metric-aggregates' },
  query_campaign_values: { ...REPORTING, operationId: 'query_campaign_values', method: 'POST', path: '/api/campaign-values-reports' },
  query_flow_values: { ...REPORTING, operationId: 'query_flow_values', method: 'POST', path: '/api/flow-values-reports' },
  get_webhooks: { ...XS, operationId: 'get_webhooks', method: 'GET', path: '/api/webhooks' },
  create_webhook: { ...XS, operationId: 'create_webhook', method: 'POST', path: '/api/webhooks' },
  get_webhook_topics: { ...XS, operationId: 'get_webhook_topics', method: 'GET', path: '/api/webhook-topics' },
  request_profile_deletion: { ...S, operationId: 'request_profile_deletion', method: 'POST', path: '/api/data-privacy-deletion-jobs' },
} as const satisfies Record<string, KlaviyoLimitClass>;

export type KlaviyoLimitClassName = keyof typeof KLAVIYO_LIMIT_CLASSES;

export const KLAVIYO_LIMIT_CLASS_NAMES = Object.keys(KLAVIYO_LIMIT_CLASSES) as KlaviyoLimitClassName[];

/**
 * The budget this process may use: every limit scaled by KLAVIYO_RATE_SHARE, rounded down (so
 * we never exceed our share) but at least 1 (so a tiny share still makes progress).
 */
export function scaleBudget(budget: KlaviyoBudget, rateShare: number): KlaviyoBudget {
  const scale = (limit: number) => Math.max(1, Math.floor(limit * rateShare + 1e-9));
  const scaled: KlaviyoBudget = {
    burstPerSecond: scale(budget.burstPerSecond),
    steadyPerMinute: scale(budget.steadyPerMinute),
  };
  if (budget.dailyCap !== undefined) scaled.dailyCap = scale(budget.dailyCap);
  return scaled;
}
