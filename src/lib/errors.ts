/**
 * One error hierarchy for the whole service. Every error that can reach a client carries a stable
 * `code` and an HTTP `status`; the error middleware renders it as problem+json (RFC 9457).
 * Services throw these too (they never see Express), so a domain failure maps to one status.
 */
export interface FieldError {
  /** JSON-pointer-like path of the offending field, e.g. `/events/3/phone_number`. */
  path: string;
  message: string;
}

export interface AppErrorOptions {
  code: string;
  status: number;
  title: string;
  detail?: string;
  errors?: FieldError[];
  headers?: Record<string, string>;
  /** Extra members rendered into the problem body (e.g. a link to a conflicting resource). */
  extensions?: Record<string, unknown>;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly title: string;
  readonly detail: string | undefined;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;
  readonly extensions: Record<string, unknown>;

  constructor(options: AppErrorOptions) {
    super(options.detail ?? options.title, { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.status = options.status;
    this.title = options.title;
    this.detail = options.detail;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
    this.extensions = options.extensions ?? {};
  }
}

type Narrowed = Omit<AppErrorOptions, 'status' | 'title' | 'code'> & { code?: string };

export class ValidationError extends AppError {
  constructor(detail: string, errors: FieldError[] = [], options: Narrowed = {}) {
    super({ code: 'validation_failed', title: 'Invalid request', ...options, status: 400, detail, errors });
  }
}

export class BadRequestError extends AppError {
  constructor(detail: string, options: Narrowed = {}) {
    super({ code: 'bad_request', title: 'Bad request', ...options, status: 400, detail });
  }
}

export class UnauthorizedError extends AppError {
  constructor(detail: string, options: Narrowed = {}) {
    super({
      code: 'unauthorized',
      title: 'Unauthorized',
      ...options,
      status: 401,
      detail,
      headers: { 'WWW-Authenticate': 'Bearer', ...options.headers },
    });
  }
}

export class ForbiddenError extends AppError {
  constructor(detail: string, options: Narrowed = {}) {
    super({ code: 'forbidden', title: 'Forbidden', ...options, status: 403, detail });
  }
}

export class NotFoundError extends AppError {
  constructor(detail: string, options: Narrowed = {}) {
    super({ code: 'not_found', title: 'Not found', ...options, status: 404, detail });
  }
}

export class ConflictError extends AppError {
  constructor(detail: string, options: Narrowed = {}) {
    super({ code: 'conflict', title: 'Conflict', ...options, status: 409, detail });
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(detail: string, options: Narrowed = {}) {
    super({ code: 'payload_too_large', title: 'Payload too large', ...options, status: 413, detail });
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(detail: string, options: Narrowed = {}) {
    super({ code: 'unsupported_media_type', title: 'Unsupported media type', ...options, status: 415, detail });
  }
}

export class UnprocessableError extends AppError {
  constructor(detail: string, options: Narrowed = {}) {
    super({ code: 'unprocessable', title: 'Unprocessable request', ...options, status: 422, detail });
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(detail: string, options: Narrowed = {}) {
    super({ code: 'service_unavailable', title: 'Service unavailable', ...options, status: 503, detail });
  }
}

/** Seconds a client is asked to wait before sending a refused write again (the `Retry-After` of the 503s below). */
export const STORAGE_RETRY_AFTER_S = 30;

/**
 * The store cannot take the write right now: the disk is full, the file cannot be written, another
 * connection holds the lock past the busy timeout, or the database is damaged. Nothing of the request
 * was stored, so the client keeps it and sends it again after `Retry-After`. The SQLite error is the
 * `cause` (logged), never the body: a 5xx body shows no internals.
 */
export class StorageUnavailableError extends ServiceUnavailableError {
  constructor(options: { cause?: unknown; retryAfterS?: number } = {}) {
    super('The store cannot take writes right now; nothing of this request was stored. Send it again later.', {
      code: 'storage_unavailable',
      headers: { 'retry-after': String(options.retryAfterS ?? STORAGE_RETRY_AFTER_S) },
      cause: options.cause,
    });
  }
}

/**
 * A kind's outbox backlog is at its cap (OUTBOX_MAX_PENDING): new items of that kind are refused until
 * the sync worker has delivered some, so one client cannot fill the disk. Nothing of the request was stored.
 */
export class OutboxFullError extends ServiceUnavailableError {
  constructor(kind: string, waiting: number, cap: number, options: { retryAfterS?: number } = {}) {
    super(`The ${kind} outbox holds ${waiting} items waiting for delivery, at its cap of ${cap} per kind; nothing of this request was stored. Send it again later.`, {
      code: 'outbox_full',
      headers: { 'retry-after': String(options.retryAfterS ?? STORAGE_RETRY_AFTER_S) },
      extensions: { kind, cap },
    });
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
