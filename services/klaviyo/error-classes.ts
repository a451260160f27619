import type { KlaviyoLimitClassName } from './rate-limits.js';

/**
 * Every failure talking to Klaviyo becomes one of these, built in exactly one place
 * (`toKlaviyoError`), so callers branch on the class and never on raw statuses.
 */
export interface KlaviyoErrorDetail {
  code: string;
  title: string;
  detail: string;
  /** JSON pointer into the request body, e.g. `/data/attributes/profiles/data/3/attributes/email`. */
  pointer: string | undefined;
  /** Query parameter that was rejected, when Klaviyo names one. */
  parameter: string | undefined;
  meta: Record<string, unknown> | undefined;
}

interface KlaviyoErrorInit {
  status: number | undefined;
  code: string;
  message: string;
  retryable: boolean;
  limitClass: KlaviyoLimitClassName | undefined;
  errors?: KlaviyoErrorDetail[];
  cause?: unknown;
}

export class KlaviyoError extends Error {
  /** Klaviyo's HTTP status; undefined for network failures and timeouts. */
  readonly status: number | undefined;
  /** Klaviyo's first error code (`throttled`, `invalid`, …) or ours (`network`, `timeout`). */
  readonly code: string;
  /** True when the same request may succeed later (429, 5xx, 408, network, timeout). */
  readonly retryable: boolean;
  readonly limitClass: KlaviyoLimitClassName | undefined;
  readonly errors: KlaviyoErrorDetail[];

  constructor(init: KlaviyoErrorInit) {
    super(init.message, { cause: init.cause });
    this.name = new.target.name;
    this.status = init.status;
    this.code = init.code;
    this.retryable = init.retryable;
    this.limitClass = init.limitClass;
    this.errors = init.errors ?? [];
  }
}

export class KlaviyoRateLimitedError extends KlaviyoError {
  /** How long Klaviyo asked us to wait (Retry-After), in milliseconds of Klaviyo's clock. */
  readonly retryAfterMs: number;
  constructor(init: KlaviyoErrorInit & { retryAfterMs: number }) {
    super(init);
    this.retryAfterMs = init.retryAfterMs;
  }
}

export class KlaviyoValidationError extends KlaviyoError {
  /**
   * Which items of a batch body Klaviyo rejected, keyed by index. `collectionPointer` is the
   * pointer of the batch array, e.g. `/data/attributes/events-bulk-create/data`.
   */
  itemErrors(collectionPointer: string): Map<number, KlaviyoErrorDetail[]> {
    return itemErrorsByIndex(this.errors, collectionPointer);
  }
}

/** Klaviyo refused the request as ours (401, or a JSON 403 such as a missing scope or Advanced KDP). */
export class KlaviyoAuthError extends KlaviyoError {}

/**
 * 410 Gone: Klaviyo has retired the pinned `revision` (KLAVIYO_REVISION). Nothing works again until
 * the revision is raised, so it is handled like a rejected key: items stay pending, delivery
 * pauses, /readyz fails (services/sync/klaviyo-auth-monitor.ts) and `klaviyo_revision_retired` is 1.
 */
export class KlaviyoRevisionRetiredError extends KlaviyoAuthError {
  /** The revision Klaviyo refused, when the caller knew it. */
  readonly revision: string | undefined;
  constructor(init: KlaviyoErrorInit & { revision: string | undefined }) {
    super(init);
    this.revision = init.revision;
  }
}

export class KlaviyoDuplicateProfileError extends KlaviyoError {
  /** The existing profile that holds the identifiers we sent (`meta.duplicate_profile_id`). */
  readonly duplicateProfileId: string | undefined;
  constructor(init: KlaviyoErrorInit & { duplicateProfileId: string | undefined }) {
    super(init);
    this.duplicateProfileId = init.duplicateProfileId;
  }
}

export class KlaviyoClientError extends KlaviyoError {}

/**
 * The resource does not exist: a 404, or, on a read by id, the 400 live Klaviyo answers for an id
 * that is not in the resource's format (`GET /api/events/NOPE01` → 400 "Invalid Event ID"). Branch
 * on this class, not on `status` (which stays the status Klaviyo sent: 404 or 400).
 */
export class KlaviyoNotFoundError extends KlaviyoClientError {}

export class KlaviyoTransientError extends KlaviyoError {}

/**
 * A call given up while its limit class was backing off an outage (consecutive 5xx, network errors
 * or timeouts): the failure of Klaviyo, not of this call. Callers retry it later without counting it
 * against the work (the sync worker spends no item attempt). Status and code are the last failure's.
 */
export class KlaviyoUnreachableError extends KlaviyoTransientError {
  /** When the class's current run of unreachable attempts began. */
  readonly unreachableSince: Date;
  constructor(init: KlaviyoErrorInit & { unreachableSince: Date }) {
    super(init);
    this.unreachableSince = init.unreachableSince;
  }
}

/**
 * Klaviyo handed back a link (`links.next`) on another origin than the configured base URL. It is
 * refused before anything is sent: the API key goes to the configured origin only. Not retryable.
 */
export class KlaviyoForeignLinkError extends KlaviyoError {
  /** The origin the link named (never its path or query, which may carry a cursor). */
  readonly linkOrigin: string;
  constructor(init: KlaviyoErrorInit & { linkOrigin: string }) {
    super(init);
    this.linkOrigin = init.linkOrigin;
  }
}

/** Groups error details by the batch item their pointer names; details naming no item are left out. */
export function itemErrorsByIndex(
  errors: readonly KlaviyoErrorDetail[],
  collectionPointer: string,
): Map<number, KlaviyoErrorDetail[]> {
  const prefix = `${collectionPointer.replace(/\/+$/, '')}/`;
  const byIndex = new Map<number, KlaviyoErrorDetail[]>();
  for (const error of errors) {
    if (!error.pointer?.startsWith(prefix)) continue;
    const segment = error.pointer.slice(prefix.length).split('/', 1)[0] ?? '';
    if (!/^\d+$/.test(segment)) continue;
    const index = Number(segment);
    byIndex.set(index, [...(byIndex.get(index) ?? []), error]);
  }
  return byIndex;
}

export function isKlaviyoError(error: unknown): error is KlaviyoError {
  return error instanceof KlaviyoError;
}
