import { nowMs, type Clock } from '../../src/lib/clock.js';
import Bottleneck from 'bottleneck';
import { raceAbort, type Sleep } from '../../src/lib/abortable.js';
import { MaveraClientStoppedError } from './errors.js';

/**
 * Mavera's limits, on Bottleneck (see docs/decisions.md):
 * - a concurrency cap (Mave 10, Focus Groups 5) is a limiter with `maxConcurrent`;
 * - the plan's requests per minute is a limiter whose reservoir holds the plan's budget, where each
 *   request takes one unit as it starts and gets it back 60 s after it ended. That is a sliding
 *   window, as Mavera counts; Bottleneck's own `reservoirRefreshInterval` is a fixed window and would
 *   let up to twice the plan through in a minute that straddles a refresh.
 * Both serve callers first-come first-served.
 */
export interface MaveraLimiter {
  /**
   * Runs `work` once the limiter lets it. While the call waits, an abort of `signal` rejects it at
   * once with the signal's reason; once `work` runs, it settles with `work` (which must honour the
   * signal itself), and only after the limiter has taken the call's place back.
   */
  run<T>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T>;
  /**
   * Stops the limiter: calls still waiting reject with MaveraClientStoppedError, and so does any
   * later call; calls already running are not waited for (cancel them through their signals).
   */
  stop(): void;
}

export interface PlanRateLimiter extends MaveraLimiter {
  /** After a 429 for this key: no request starts before `epochMs`. */
  pauseUntil(epochMs: number): void;
}

export interface PlanRateOptions {
  /** The plan's budget per sliding window (Starter 60 … Enterprise 600). */
  requestsPerMinute: number;
  /** Window length in milliseconds (Mavera: 60 000). */
  windowMs?: number;
  /** Epoch milliseconds; only the 429 pause reads it. */
  clock: Clock;
  /** The wait of a call that was let through while a 429 pause is on. */
  sleep: Sleep;
}

const STOPPED = 'mavera limiter stopped';

function positiveInteger(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${what} must be a positive integer, got ${value}`);
  return value;
}

/**
 * `limiter.schedule`, abortable while queued. Bottleneck cannot take one job out of its queue, so a
 * caller that aborts is answered at once and its queue entry becomes a no-op: when its turn comes it
 * runs nothing (`onSkipped` gives back what the limiter granted) and frees its place immediately.
 */
function scheduleAbortable<T>(limiter: Bottleneck, signal: AbortSignal | undefined, work: () => Promise<T>, onSkipped?: () => void): Promise<T> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    let started = false;
    const onAbort = () => {
      if (!started) reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    limiter
      .schedule(() => {
        if (signal?.aborted) {
          onSkipped?.();
          return Promise.reject(signal.reason);
        }
        started = true;
        signal?.removeEventListener('abort', onAbort);
        return work();
      })
      .then(resolve, (error: unknown) => reject(error instanceof Bottleneck.BottleneckError ? new MaveraClientStoppedError(error) : error))
      .finally(() => signal?.removeEventListener('abort', onAbort));
  });
}

function stopLimiter(limiter: Bottleneck): void {
  // Bottleneck's promise resolves once running jobs end; nothing here waits for that.
  limiter.stop({ dropWaitingJobs: true, dropErrorMessage: STOPPED, enqueueErrorMessage: STOPPED }).catch(() => undefined);
}

/** At most `maxConcurrent` calls run at once; the rest wait in order. */
export function createConcurrencyCap(name: string, maxConcurrent: number): MaveraLimiter {
  const limiter = new Bottleneck({ id: `mavera-${name}`, maxConcurrent: positiveInteger(maxConcurrent, `${name} concurrency`) });
  let stopped = false;
  return {
    run: (signal, work) => scheduleAbortable(limiter, signal, work),
    stop() {
      if (stopped) return;
      stopped = true;
      stopLimiter(limiter);
    },
  };
}

/**
 * No more than `requestsPerMinute` requests in ANY window of `windowMs`, however Mavera times them:
 * the reservoir starts full, a request takes one unit when it starts, and a timer hands the unit back
 * `windowMs` after the request ended (answer, failure or abort). Mavera counts a request somewhere
 * between our send and its answer, so a unit returned a window after the answer can never let the
 * next request land in the same window as it. A 429 pauses every caller until its Retry-After has
 * passed. The return timers are unref'd (they never keep the process alive) and cleared by `stop()`.
 */
export function createPlanRateLimiter(options: PlanRateOptions): PlanRateLimiter {
  const budget = positiveInteger(options.requestsPerMinute, 'requests per minute');
  const windowMs = options.windowMs ?? 60_000;
  const { clock, sleep } = options;
  const limiter = new Bottleneck({ id: 'mavera-plan', reservoir: budget });
  const returns = new Set<NodeJS.Timeout>();
  let pausedUntil = 0;
  let stopped = false;

  const giveBack = () => {
    limiter.incrementReservoir(1).catch(() => undefined);
  };
  const giveBackLater = () => {
    if (stopped) return;
    const timer = setTimeout(() => {
      returns.delete(timer);
      giveBack();
    }, windowMs);
    timer.unref();
    returns.add(timer);
  };

  return {
    pauseUntil(epochMs) {
      pausedUntil = Math.max(pausedUntil, epochMs);
    },
    run(signal, work) {
      return scheduleAbortable(
        limiter,
        signal,
        async () => {
          try {
            // Let through before (or during) a 429 pause: keep the unit, start when the pause ends.
            for (let waitMs = pausedUntil - nowMs(clock); waitMs > 0; waitMs = pausedUntil - nowMs(clock)) await raceAbort(sleep(waitMs, signal), signal);
          } catch (error) {
            giveBack(); // cancelled before anything was sent
            throw error;
          }
          try {
            return await work();
          } finally {
            giveBackLater();
          }
        },
        giveBack,
      );
    },
    stop() {
      if (stopped) return;
      stopped = true;
      for (const timer of returns) clearTimeout(timer);
      returns.clear();
      stopLimiter(limiter);
    },
  };
}
