import type { ReadinessCheck } from '../../src/lib/readiness.js';
import { isUnreachableOutcome, type KlaviyoOutcome } from './errors.js';
import type { KlaviyoLimitClassName } from './rate-limits.js';
import { type Clock, nowMs, systemClock } from './timing.js';

/** One attempt that found Klaviyo unreachable: what it met, never a message (no hosts, no keys). */
export interface KlaviyoUnreachableFailure {
  kind: 'network' | 'timeout' | 'server_error';
  /** The 5xx status, for `server_error`. */
  status: number | undefined;
  limitClass: KlaviyoLimitClassName;
  at: Date;
}

export interface KlaviyoReachability {
  /**
   * The first attempt of the current run that found Klaviyo unreachable (network error, timeout,
   * 5xx), of any limit class; undefined once any attempt is answered (a success, a 4xx, a 429).
   */
  unreachableSince: Date | undefined;
  /** The latest failure of that run. */
  lastFailure: KlaviyoUnreachableFailure | undefined;
}

/** Follows every attempt's outcome (the client feeds it) into a `KlaviyoReachability`. */
export function createReachabilityTracker() {
  let since: number | undefined;
  let last: KlaviyoUnreachableFailure | undefined;
  return {
    note(outcome: KlaviyoOutcome, limitClass: KlaviyoLimitClassName, now: number): void {
      if (!isUnreachableOutcome(outcome)) {
        since = undefined;
        last = undefined;
        return;
      }
      since ??= now;
      const kind = outcome.kind === 'response' ? 'server_error' : outcome.kind;
      last = { kind, status: outcome.kind === 'response' ? outcome.status : undefined, limitClass, at: new Date(now) };
    },
    snapshot(): KlaviyoReachability {
      return { unreachableSince: since === undefined ? undefined : new Date(since), lastFailure: last && { ...last } };
    },
  };
}

export interface KlaviyoReachabilityCheckOptions {
  /** KLAVIYO_UNREACHABLE_READY_S: the check fails once Klaviyo has been unreachable this long, in seconds. */
  unreachableReadyS: number;
  clock?: Clock;
}

/**
 * `/readyz`'s `klaviyo_reachable`: fails once Klaviyo has been unreachable (network errors,
 * timeouts, 5xx only) for `unreachableReadyS`; a shorter run passes with a detail. It reads what
 * the process's own requests met and sends nothing itself.
 */
export function klaviyoReachabilityCheck(
  client: { reachability(): KlaviyoReachability },
  options: KlaviyoReachabilityCheckOptions,
): ReadinessCheck {
  const clock = options.clock ?? systemClock;
  return {
    name: 'klaviyo_reachable',
    async check() {
      const { unreachableSince, lastFailure } = client.reachability();
      if (!unreachableSince) return { ok: true };
      const forS = Math.max(0, Math.floor((nowMs(clock) - unreachableSince.getTime()) / 1_000));
      const ok = forS < options.unreachableReadyS;
      const last = lastFailure ? `; last error: ${describeFailure(lastFailure)} on ${lastFailure.limitClass} at ${lastFailure.at.toISOString()}` : '';
      const verdict = ok ? `fails at ${options.unreachableReadyS} s` : `limit ${options.unreachableReadyS} s`;
      return { ok, detail: `Klaviyo unreachable since ${unreachableSince.toISOString()} (${forS} s, ${verdict})${last}` };
    },
  };
}

function describeFailure(failure: KlaviyoUnreachableFailure): string {
  switch (failure.kind) {
    case 'network':
      return 'network error';
    case 'timeout':
      return 'timeout';
    case 'server_error':
      return `HTTP ${failure.status ?? '5xx'}`;
  }
}
