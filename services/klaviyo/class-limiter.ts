import { type AttemptVerdict, ClassOutage, type ClassOutageState, type OutageBackoffOptions } from './class-outage.js';
import { SlidingWindowLog } from './sliding-window.js';
import type { KlaviyoBudget } from './rate-limits.js';
import { nowMs, type Clock, type Sleep } from './timing.js';

export interface ClassLimiterOptions {
  /** Already scaled by the rate share. */
  budget: KlaviyoBudget;
  /** Divides every window, pause and reset length (benchmarks against a sped-up sandbox). */
  speedUp: number;
  /** Added to every window, unscaled: absorbs network jitter between our clock and Klaviyo's. */
  guardMs: number;
  clock: Clock;
  sleep: Sleep;
  /** How the class backs off while Klaviyo does not answer it (class-outage.ts). */
  outage: OutageBackoffOptions;
  /** Jitter of the outage backoff, in [0, 1). */
  random: () => number;
  /**
   * For a daily-capped class, told whenever a request of the class goes out or ends: the times that
   * count against the day (ended requests by their end, those on the wire by their start) and the
   * day window's length in ms, so they can outlive the process (see DailyUsageLog).
   */
  onDailyRecord?: (countedAt: number[], windowMs: number) => void;
}

/** Held while a request is on the wire; release it once the answer (or the failure) is in. */
export interface KlaviyoPermit {
  /**
   * `verdict`: whether Klaviyo answered (any status below 500) or not (5xx, network error,
   * timeout); leave it out when the attempt says nothing about Klaviyo (the caller cancelled it).
   */
  release(verdict?: AttemptVerdict): void;
}

export interface ClassLimiterStats {
  queued: number;
  /** ISO time until which the class is paused (429, exhausted RateLimit-Remaining, or its next outage probe), else null. */
  paused_until: string | null;
}

interface Waiter {
  resolve: (permit: KlaviyoPermit) => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

const SECOND_MS = 1_000;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/**
 * One limit class: a FIFO of callers in front of a sliding-window gate (burst, steady, daily),
 * a pause (429 Retry-After) and Klaviyo's own RateLimit-Remaining hint. Callers are let through in
 * order as soon as every constraint allows, holding a permit until their answer is in; the
 * requests themselves run concurrently.
 * (Why not Bottleneck: see README "Klaviyo service" — its datastore costs ~3 ms per job, serialized.)
 */
export class ClassLimiter {
  private readonly log: SlidingWindowLog;
  private readonly waiters: Waiter[] = [];
  private pausedUntil = 0;
  private inFlight = 0;
  /**
   * Klaviyo's own count (RateLimit-Remaining) of the window RateLimit-Reset describes (live: the
   * 1 s burst window), valid until `until`: it can only hold requests back, never let more through.
   */
  private serverHint: { remaining: number; until: number } | undefined;
  private wake: { at: number; cancel: AbortController } | undefined;
  /** The day window's length in ms, for a class with a daily cap. */
  private readonly dayMs: number | undefined;
  /** The burst window's length in ms (speed-up and guard applied), as the log counts it. */
  private readonly burstMs: number;
  /** The steady (per-minute) window's length in ms, as the log counts it. */
  private readonly steadyMs: number;
  /** Start times of this daily-capped class's requests on the wire (Klaviyo may have counted them already). */
  private readonly dailyOnTheWire: number[] = [];
  /** One probe at a time, at growing intervals, while Klaviyo does not answer this class. */
  private readonly outage: ClassOutage;

  constructor(private readonly options: ClassLimiterOptions) {
    const { budget, speedUp, guardMs } = options;
    const rule = (lengthMs: number, limit: number) => ({ lengthMs: lengthMs / speedUp + guardMs, limit });
    const burst = rule(SECOND_MS, budget.burstPerSecond);
    this.burstMs = burst.lengthMs;
    const steady = rule(MINUTE_MS, budget.steadyPerMinute);
    this.steadyMs = steady.lengthMs;
    const rules = [burst, steady];
    if (budget.dailyCap !== undefined) {
      const day = rule(DAY_MS, budget.dailyCap);
      this.dayMs = day.lengthMs;
      rules.push(day);
    }
    this.log = new SlidingWindowLog(rules);
    this.outage = new ClassOutage({ ...options.outage, speedUp, random: options.random });
  }

  /**
   * Counts requests made elsewhere or earlier (epoch ms): after a restart, a daily-capped class's
   * day; after a leader handover, the predecessor's last minute. Times older than the longest window
   * are dropped, times ahead of our clock count as now, and a time already counted is not counted
   * again (the same request may come from both the day's record and the predecessor's minute).
   */
  restore(countedAt: readonly number[]): void {
    const now = nowMs(this.options.clock);
    const windowMs = this.dayMs ?? this.steadyMs;
    const known = new Set(this.log.within(now, windowMs));
    for (const at of countedAt) {
      const counted = Math.min(at, now);
      if (Number.isFinite(counted) && counted > now - windowMs && !known.has(counted)) this.log.record(counted);
    }
    this.release();
  }

  /**
   * The requests a successor must count (epoch ms): those of the last steady window, and each one
   * still in flight as now (Klaviyo may have counted it already).
   */
  recent(): number[] {
    const now = nowMs(this.options.clock);
    return [...this.log.within(now, this.steadyMs), ...Array.from({ length: this.inFlight }, () => now)];
  }

  /** Resolves when one request of this class may be sent; rejects if `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<KlaviyoPermit> {
    return new Promise<KlaviyoPermit>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const waiter: Waiter = { resolve, reject, signal, onAbort: () => this.abandon(waiter) };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.waiters.push(waiter);
      this.release();
    });
  }

  /** A 429: nothing of this class goes out for `retryAfterMs` (Klaviyo time). Returns our wait in ms. */
  pause(retryAfterMs: number): number {
    const waitMs = retryAfterMs / this.options.speedUp;
    this.pausedUntil = Math.max(this.pausedUntil, nowMs(this.options.clock) + waitMs);
    return waitMs;
  }

  /**
   * Tightens the class by Klaviyo's RateLimit-Remaining of a non-429 answer, for `holdSeconds`
   * (Klaviyo time) until the described window resets.
   */
  observe(remaining: number, holdSeconds: number): void {
    const now = nowMs(this.options.clock);
    // Our own 1 s window already counts our requests, to the millisecond. When it explains
    // Klaviyo's Remaining, the hint adds nothing and, held for whole seconds (live: Reset 0, "less
    // than a second"), would stall the class up to a second past the window: a full-speed drain
    // took 1.5 × its minimum. It applies only when Klaviyo counts more than we sent: another client.
    const ownRemaining = this.options.budget.burstPerSecond - this.log.countWithin(now, this.burstMs) - this.inFlight;
    if (remaining >= ownRemaining) return;
    const until = now + (holdSeconds * SECOND_MS) / this.options.speedUp;
    // While an earlier hint still holds, the two are merged the strict way (fewer remaining, later
    // end): answers may arrive out of order.
    const current = this.serverHint;
    this.serverHint =
      current && current.until > now
        ? { remaining: Math.min(current.remaining, remaining), until: Math.max(current.until, until) }
        : { remaining, until };
    this.release();
  }

  /** While the class backs off an outage (one probe at a time); undefined when healthy. */
  outageState(): ClassOutageState | undefined {
    return this.outage.state();
  }

  stats(): ClassLimiterStats {
    const now = nowMs(this.options.clock);
    const pausedUntil = Math.max(this.pausedUntil, this.hintBlocksUntil(now), this.outage.state()?.nextProbeAt ?? 0);
    return {
      queued: this.waiters.length,
      paused_until: pausedUntil > now ? new Date(pausedUntil).toISOString() : null,
    };
  }

  /** Lets waiters through, in order, while every constraint allows; then sleeps until the next fits. */
  private release(): void {
    const now = nowMs(this.options.clock);
    while (this.waiters.length > 0) {
      const at = Math.max(this.log.earliestAt(now, this.inFlight), this.pausedUntil, this.hintBlocksUntil(now), this.outage.blocksUntil());
      if (at > now) {
        // Infinity: every slot (or the outage's probe) is on the wire; the next answer (permit release) makes room.
        if (Number.isFinite(at)) this.wakeAt(at);
        return;
      }
      const waiter = this.waiters.shift() as Waiter;
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      this.inFlight += 1;
      if (this.serverHint) this.serverHint.remaining -= 1;
      waiter.resolve(this.permit(now, this.outage.grant()));
    }
  }

  private permit(grantedAt: number, probe: object | undefined): KlaviyoPermit {
    let released = false;
    if (this.dayMs !== undefined) {
      this.dailyOnTheWire.push(grantedAt);
      this.reportDaily(grantedAt);
    }
    return {
      release: (verdict) => {
        if (released) return;
        released = true;
        this.inFlight -= 1;
        const now = nowMs(this.options.clock);
        this.log.record(now);
        this.outage.ended(verdict, probe, now);
        if (this.dayMs !== undefined) {
          this.dailyOnTheWire.splice(this.dailyOnTheWire.indexOf(grantedAt), 1);
          this.reportDaily(now);
        }
        this.release();
      },
    };
  }

  /** Hands the day's count to `onDailyRecord`: a request dropped by a crash while on the wire still counts. */
  private reportDaily(now: number): void {
    const dayMs = this.dayMs as number;
    const counted = [...this.log.within(now, dayMs), ...this.dailyOnTheWire].sort((a, b) => a - b);
    this.options.onDailyRecord?.(counted, dayMs);
  }

  private wakeAt(at: number): void {
    if (this.wake && this.wake.at <= at) return;
    this.wake?.cancel.abort();
    const cancel = new AbortController();
    this.wake = { at, cancel };
    this.options.sleep(at - nowMs(this.options.clock), cancel.signal).then(
      () => {
        if (this.wake?.cancel === cancel) this.wake = undefined;
        this.release();
      },
      () => undefined, // cancelled: a sooner wake replaced this one
    );
  }

  private abandon(waiter: Waiter): void {
    const index = this.waiters.indexOf(waiter);
    if (index >= 0) this.waiters.splice(index, 1);
    waiter.reject(waiter.signal?.reason);
  }

  private hintBlocksUntil(now: number): number {
    const hint = this.serverHint;
    if (!hint || hint.until <= now) return 0;
    return hint.remaining > 0 ? 0 : hint.until;
  }
}
