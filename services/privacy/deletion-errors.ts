import { scrubSensitive } from '../../src/lib/redact.js';
import type { PrivacyDeletionError, PrivacyIdentifier } from '../../src/store/privacy.js';
import { KlaviyoAuthError, KlaviyoError } from '../klaviyo/index.js';

/**
 * Whether Klaviyo refused the deletion for good: a 4xx about the request itself. A rejected key, a
 * missing scope or a retired revision (401, 403, 410) is ours to fix, and a 429 or 5xx passes: the
 * deletion stays queued and is tried again, since once it is failed its identifier is gone.
 */
export function refusedForGood(error: unknown): boolean {
  return error instanceof KlaviyoError && !error.retryable && !(error instanceof KlaviyoAuthError) && error.status !== undefined && error.status >= 400 && error.status < 500;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Text kept with a deletion or logged: the identifier (any case) and anything shaped like an email or a phone censored. */
export function withoutIdentifier(text: string, identifier: PrivacyIdentifier): string {
  const named = identifier.value === '' ? text : text.replace(new RegExp(escape(identifier.value), 'gi'), '[REDACTED]');
  return scrubSensitive(named);
}

/** Klaviyo's answer as a deletion keeps it: code, status and its first detail, naming no one. */
export function deletionError(error: unknown, identifier: PrivacyIdentifier): PrivacyDeletionError {
  if (error instanceof KlaviyoError) {
    const first = error.errors[0];
    const detail = first ? [first.title, first.detail].filter((part) => part).join(': ') : error.message;
    return { code: error.code, ...(error.status !== undefined ? { status: error.status } : {}), detail: withoutIdentifier(detail, identifier) };
  }
  return { code: 'internal', detail: withoutIdentifier(error instanceof Error ? error.message : String(error), identifier) };
}
