import { AppError } from '../../src/lib/errors.js';

/**
 * Typed Mavera failures. They extend AppError so a failure that reaches a client renders as
 * problem+json; upstream trouble is a 502 from our point of view (Mavera's own status is kept in
 * `upstreamStatus`). `retryable` is the single fact the retry loop reads.
 */
export interface MaveraErrorOptions {
  code: string;
  detail: string;
  upstreamStatus?: number;
  maveraCode?: string;
  maveraType?: string;
  retryable?: boolean;
  cause?: unknown;
}

export class MaveraError extends AppError {
  readonly upstreamStatus: number | undefined;
  readonly maveraCode: string | undefined;
  readonly maveraType: string | undefined;
  readonly retryable: boolean;

  constructor(options: MaveraErrorOptions) {
    super({ code: options.code, status: 502, title: 'Mavera request failed', detail: options.detail, cause: options.cause });
    this.upstreamStatus = options.upstreamStatus;
    this.maveraCode = options.maveraCode;
    this.maveraType = options.maveraType;
    this.retryable = options.retryable ?? false;
  }
}

type Specific = Omit<MaveraErrorOptions, 'code' | 'retryable'>;

/** 402 `credits_exhausted` / `budget_exceeded`: never retried, a run must stop spending. */
export class MaveraOutOfCreditsError extends MaveraError {
  constructor(options: Specific) {
    super({ ...options, code: 'mavera_out_of_credits', retryable: false });
  }
}

/** 429: retried after `retryAfterMs` (from `Retry-After`) until the attempts run out. */
export class MaveraRateLimitedError extends MaveraError {
  readonly retryAfterMs: number | undefined;
  constructor(options: Specific & { retryAfterMs: number | undefined }) {
    super({ ...options, code: 'mavera_rate_limited', retryable: true });
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** 401/403: the key is missing, wrong, revoked or lacks access. */
export class MaveraAuthError extends MaveraError {
  constructor(options: Specific) {
    super({ ...options, code: 'mavera_unauthorized', retryable: false });
  }
}

export class MaveraNotFoundError extends MaveraError {
  constructor(options: Specific) {
    super({ ...options, code: 'mavera_not_found', retryable: false });
  }
}

/** 400/422 (other than a duplicate persona): our request is wrong; retrying cannot help. */
export class MaveraBadRequestError extends MaveraError {
  constructor(options: Specific) {
    super({ ...options, code: 'mavera_bad_request', retryable: false });
  }
}

/** 422 on `POST /personas`: a persona with that name exists (look it up and PATCH instead). */
export class MaveraDuplicatePersonaError extends MaveraError {
  constructor(options: Specific) {
    super({ ...options, code: 'mavera_duplicate_persona', retryable: false });
  }
}

/** 5xx, network failure or per-attempt timeout: transient, retried with backoff. */
export class MaveraUnavailableError extends MaveraError {
  constructor(options: Specific) {
    super({ ...options, code: 'mavera_unavailable', retryable: true });
  }
}

/** A 2xx whose body is not the shape we rely on. Not retried: the same call would answer the same. */
export class MaveraUnexpectedResponseError extends MaveraError {
  constructor(options: Specific) {
    super({ ...options, code: 'mavera_unexpected_response', retryable: false });
  }
}

/** A focus group that reached a terminal failure status, or did not finish within its deadline. */
export class MaveraFocusGroupError extends MaveraError {
  readonly focusGroupId: string;
  /** Credits Mavera reported for the group so far (creation is charged even when it fails later). */
  readonly creditsUsed: number;
  constructor(options: Specific & { focusGroupId: string; creditsUsed: number; timedOut?: boolean }) {
    super({ ...options, code: options.timedOut ? 'mavera_focus_group_timeout' : 'mavera_focus_group_failed', retryable: false });
    this.focusGroupId = options.focusGroupId;
    this.creditsUsed = options.creditsUsed;
  }
}

/** The client was stopped (shutdown) while the call waited for a slot, or before it was made. */
export class MaveraClientStoppedError extends MaveraError {
  constructor(cause?: unknown) {
    super({ code: 'mavera_client_stopped', detail: 'the Mavera client was stopped before this call could be sent', cause, retryable: false });
  }
}
