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

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
