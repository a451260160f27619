/**
 * The `page[size]` the jobs ask for, per endpoint, kept within what live Klaviyo accepts: its maxima
 * differ per endpoint (lists, segments and templates 10; flows 50; most others 100) and a larger
 * size is refused, not clamped (klaviyo/LIVE-BEHAVIOUR.md "Reads"). Endpoints the jobs read without
 * `page[size]` (segments, campaigns, catalog items, metrics) are absent on purpose.
 */
export const LIVE_PAGE_SIZE_MAX = {
  profiles: 100,
  segmentProfiles: 100,
  flows: 50,
  flowActions: 50,
  flowMessages: 50,
  events: 100,
} as const;

/** `requested`, clamped to the endpoint's live maximum (and to at least 1). */
export function livePageSize(endpoint: keyof typeof LIVE_PAGE_SIZE_MAX, requested: number = LIVE_PAGE_SIZE_MAX[endpoint]): number {
  return Math.max(1, Math.min(Math.floor(requested), LIVE_PAGE_SIZE_MAX[endpoint]));
}
