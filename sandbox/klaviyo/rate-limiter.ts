/**
 * Strict sliding-window limits per class: a request is admitted only if, counting it, no 1 s span
 * and no 60 s span (and no 24 h span for the reporting classes) holds more than the budget. This is
 * stricter than Klaviyo's fixed windows, so a client that passes here passes against Klaviyo however
 * its windows are aligned. Windows are divided by `speedUp`; reported seconds are Klaviyo seconds.
 *
 * The same structure records, per class, the most requests seen in any 1 s / 60 s span (throttled
 * requests included), so a benchmark can prove the client never exceeded its budget.
 */
import type { RateBudget } from './spec.js';
import type { LimitClassReport } from './types.js';

const SECOND_MS = 1000;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** Timestamps in arrival order, pruned from the front. */
class TimeWindow {
  private times: number[] = [];
  private head = 0;

  constructor(private readonly lengthMs: number) {}

  /** Requests in (now - length, now]. */
  count(now: number): number {
    while (this.head < this.times.length && (this.times[this.head] ?? 0) <= now - this.lengthMs) this.head++;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    return this.times.length - this.head;
  }

  add(now: number): void {
    this.times.push(now);
  }

  /** Milliseconds until the window holds fewer than `limit` requests (0 if it already does). */
  msUntilBelow(now: number, limit: number): number {
    const inWindow = this.count(now);
    if (inWindow < limit) return 0;
    const oldestThatMustLeave = this.times[this.head + (inWindow - limit)] ?? now;
    return oldestThatMustLeave + this.lengthMs - now;
  }
}

interface ClassState {
  budget: RateBudget;
  admittedSecond: TimeWindow;
  admittedMinute: TimeWindow;
  admittedDay: TimeWindow | null;
  seenSecond: TimeWindow;
  seenMinute: TimeWindow;
  report: LimitClassReport;
}

/**
 * An admitted request carries what live Klaviyo's `RateLimit-*` headers say: the class's budget and
 * the 1-second window's `remaining` and `resetSeconds` (whole Klaviyo seconds, rounded down: live
 * answers `0`). A refused one carries only `Retry-After`.
 */
export type LimitDecision =
  | { admitted: true; budget: RateBudget; remaining: number; resetSeconds: number }
  | { admitted: false; retryAfterSeconds: number };

export class SlidingWindowLimiter {
  private readonly classes = new Map<string, ClassState>();

  constructor(
    private readonly budgets: ReadonlyMap<string, RateBudget>,
    private readonly speedUp: number,
  ) {
    this.resetReport();
  }

  private scaled(ms: number): number {
    return ms / this.speedUp;
  }

  /** Klaviyo seconds (rounded up, at least 1) for a real duration. */
  private toKlaviyoSeconds(realMs: number): number {
    return Math.max(1, Math.ceil((realMs * this.speedUp) / SECOND_MS - 1e-9));
  }

  /** Whole Klaviyo seconds left of a real duration, rounded down as Klaviyo's Reset is (1 s or less → 0). */
  private wholeKlaviyoSecondsLeft(realMs: number): number {
    return Math.max(0, Math.ceil((realMs * this.speedUp) / SECOND_MS - 1e-9) - 1);
  }

  resetReport(): void {
    this.classes.clear();
    for (const [name, budget] of this.budgets) {
      this.classes.set(name, {
        budget,
        admittedSecond: new TimeWindow(this.scaled(SECOND_MS)),
        admittedMinute: new TimeWindow(this.scaled(MINUTE_MS)),
        admittedDay: budget.daily ? new TimeWindow(this.scaled(DAY_MS)) : null,
        seenSecond: new TimeWindow(this.scaled(SECOND_MS)),
        seenMinute: new TimeWindow(this.scaled(MINUTE_MS)),
        report: {
          burst: budget.burst,
          steady: budget.steady,
          ...(budget.daily ? { daily: budget.daily } : {}),
          requests: 0,
          maxPerSecond: 0,
          maxPerMinute: 0,
          throttled: 0,
        },
      });
    }
  }

  private state(limitClass: string): ClassState {
    const state = this.classes.get(limitClass);
    if (!state) throw new Error(`unknown limit class ${limitClass}`);
    return state;
  }

  /** Counts the request as seen (for maxPerSecond/maxPerMinute), whatever its outcome. */
  observe(limitClass: string, now: number): void {
    const state = this.state(limitClass);
    state.seenSecond.add(now);
    state.seenMinute.add(now);
    state.report.requests++;
    state.report.maxPerSecond = Math.max(state.report.maxPerSecond, state.seenSecond.count(now));
    state.report.maxPerMinute = Math.max(state.report.maxPerMinute, state.seenMinute.count(now));
  }

  markThrottled(limitClass: string): void {
    this.state(limitClass).report.throttled++;
  }

  /** Admits the request (and counts it against the budget) or says how long to wait. */
  admit(limitClass: string, now: number): LimitDecision {
    const state = this.state(limitClass);
    const { budget } = state;
    const waitMs = Math.max(
      state.admittedSecond.msUntilBelow(now, budget.burst),
      state.admittedMinute.msUntilBelow(now, budget.steady),
      state.admittedDay ? state.admittedDay.msUntilBelow(now, budget.daily ?? Infinity) : 0,
    );
    if (waitMs > 0) {
      state.report.throttled++;
      return { admitted: false, retryAfterSeconds: this.toKlaviyoSeconds(waitMs) };
    }
    state.admittedSecond.add(now);
    state.admittedMinute.add(now);
    state.admittedDay?.add(now);
    const inSecond = state.admittedSecond.count(now);
    // With a sliding window the burst frees up when the oldest request in the second leaves it.
    const resetMs = state.admittedSecond.msUntilBelow(now, inSecond);
    return {
      admitted: true,
      budget,
      remaining: Math.max(0, budget.burst - inSecond),
      resetSeconds: this.wholeKlaviyoSecondsLeft(resetMs),
    };
  }

  report(): Record<string, LimitClassReport> {
    const out: Record<string, LimitClassReport> = {};
    for (const [name, state] of this.classes) out[name] = { ...state.report };
    return out;
  }
}
