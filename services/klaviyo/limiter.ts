import { ClassLimiter, type ClassLimiterStats, type KlaviyoPermit } from './class-limiter.js';
import { type ClassOutageState, DEFAULT_OUTAGE_BACKOFF, type OutageBackoffOptions } from './class-outage.js';
import { readRateLimitHeaders } from './rate-limit-headers.js';
import { type KlaviyoBudget, KLAVIYO_LIMIT_CLASSES, type KlaviyoLimitClassName, scaleBudget } from './rate-limits.js';
import { type Clock, abortableSleep, type Sleep, systemClock } from './timing.js';

export interface KlaviyoLimitersOptions {
  /** KLAVIYO_RATE_SHARE: fraction (0–1] of every Klaviyo limit this process may use. */
  rateShare: number;
  /** Divides every window length (and Retry-After / reset waits); 1 in production. */
  speedUp?: number;
  clock?: Clock;
  sleep?: Sleep;
  /** Safety margin added to every window, in milliseconds (default 5). */
  guardMs?: number;
  /** Replaces published budgets for some classes (tests); still scaled by rateShare. */
  budgetOverrides?: Partial<Record<KlaviyoLimitClassName, KlaviyoBudget>>;
  /** Where daily-capped classes remember their requests across restarts; in memory only without it. */
  dailyUsage?: DailyUsageLog;
  /** How a class backs off while Klaviyo does not answer it (default DEFAULT_OUTAGE_BACKOFF; Klaviyo ms, divided by speedUp). */
  outageBackoff?: Partial<OutageBackoffOptions>;
  /** Jitter source in [0, 1) for the outage backoff (default Math.random). */
  random?: () => number;
}

/**
 * The requests of daily-capped classes (Klaviyo's reporting endpoints: 225 a day), kept outside the
 * process. Klaviyo counts a day whatever our uptime, so a restart must not hand out a fresh day.
 */
export interface DailyUsageLog {
  /** Times (epoch ms) recorded for the class, ascending; [] when none or unreadable. Never rejects. */
  load(limitClass: KlaviyoLimitClassName): Promise<number[]>;
  /**
   * Replaces the class's record; `keepMs` is how long it stays relevant. Never rejects. Calls for one
   * class must take effect in call order (the SQLite cache writes synchronously, so they do).
   */
  save(limitClass: KlaviyoLimitClassName, countedAt: number[], keepMs: number): Promise<void>;
}

export interface KlaviyoLimiters {
  readonly speedUp: number;
  /**
   * Waits for a slot in the class; rejects with the signal's reason if it aborts first. Release
   * the permit as soon as the answer (or the failure) is in: until then the request counts.
   */
  acquire(limitClass: KlaviyoLimitClassName, signal?: AbortSignal): Promise<KlaviyoPermit>;
  /** After a 429: pauses the class for Retry-After (Klaviyo ms). Returns the wait we apply, in ms. */
  pause(limitClass: KlaviyoLimitClassName, retryAfterMs: number): number;
  /**
   * Feeds the RateLimit-* headers of a non-429 answer (live list form, see rate-limit-headers.ts):
   * once Remaining is spent, the class waits until the window they describe resets. Only tightens.
   */
  observeHeaders(limitClass: KlaviyoLimitClassName, headers: Headers): void;
  /**
   * While the class backs off an outage (after consecutive 5xx, network errors or timeouts: one
   * probe at a time, at growing jittered intervals), since when and the next probe; else undefined.
   */
  outage(limitClass: KlaviyoLimitClassName): ClassOutageState | undefined;
  /** The budget this process applies to the class (after the rate share). */
  budget(limitClass: KlaviyoLimitClassName): KlaviyoBudget;
  /** Per class that has been used: queue length and pause (for GET /v1/sync). */
  stats(): Partial<Record<KlaviyoLimitClassName, ClassLimiterStats>>;
  /**
   * Loads the daily-capped classes' requests from `dailyUsage`; call before any request. Again on a
   * new leader term: a request already counted is not counted twice.
   */
  restoreDailyUsage(): Promise<void>;
  /** Per class used, the requests of its last minute (epoch ms), for a successor leader (docs/replicas.md). */
  recentUsage(): Record<string, number[]>;
  /** Counts a predecessor's recent requests (recentUsage of another process); unknown classes and bad values are ignored. */
  restoreRecentUsage(usage: Record<string, unknown> | undefined): void;
}

/**
 * One set per process, shared by the sync worker and the jobs, so the whole process stays within
 * Klaviyo's limits. Limiters are created on first use of their class.
 */
export function createKlaviyoLimiters(options: KlaviyoLimitersOptions): KlaviyoLimiters {
  const { rateShare, speedUp = 1, clock = systemClock, sleep = abortableSleep, guardMs = 5 } = options;
  if (!(rateShare > 0 && rateShare <= 1)) throw new RangeError('rateShare must be in (0, 1]');
  if (!(speedUp > 0)) throw new RangeError('speedUp must be > 0');
  const limiters = new Map<KlaviyoLimitClassName, ClassLimiter>();
  const { dailyUsage, random = Math.random } = options;
  const outage: OutageBackoffOptions = { ...DEFAULT_OUTAGE_BACKOFF, ...options.outageBackoff };
  if (!(outage.openAfterFailures >= 1)) throw new RangeError('outageBackoff.openAfterFailures must be ≥ 1');

  const budget = (limitClass: KlaviyoLimitClassName) =>
    scaleBudget(options.budgetOverrides?.[limitClass] ?? KLAVIYO_LIMIT_CLASSES[limitClass], rateShare);

  const limiterFor = (limitClass: KlaviyoLimitClassName): ClassLimiter => {
    let limiter = limiters.get(limitClass);
    if (!limiter) {
      const onDailyRecord =
        dailyUsage && ((countedAt: number[], keepMs: number) => void dailyUsage.save(limitClass, countedAt, keepMs).catch(() => undefined));
      limiter = new ClassLimiter({ budget: budget(limitClass), speedUp, guardMs, clock, sleep, outage, random, onDailyRecord });
      limiters.set(limitClass, limiter);
    }
    return limiter;
  };

  return {
    speedUp,
    acquire: (limitClass, signal) => limiterFor(limitClass).acquire(signal),
    pause: (limitClass, retryAfterMs) => limiterFor(limitClass).pause(retryAfterMs),
    outage: (limitClass) => limiters.get(limitClass)?.outageState(),
    observeHeaders(limitClass, headers) {
      const observed = readRateLimitHeaders(headers);
      if (observed) limiterFor(limitClass).observe(observed.remaining, observed.holdSeconds);
    },
    budget,
    stats() {
      const stats: Partial<Record<KlaviyoLimitClassName, ClassLimiterStats>> = {};
      for (const [name, limiter] of limiters) stats[name] = limiter.stats();
      return stats;
    },
    recentUsage() {
      const usage: Record<string, number[]> = {};
      for (const [name, limiter] of limiters) {
        const times = limiter.recent();
        if (times.length > 0) usage[name] = times;
      }
      return usage;
    },
    restoreRecentUsage(usage) {
      if (!usage) return;
      for (const [name, times] of Object.entries(usage)) {
        if (!Object.hasOwn(KLAVIYO_LIMIT_CLASSES, name) || !Array.isArray(times)) continue;
        const valid = times.filter((at): at is number => typeof at === 'number' && Number.isFinite(at));
        if (valid.length > 0) limiterFor(name as KlaviyoLimitClassName).restore(valid);
      }
    },
    async restoreDailyUsage() {
      if (!dailyUsage) return;
      const capped = (Object.keys(KLAVIYO_LIMIT_CLASSES) as KlaviyoLimitClassName[]).filter((name) => budget(name).dailyCap !== undefined);
      for (const name of capped) {
        const countedAt = await dailyUsage.load(name);
        if (countedAt.length > 0) limiterFor(name).restore(countedAt);
      }
    },
  };
}
