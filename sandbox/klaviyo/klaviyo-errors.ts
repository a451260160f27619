/** Klaviyo's JSON:API error documents, as the real API sends them (see klaviyo/NOTES.md §0). */
import { randomUUID } from 'node:crypto';

export interface KlaviyoErrorObject {
  id: string;
  status: number;
  code: string;
  title: string;
  detail: string;
  source?: { pointer?: string; parameter?: string };
  /** Live Klaviyo sends an empty `links` / `meta` as `[]` (a PHP empty array), not `{}`. */
  links?: Record<string, string> | never[];
  meta?: Record<string, unknown> | never[];
}

export interface KlaviyoErrorDocument {
  errors: KlaviyoErrorObject[];
}

/** Thrown by handlers; the pipeline renders it as Klaviyo's error document. */
export class KlaviyoHttpError extends Error {
  constructor(
    readonly status: number,
    readonly errors: KlaviyoErrorObject[],
    readonly headers: Record<string, string> = {},
  ) {
    super(errors[0]?.detail ?? `HTTP ${status}`);
  }

  get document(): KlaviyoErrorDocument {
    return { errors: this.errors };
  }
}

type ErrorFields = Omit<KlaviyoErrorObject, 'id' | 'status'>;

function errorObject(status: number, fields: ErrorFields): KlaviyoErrorObject {
  return { id: randomUUID(), status, ...fields, links: fields.links ?? [], meta: fields.meta ?? [] };
}

export function invalidBody(issues: { pointer: string; detail: string }[]): KlaviyoHttpError {
  return new KlaviyoHttpError(
    400,
    issues.map((issue) =>
      errorObject(400, { code: 'invalid', title: 'Invalid input.', detail: issue.detail, source: { pointer: issue.pointer } }),
    ),
  );
}

export function invalidParameter(parameter: string, detail: string): KlaviyoHttpError {
  return new KlaviyoHttpError(400, [
    errorObject(400, { code: 'invalid', title: 'Invalid input.', detail, source: { parameter } }),
  ]);
}

/** Live: `GET /api/events/NOPE01` → 400 "Invalid Event ID: 'NOPE01'", pointer `/data/id` (not a 404). */
export function invalidId(resource: string, id: string): KlaviyoHttpError {
  return new KlaviyoHttpError(400, [
    errorObject(400, { code: 'invalid', title: 'Invalid input.', detail: `Invalid ${resource} ID: '${id}'`, source: { pointer: '/data/id' } }),
  ]);
}

/** A request whose `revision` Klaviyo has retired (`live.retiredRevisions`). */
export function revisionRetired(revision: string): KlaviyoHttpError {
  return new KlaviyoHttpError(410, [
    errorObject(410, {
      code: 'gone',
      title: 'Gone.',
      detail: `Revision ${revision} has been retired and is no longer supported. Use a supported revision.`,
      source: { parameter: 'revision' },
      links: { about: 'https://developers.klaviyo.com/en/docs/api_versioning_and_deprecation_policy' },
    }),
  ]);
}

/**
 * What an edge proxy's bot check looks like in front of Klaviyo: 403, an HTML page (not JSON:API)
 * and `cf-mitigated: challenge`. Rendered by the pipeline as HTML, not as an error document.
 */
export const EDGE_CHALLENGE_PAGE =
  '<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title></head><body><noscript>Enable JavaScript and cookies to continue</noscript></body></html>';

export function notAuthenticated(): KlaviyoHttpError {
  return new KlaviyoHttpError(
    401,
    [
      errorObject(401, {
        code: 'not_authenticated',
        title: 'Authentication credentials were not provided.',
        detail: 'Missing or invalid authorization scheme. Please use Klaviyo-API-Key.',
      }),
    ],
    { 'www-authenticate': 'Klaviyo-API-Key' },
  );
}

export function authenticationFailed(): KlaviyoHttpError {
  return new KlaviyoHttpError(401, [
    errorObject(401, {
      code: 'authentication_failed',
      title: 'Incorrect authentication credentials.',
      detail: 'Incorrect authentication credentials.',
    }),
  ]);
}

/**
 * An OAuth access token that is unknown, expired or revoked. Same document as a missing credential
 * (`not_authenticated`); the detail and the RFC 6750 challenge name the token.
 */
export function invalidAccessToken(): KlaviyoHttpError {
  return new KlaviyoHttpError(
    401,
    [
      errorObject(401, {
        code: 'not_authenticated',
        title: 'Authentication credentials were not provided.',
        detail: 'The access token is invalid, expired or revoked.',
      }),
    ],
    { 'www-authenticate': 'Bearer error="invalid_token"' },
  );
}

/** An OAuth token without a scope the operation needs (`x-klaviyo-scopes`). The detail's wording is ours. */
export function missingScopes(scopes: readonly string[]): KlaviyoHttpError {
  return new KlaviyoHttpError(403, [
    errorObject(403, {
      code: 'permission_denied',
      title: 'You do not have permission to perform this action.',
      detail: `This request needs the scope${scopes.length === 1 ? '' : 's'} ${scopes.join(', ')}, which the access token was not granted.`,
    }),
  ]);
}

export function notFound(detail = 'Not found.'): KlaviyoHttpError {
  return new KlaviyoHttpError(404, [errorObject(404, { code: 'not_found', title: 'Not found.', detail })]);
}

export function methodNotAllowed(method: string): KlaviyoHttpError {
  return new KlaviyoHttpError(405, [
    errorObject(405, { code: 'method_not_allowed', title: 'Method not allowed.', detail: `Method "${method}" not allowed.` }),
  ]);
}

export function unsupportedMediaType(contentType: string): KlaviyoHttpError {
  return new KlaviyoHttpError(415, [
    errorObject(415, {
      code: 'unsupported_media_type',
      title: 'Unsupported media type.',
      detail: `Unsupported media type "${contentType}" in request.`,
    }),
  ]);
}

export function payloadTooLarge(limitBytes: number): KlaviyoHttpError {
  return new KlaviyoHttpError(413, [
    errorObject(413, {
      code: 'payload_too_large',
      title: 'Payload too large.',
      detail: `The request payload exceeds the maximum size of ${limitBytes} bytes.`,
      source: { pointer: '/data' },
    }),
  ]);
}

export function conflict(detail: string, meta: Record<string, unknown>): KlaviyoHttpError {
  return new KlaviyoHttpError(409, [
    errorObject(409, { code: 'duplicate_profile', title: 'Conflict.', detail, source: { pointer: '/data/attributes' }, meta }),
  ]);
}

export function throttled(retryAfterSeconds: number): KlaviyoHttpError {
  const unit = retryAfterSeconds === 1 ? 'second' : 'seconds';
  return new KlaviyoHttpError(
    429,
    [
      errorObject(429, {
        code: 'throttled',
        title: 'Request was throttled.',
        detail: `Request was throttled. Expected available in ${retryAfterSeconds} ${unit}.`,
        source: { pointer: '/data' },
        links: { type: 'https://developers.klaviyo.com/en/docs/rate_limits_and_error_handling#rate-limits' },
      }),
    ],
    { 'retry-after': String(retryAfterSeconds) },
  );
}

export function serverError(status: number): KlaviyoHttpError {
  return new KlaviyoHttpError(status, [
    errorObject(status, {
      code: status === 503 ? 'service_unavailable' : 'error',
      title: status === 503 ? 'Service unavailable.' : 'A server error occurred.',
      detail: status === 503 ? 'The service is temporarily unavailable. Please try again later.' : 'A server error occurred.',
    }),
  ]);
}
