/** Public types of the fake Klaviyo server (what tests, the demo and benchmarks build on). */
import type { SandboxTruth } from './seed/truth.js';
import type { SandboxData } from './state/sandbox-data.js';

export interface SandboxScale {
  /** Seeded profiles (default 2,000; up to 200,000 and beyond: generated lazily per index). */
  profiles: number;
  /** Fraction of profiles that carry `predictive_analytics` (default 0.4). */
  predictiveShare: number;
  /** Segments (default 10, at least 6: three near-identical pairs are always planted). */
  segments: number;
  /** Live flows (default 6); one draft flow is always added. */
  flows: number;
  /** Sent campaigns per channel, email and sms (default 8). */
  campaignsPerChannel: number;
  /** Catalog items (default 40, at least 8). */
  catalogItems: number;
  /** Seeded `Placed Order` events (default 1,500). */
  orders: number;
}

export interface KlaviyoSandboxOptions {
  /** The only private key the fake accepts (`Authorization: Klaviyo-API-Key <apiKey>`). */
  apiKey: string;
  /** The revision the fake serves (default `2026-07-15`); other well-formed revisions are accepted and reported. */
  revision?: string;
  /**
   * Time compression: every rate-limit window lasts `1 / speedUp` of Klaviyo's (a "1 s" burst window
   * is 1000 / speedUp milliseconds). Durations in headers (`Retry-After`, `RateLimit-Reset`) stay in
   * Klaviyo seconds, so a client waits `Retry-After * 1000 / speedUp` real milliseconds. Default 1.
   */
  speedUp?: number;
  /** PRNG seed of the generated account (default 1). */
  seed?: number | string;
  scale?: Partial<SandboxScale>;
  /** Loopback port; 0 (default) picks a free one. */
  port?: number;
  /** "Now" of the seeded account, epoch milliseconds (default: start time). Dates are placed relative to it. */
  anchorTimeMs?: number;
  /** Clock used for rate windows and timestamps, epoch milliseconds (default Date.now). */
  now?: () => number;
  /** Live-Klaviyo behaviours (docs/live-klaviyo.md); each defaults to what live Klaviyo does. */
  live?: Partial<SandboxLiveBehaviour>;
  /**
   * Registers one OAuth app and serves Klaviyo's authorization server for it (`/oauth/authorize`,
   * `/oauth/token`, `/oauth/revoke`); its access tokens are accepted as `Authorization: Bearer`.
   * Without it the sandbox knows only the private key, and `/oauth/*` answers 404 as any unknown path.
   */
  oauth?: SandboxOAuthOptions;
}

/** The one OAuth app the sandbox knows (docs/sandbox.md, "OAuth"). */
export interface SandboxOAuthOptions {
  clientId: string;
  clientSecret: string;
  /** Registered redirect URIs; `redirect_uri` must equal one of them exactly (no prefix or normalisation). */
  redirectUris: string[];
  /**
   * Access-token lifetime in Klaviyo seconds (default 3600), answered as `expires_in`; it lasts
   * `accessTokenTtlS * 1000 / speedUp` real milliseconds of the sandbox clock (`now`).
   */
  accessTokenTtlS?: number;
  /**
   * `true` (default): a refresh answers a new refresh token and the one used stops working.
   * `false`: the same refresh token is answered and keeps working (what live Klaviyo was seen doing,
   * klaviyo/LIVE-BEHAVIOUR.md). Either way the previous access token works until it expires.
   */
  refreshRotates?: boolean;
  /** The Klaviyo account the app is installed in, shown on the consent page (default `SBXACC`). */
  accountId?: string;
  /** The app's name on the consent page (default `Sandbox OAuth app`). */
  appName?: string;
}

/**
 * What live Klaviyo does beyond its OpenAPI document (docs/live-klaviyo.md). Every default is the
 * live behaviour; a test switches one off only to show what the service does in the other case.
 */
export interface SandboxLiveBehaviour {
  /** The account has Advanced KDP: the webhooks API answers a private key (live default: false → 403). */
  advancedKdp: boolean;
  /**
   * How long a profile bulk-import job stays `queued`/`processing` before it completes, in Klaviyo
   * milliseconds (divided by `speedUp` in real time). Live: seconds to minutes. Default 2 000.
   */
  profileImportJobMs: number;
  /**
   * Revisions Klaviyo has retired: a request whose `revision` header is one of them answers 410 Gone
   * (before its limit class is counted). Live default: none of the revisions the sandbox is asked for.
   */
  retiredRevisions: readonly string[];
  /**
   * How long a data-privacy deletion job takes from its 202 until the profile (its events, list
   * memberships and consent) is gone, in Klaviyo milliseconds (divided by `speedUp`). Live it is
   * asynchronous with no status to poll. Default 0: gone right after the 202 has been written. The
   * deletion runs on a real timer, or earlier at the first request whose `now()` has reached it (so a
   * manual clock moved past it deletes at the next request). `handle.data.privacyDeletions.settled()`
   * resolves when no deletion is pending.
   */
  privacyDeletionMs: number;
  /**
   * What `POST /api/data-privacy-deletion-jobs` answers for an identifier no profile has. Live (a
   * recorded answer from the corpus klaviyo/LIVE-BEHAVIOUR.md cites): `'not_found'`, 404 `not_found`
   * with detail `No profile with email "…" found.  The profile may have already been deleted.`.
   * `'accepted'` answers 202 and deletes nothing.
   */
  privacyDeletionUnknownProfile: 'not_found' | 'accepted';
}

export const DEFAULT_LIVE_BEHAVIOUR: SandboxLiveBehaviour = {
  advancedKdp: false,
  profileImportJobMs: 2_000,
  retiredRevisions: [],
  privacyDeletionMs: 0,
  privacyDeletionUnknownProfile: 'not_found',
};

export interface Http5xxFault {
  /** Probability in [0, 1] that a request answers `status` (default 0). */
  rate: number;
  status?: 500 | 502 | 503 | 504;
}

export interface ThrottleStorm {
  /** Limit class to throttle (operationId, or `get_profiles:predictive_analytics` / `get_segment:profile_count`), or `*` for all. */
  limitClass: string;
  /** How many of the next requests of that class answer 429 (default: until cleared). */
  requests?: number;
  /** `Retry-After` to announce, in Klaviyo seconds (default 1). */
  retryAfterSeconds?: number;
}

export interface FaultSettings {
  /** Random 5xx answers. */
  errors: Http5xxFault | null;
  /** The next N requests answer 503 (counts down). */
  failNext: number;
  /** Added latency per request, in milliseconds (real time, not divided by speedUp). */
  latencyMs: number;
  /** 429 storms per limit class. */
  storms: ThrottleStorm[];
  /** Every request answers 401, as if the key had been revoked. */
  authFailure: boolean;
  /**
   * The next N requests are stopped by the edge proxy in front of Klaviyo: 403 with an HTML page and
   * `cf-mitigated: challenge` (counts down; the request never reaches Klaviyo, so no limit class).
   */
  edgeChallengeNext: number;
}

export interface FaultController {
  /** Merges the given settings into the current ones. */
  set(settings: Partial<FaultSettings>): FaultSettings;
  get(): FaultSettings;
  /** Back to no faults. */
  reset(): void;
}

export interface ReceivedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: string;
  /** Limit class, or null when the route is unknown or a control route. */
  limitClass: string | null;
  status: number;
  /** Epoch milliseconds when the request arrived. */
  at: number;
  /** The User-Agent header (klaviyo-bridge names its replica there), or '' without one. */
  userAgent: string;
  /**
   * The credential the request presented: `Klaviyo-API-Key …` → `api_key`, `Bearer …` → `oauth`
   * (valid or not), none or another scheme → null.
   */
  auth: RequestAuth | null;
}

export type RequestAuth = 'api_key' | 'oauth';

export interface LimitClassReport {
  burst: number;
  steady: number;
  daily?: number;
  /** Requests received in this class (admitted or throttled). */
  requests: number;
  /** Largest number of requests seen in any 1-second (Klaviyo time) span, throttled ones included. */
  maxPerSecond: number;
  /** Largest number of requests seen in any 60-second (Klaviyo time) span, throttled ones included. */
  maxPerMinute: number;
  /** Requests answered 429 (by the limiter or a storm). */
  throttled: number;
}

export interface BulkJobReport {
  kind: 'profile-bulk-import' | 'event-bulk-create' | 'subscription-bulk-create' | 'subscription-bulk-delete';
  id: string;
  items: number;
  status: string;
  failed: number;
  /** Subscription jobs: profiles Klaviyo silently ignored (unknown person, no list, no historical import). */
  dropped?: number;
}

/** The identifier a data-privacy deletion job named (never its value). */
export type PrivacyDeletionIdentifier = 'email' | 'phone_number' | 'id';

export interface PrivacyDeletionJobReport {
  identifier: PrivacyDeletionIdentifier;
  /** `pending` until the (asynchronous) deletion has run. */
  status: 'pending' | 'complete';
  /** 1 when the job deleted a profile, 0 when it found none (already deleted, or an unknown person accepted). */
  profilesDeleted: number;
  /** Events of the profile deleted with it: API-written ones and seeded `Placed Order`s. */
  eventsDeleted: number;
  /** Lists the profile was removed from. */
  listMembershipsRemoved: number;
}

export interface PrivacyDeletionsReport {
  /** Jobs accepted (202). */
  requested: number;
  completed: number;
  pending: number;
  /** Requests answered 404 because no profile had the identifier (`live.privacyDeletionUnknownProfile`). */
  notFound: number;
  /** Accepted jobs by the identifier they named. */
  byIdentifier: Record<PrivacyDeletionIdentifier, number>;
  profilesDeleted: number;
  eventsDeleted: number;
  /** Every accepted job, in request order. */
  jobs: PrivacyDeletionJobReport[];
}

export interface FlowTriggersReport {
  /** Flow triggers by stored non-backfill events whose metric triggers a live seeded flow. */
  total: number;
  /** By flow id (`handle.data.account.flows.flows[i].id`). */
  byFlow: Record<string, number>;
  /** By the triggering metric's name. */
  byMetric: Record<string, number>;
}

export interface SandboxReport {
  requests: { total: number; byStatus: Record<string, number>; byClass: Record<string, number> };
  limitClasses: Record<string, LimitClassReport>;
  /** Events kept after dedupe, by metric name. */
  eventsByMetric: Record<string, number>;
  eventsStored: number;
  duplicateEvents: number;
  /** Profiles created or updated through the API (seeded ones untouched are not counted). */
  profilesStored: number;
  profilesCreated: number;
  profilesUpdated: number;
  subscriptions: { emailSubscribed: number; smsSubscribed: number; unsubscribed: number };
  /** Members per list (list id → profiles), for lists written through the API. */
  listMemberships: Record<string, number>;
  bulkJobs: BulkJobReport[];
  /** Stored events (duplicates excluded) that carried `backfill: true`: recorded, but they triggered no flow. */
  backfillEvents: number;
  flowTriggers: FlowTriggersReport;
  privacyDeletions: PrivacyDeletionsReport;
  revisionsSeen: Record<string, number>;
  validationErrors: number;
  /**
   * With `oauth`: the OAuth app's own rate buckets, the same classes and budgets as `limitClasses`
   * (which then counts private-key requests only). Absent without `oauth`.
   */
  oauthLimitClasses?: Record<string, LimitClassReport>;
  /** With `oauth`: `handle.oauth.tokens()`. */
  oauth?: OAuthTokenCounts;
}

export interface OAuthTokenCounts {
  /** Access tokens issued, by code exchanges and refreshes. */
  issued: number;
  /** Successful refresh grants (each issued one of the access tokens above). */
  refreshed: number;
  /** Access tokens revoked before they expired (revoke endpoint, code reuse, `revokeAll`). */
  revoked: number;
  /** Access tokens valid now (not expired by the sandbox clock, not revoked). */
  active: number;
  /** Grants (an approved authorization whose code was exchanged) not revoked: their refresh token works. */
  grants: number;
}

/** `handle.oauth`: drives the consent step without a browser, and acts as Klaviyo's side for tests. */
export interface SandboxOAuthHandle {
  clientId: string;
  clientSecret: string;
  redirectUris: readonly string[];
  accountId: string;
  /**
   * Approves an authorize URL (`…/oauth/authorize?response_type=code&…`) as the consent page's
   * "Allow" button would: `location` is the redirect, `<redirect_uri>?code=…&state=…`, or an
   * `?error=…` redirect when the request is invalid. Throws when Klaviyo would show a 400 page
   * (unknown client, unregistered redirect URI), because then nothing is redirected.
   */
  approve(authorizeUrl: string): { location: string };
  /** As `approve`, the "Deny" button: `<redirect_uri>?error=access_denied&state=…`. */
  deny(authorizeUrl: string): { location: string };
  tokens(): OAuthTokenCounts;
  /** Every access token issued so far expires now (refresh tokens keep working). Returns how many were active. */
  expireAccessTokens(): number;
  /** Klaviyo's side uninstalls the app: every grant is revoked (access and refresh tokens). Returns how many grants. */
  revokeAll(): number;
}

export interface KlaviyoSandbox {
  /** Base URL, e.g. `http://127.0.0.1:43123` (the API lives under `/api`). */
  url: string;
  apiKey: string;
  revision: string;
  speedUp: number;
  faults: FaultController;
  /** Requests received so far, in arrival order (the most recent 100,000). */
  received(): ReceivedRequest[];
  report(): SandboxReport;
  /** Forgets received requests and counters (not the stored data). */
  resetReport(): void;
  /** What the fake account holds: seeded data plus everything written through the API. */
  data: SandboxData;
  /** Facts computed from the seeded data, for comparing job results. */
  truth: SandboxTruth;
  /** The OAuth app's controls, or null when the sandbox was started without `oauth`. */
  oauth: SandboxOAuthHandle | null;
  /** Stops the server; calling it again returns the same promise. Pending data-privacy deletions never run. */
  close(): Promise<void>;
}
