import {
  KlaviyoAuthError,
  KlaviyoDuplicateProfileError,
  KlaviyoError,
  type KlaviyoErrorDetail,
  KlaviyoRateLimitedError,
  KlaviyoTransientError,
  KlaviyoUnreachableError,
  KlaviyoValidationError,
} from '../klaviyo/errors.js';
import { fullJitterDelayMs, type BackoffOptions } from '../../src/lib/backoff.js';
import type { OutboxError, OutboxItem, OutboxOutcome } from '../../src/store/outbox.js';

/** How a failed item is rescheduled: full-jitter backoff (src/lib/backoff.ts). */
export type ItemBackoff = BackoffOptions;

export interface OutcomeContext {
  now: () => Date;
  random: () => number;
  backoff: ItemBackoff;
}

/** One request's worth of work: entries of the request body and the outbox items behind each. */
export interface BatchPlan<E> {
  entries: E[];
  itemsOf(entry: E): OutboxItem[];
  send(entries: E[]): Promise<void>;
  /** From a 400, the items Klaviyo's JSON pointers name, with the details naming them. */
  rejected(error: KlaviyoValidationError, entries: E[]): Map<string, KlaviyoErrorDetail[]>;
}

export interface BatchResult {
  outcomes: OutboxOutcome[];
  /** Klaviyo rejected our key (401/403): the caller pauses and releases these items untouched. */
  authFailed: boolean;
  error?: OutboxError;
}

export function toOutboxError(error: unknown, detail?: KlaviyoErrorDetail): OutboxError {
  if (error instanceof KlaviyoError) {
    const first = detail ?? error.errors[0];
    return dropUndefined({
      ...(error instanceof KlaviyoDuplicateProfileError ? { reason: 'identity_conflict' as const, duplicate_profile_id: error.duplicateProfileId } : {}),
      status: error.status,
      code: first?.code ?? error.code,
      title: first?.title,
      detail: first ? first.detail || error.message : error.message,
      pointer: first?.pointer,
    });
  }
  return { detail: error instanceof Error ? error.message : String(error) };
}

/**
 * Sends one batch and turns the answer into per-item outcomes (docs/ingest.md): 2xx → delivered;
 * 400 naming items → those dead, the rest re-queued at once (a 400 naming none is bisected to find
 * the culprit); 429 → re-queued without spending an attempt (the limiter pauses the class); given up
 * during its class's outage (`KlaviyoUnreachableError`) → re-queued at once without spending an
 * attempt (the class backs off as a whole: the lane waits for its next probe);
 * 5xx/network/timeout → exponential backoff with full jitter; 401/403 → untouched, worker pauses;
 * other 4xx → dead. The Klaviyo client already retried the call: nothing here retries it again.
 */
export async function sendBatch<E>(plan: BatchPlan<E>, ctx: OutcomeContext): Promise<BatchResult> {
  const items = plan.entries.flatMap((e) => plan.itemsOf(e));
  try {
    await plan.send(plan.entries);
    return { outcomes: items.map((i) => ({ id: i.id, status: 'delivered' })), authFailed: false };
  } catch (error) {
    const reason = toOutboxError(error);
    const now = ctx.now();
    if (error instanceof KlaviyoAuthError) return { outcomes: [], authFailed: true, error: reason };
    if (error instanceof KlaviyoRateLimitedError || error instanceof KlaviyoUnreachableError) {
      return { outcomes: items.map((i) => ({ id: i.id, status: 'retry', retryAt: now, countAttempt: false, error: reason })), authFailed: false, error: reason };
    }
    const splittable = error instanceof KlaviyoValidationError || (error instanceof KlaviyoError && error.status === 413);
    if (error instanceof KlaviyoValidationError) {
      const named = plan.rejected(error, plan.entries);
      if (named.size > 0) {
        const outcomes = items.map((i): OutboxOutcome => {
          const details = named.get(i.id);
          return details
            ? { id: i.id, status: 'dead', error: toOutboxError(error, details[0]) }
            : { id: i.id, status: 'retry', retryAt: now, countAttempt: false };
        });
        return { outcomes, authFailed: false, error: reason };
      }
    }
    if (splittable && plan.entries.length > 1) return bisect(plan, ctx);
    if (error instanceof KlaviyoTransientError || !(error instanceof KlaviyoError)) {
      const outcomes = items.map((i): OutboxOutcome => ({
        id: i.id,
        status: 'retry',
        retryAt: new Date(now.getTime() + fullJitterDelayMs(i.attempts + 1, ctx.backoff, ctx.random)),
        countAttempt: true,
        error: reason,
      }));
      return { outcomes, authFailed: false, error: reason };
    }
    return { outcomes: items.map((i) => ({ id: i.id, status: 'dead', error: reason })), authFailed: false, error: reason };
  }
}

async function bisect<E>(plan: BatchPlan<E>, ctx: OutcomeContext): Promise<BatchResult> {
  const middle = Math.ceil(plan.entries.length / 2);
  const halves = [plan.entries.slice(0, middle), plan.entries.slice(middle)];
  const results: BatchResult[] = [];
  for (const entries of halves) {
    const result = await sendBatch({ ...plan, entries }, ctx);
    results.push(result);
    if (result.authFailed) break;
  }
  return {
    outcomes: results.flatMap((r) => r.outcomes),
    authFailed: results.some((r) => r.authFailed),
    error: results.find((r) => r.error)?.error,
  };
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
