import { createKlaviyoClient, type KlaviyoClientOptions } from './client.js';
import { createCampaignEndpoints } from './endpoints/campaigns.js';
import { createCatalogEndpoints } from './endpoints/catalog.js';
import { createEventEndpoints } from './endpoints/events.js';
import { createFlowEndpoints } from './endpoints/flows.js';
import { createListEndpoints } from './endpoints/lists.js';
import { createMetricEndpoints } from './endpoints/metrics.js';
import { createPrivacyEndpoints } from './endpoints/privacy.js';
import { createProfileImportEndpoints } from './endpoints/profile-imports.js';
import { createProfileEndpoints } from './endpoints/profiles.js';
import { createReportEndpoints } from './endpoints/reports.js';
import { createSegmentEndpoints } from './endpoints/segments.js';
import { createSubscriptionEndpoints } from './endpoints/subscriptions.js';
import { createWebhookEndpoints } from './endpoints/webhooks.js';
import type { OutageBackoffOptions } from './class-outage.js';
import { createKlaviyoLimiters, type DailyUsageLog, type KlaviyoLimiters } from './limiter.js';

export interface KlaviyoServiceOptions extends Omit<KlaviyoClientOptions, 'limiters'> {
  /** The process-wide limiters; built from `rateShare` / `speedUp` when not given. */
  limiters?: KlaviyoLimiters;
  /** KLAVIYO_RATE_SHARE (default 1). */
  rateShare?: number;
  /** Divides every rate-limit window (benchmarks against a sped-up sandbox; default 1). */
  speedUp?: number;
  /** Where the daily-capped classes' usage outlives a restart (then call `limiters.restoreDailyUsage()`); unused when `limiters` is given. */
  dailyUsage?: DailyUsageLog;
  /** How a limit class backs off an outage (default DEFAULT_OUTAGE_BACKOFF); unused when `limiters` is given. */
  outageBackoff?: Partial<OutageBackoffOptions>;
}

/**
 * The Klaviyo service: built ONCE per process by src/service.ts (buildService) and handed to the sync worker and
 * the jobs runner, so they share one client and one set of limiters.
 */
export function createKlaviyoService(options: KlaviyoServiceOptions) {
  const limiters =
    options.limiters ??
    createKlaviyoLimiters({
      rateShare: options.rateShare ?? 1,
      speedUp: options.speedUp,
      clock: options.clock,
      sleep: options.sleep,
      dailyUsage: options.dailyUsage,
      outageBackoff: options.outageBackoff,
      random: options.random,
    });
  const client = createKlaviyoClient({ ...options, limiters });
  return {
    client,
    limiters,
    profiles: createProfileEndpoints(client),
    profileImports: createProfileImportEndpoints(client),
    events: createEventEndpoints(client),
    subscriptions: createSubscriptionEndpoints(client),
    lists: createListEndpoints(client),
    segments: createSegmentEndpoints(client),
    flows: createFlowEndpoints(client),
    campaigns: createCampaignEndpoints(client),
    catalog: createCatalogEndpoints(client),
    metrics: createMetricEndpoints(client),
    reports: createReportEndpoints(client),
    webhooks: createWebhookEndpoints(client),
    privacy: createPrivacyEndpoints(client),
  };
}

export type KlaviyoService = ReturnType<typeof createKlaviyoService>;

export * from './errors.js';
export { createKlaviyoClient } from './client.js';
export type { KlaviyoClient, KlaviyoClientOptions, KlaviyoRequest, KlaviyoResponse } from './client.js';
export { createKlaviyoLimiters } from './limiter.js';
export type { DailyUsageLog, KlaviyoLimiters, KlaviyoLimitersOptions } from './limiter.js';
export { createCachedDailyUsage } from './daily-usage.js';
export type { ClassLimiterStats, KlaviyoPermit } from './class-limiter.js';
export { DEFAULT_OUTAGE_BACKOFF, type AttemptVerdict, type ClassOutageState, type OutageBackoffOptions } from './class-outage.js';
export {
  klaviyoReachabilityCheck,
  type KlaviyoReachability,
  type KlaviyoReachabilityCheckOptions,
  type KlaviyoUnreachableFailure,
} from './reachability.js';
export * from './rate-limits.js';
export { parseRateLimitLimit, readRateLimitHeaders, type RateLimitLimitHeader, type RateLimitObservation, type RateLimitPolicy } from './rate-limit-headers.js';
export { KLAVIYO_PAGE_SIZE_MAX, klaviyoPageSize, type KlaviyoPagedOperation, type KlaviyoSizedOperation } from './page-sizes.js';
export { DEFAULT_RETRY, type RetryOptions } from './retry-policy.js';
export { paginate, paginatePages, type PagedRead } from './paginate.js';
export { klaviyoFilter } from './filters.js';
export type * from './json-api.js';
export type * from './resources.js';
export * from './bodies/profile.js';
export * from './bodies/event.js';
export * from './bodies/subscription.js';
export * from './bodies/list.js';
export * from './bodies/reporting.js';
export * from './bodies/webhook.js';
export type { Clock, Sleep } from './timing.js';
export type { CampaignChannel, ListCampaignsOptions } from './endpoints/campaigns.js';
export type { ListProfilesOptions, ProfileAdditionalField } from './endpoints/profiles.js';
export type { ListEventsOptions } from './endpoints/events.js';
export type { ReportPage } from './endpoints/reports.js';
export { buildProfileDeletionBody, type PrivacyEndpoints, type ProfileDeletionTarget } from './endpoints/privacy.js';
