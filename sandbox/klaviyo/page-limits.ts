/**
 * `page[size]` per paginated operation, as live Klaviyo applies it (klaviyo/LIVE-BEHAVIOUR.md
 * "Reads"): the default when none is given, the largest size accepted (above it: 400 `invalid` with
 * `source.parameter: "page[size]"`), and the most served on one page. `max: null` means the
 * operation takes no `page[size]` at all (metrics, campaign messages, webhooks): sending one is a 400.
 *
 * `get_events` accepts up to 1,000 (its document's maximum) but live Klaviyo serves at most 200 a
 * page; a larger size is answered with 200 and a next link. services/klaviyo/page-sizes.ts is the
 * client's side of this table (test/klaviyo/page-sizes.test.ts keeps the two in step).
 */
export interface PageLimit {
  /** Page size when the request names none. */
  default: number;
  /** Largest `page[size]` accepted; null: the parameter is refused. */
  max: number | null;
  /** Most resources served on one page, when less than `max`. */
  served?: number;
}

export const PAGE_LIMITS: Readonly<Record<string, PageLimit>> = {
  get_profiles: { default: 20, max: 100 },
  get_profiles_for_segment: { default: 20, max: 100 },
  get_errors_for_bulk_import_profiles_job: { default: 20, max: 100 },
  get_events: { default: 200, max: 1000, served: 200 },
  get_lists: { default: 10, max: 10 },
  get_segments: { default: 10, max: 10 },
  get_flows: { default: 50, max: 50 },
  get_actions_for_flow: { default: 50, max: 50 },
  get_flow_action_messages: { default: 50, max: 50 },
  get_campaigns: { default: 100, max: 100 },
  get_catalog_items: { default: 100, max: 100 },
  get_metrics: { default: 200, max: null },
  get_messages_for_campaign: { default: 50, max: null },
  get_webhooks: { default: 100, max: null },
  get_webhook_topics: { default: 1000, max: null },
};
