import type { KlaviyoLimitClassName } from './rate-limits.js';

/**
 * The largest `page[size]` live Klaviyo serves, per paginated operation (klaviyo/LIVE-BEHAVIOUR.md
 * "Reads"): lists and segments 10, flows and their actions and messages 50, most others 100. A
 * larger size is refused with 400, not clamped, so every read here asks for at most this.
 *
 * `get_events` accepts up to 1,000 by its document, but live Klaviyo serves at most 200 a page, so
 * 200 is the most worth asking for. Operations that take no `page[size]` at all (metrics, campaign
 * messages, webhooks, webhook topics, bulk-job listings) are `null`: never send one.
 *
 * The single table for the whole service: services/jobs/page-sizes.ts could import it (see
 * docs/live-klaviyo.md). test/klaviyo/page-sizes.test.ts proves it against the pinned spec's
 * `page[size]` maxima and the sandbox's.
 */
export const KLAVIYO_PAGE_SIZE_MAX = {
  get_profiles: 100,
  get_profiles_for_segment: 100,
  get_errors_for_bulk_import_profiles_job: 100,
  get_events: 200,
  get_lists: 10,
  get_segments: 10,
  get_flows: 50,
  get_actions_for_flow: 50,
  get_flow_action_messages: 50,
  get_campaigns: 100,
  get_catalog_items: 100,
  get_metrics: null,
  get_messages_for_campaign: null,
  get_webhooks: null,
  get_webhook_topics: null,
} as const satisfies Partial<Record<KlaviyoLimitClassName, number | null>>;

export type KlaviyoPagedOperation = keyof typeof KLAVIYO_PAGE_SIZE_MAX;
export type KlaviyoSizedOperation = {
  [K in KlaviyoPagedOperation]: (typeof KLAVIYO_PAGE_SIZE_MAX)[K] extends number ? K : never;
}[KlaviyoPagedOperation];

/**
 * The `page[size]` to send: `requested` within 1 … the operation's live maximum, or undefined (let
 * Klaviyo pick its default) when nothing was requested. Asking for more is never an error here: the
 * read simply takes more pages.
 */
export function klaviyoPageSize(operation: KlaviyoSizedOperation, requested: number | undefined): number | undefined {
  if (requested === undefined || !Number.isFinite(requested)) return undefined;
  return Math.max(1, Math.min(Math.floor(requested), KLAVIYO_PAGE_SIZE_MAX[operation]));
}
