import { type BackoffOptions, fullJitterDelayMs } from '../../src/lib/backoff.js';

/**
 * How a limit class backs off as a whole while Klaviyo does not answer it (docs/decisions.md,
 * "An outage does not burn the budget"). Delays are full-jitter backoff (src/lib/backoff.ts) in
 * milliseconds of Klaviyo time: the limiter divides them by its speed-up.
 */
export interface OutageBackoffOptions extends BackoffOptions {
  /** Unreachable attempts in a row (5xx, network error, timeout) after which the class backs off. */
  openAfterFailures: number;
}

/**
 * A cap of 8 s keeps the wait after a short outage to a few seconds (after a 20 s outage: 2–3 s
 * typically, at most 8 s) at about 15 probes a minute in a long one. See docs/decisions.md.
 */
export const DEFAULT_OUTAGE_BACKOFF: OutageBackoffOptions = { openAfterFailures: 2, baseDelayMs: 1_000, maxDelayMs: 8_000 };

/** What one attempt said about Klaviyo: it answered (any status below 500), or it did not. */
export type AttemptVerdict = 'answered' | 'unreachable';

export interface ClassOutageState {
  /** Epoch ms of the first unreachable attempt of the current run. */
  since: number;
  /** Unreachable attempts in a row. */
  failures: number;
  /** Epoch ms from which the next probe may go; undefined while a probe is on the wire. */
  nextProbeAt: number | undefined;
}

/** One backoff episode: from the failure that opened it until any answer of the class. */
interface Episode {
  failedProbes: number;
  probeAt: number;
  probing: boolean;
}

/**
 * The outage state of one limit class. Healthy, it holds nothing back. After `openAfterFailures`
 * unreachable attempts in a row it lets one request through at a time (the probe), each at a
 * jittered, growing delay after the previous probe failed; the callers behind it wait in the class's
 * queue. Any answer (a success, a 4xx, a 429) ends the episode at once.
 */
export class ClassOutage {
  private failures = 0;
  private since = 0;
  private episode: Episode | undefined;

  constructor(private readonly options: OutageBackoffOptions & { speedUp: number; random: () => number }) {}

  /** Epoch ms before which nothing may be granted: 0 when healthy, Infinity while the probe is out. */
  blocksUntil(): number {
    if (!this.episode) return 0;
    return this.episode.probing ? Number.POSITIVE_INFINITY : this.episode.probeAt;
  }

  /** A request is let through now. While backing off it is the probe: returns its token, for `ended`. */
  grant(): object | undefined {
    if (!this.episode) return undefined;
    this.episode.probing = true;
    return this.episode;
  }

  /**
   * An attempt of this class ended. `verdict` is undefined when it says nothing about Klaviyo (the
   * caller cancelled it); `probe` is what `grant` returned for it.
   */
  ended(verdict: AttemptVerdict | undefined, probe: object | undefined, now: number): void {
    const episode = this.episode;
    const wasProbe = episode !== undefined && probe === episode;
    if (verdict === undefined) {
      if (wasProbe) episode.probing = false; // the next caller probes instead, at the same time
      return;
    }
    if (verdict === 'answered') {
      this.failures = 0;
      this.episode = undefined;
      return;
    }
    if (this.failures === 0) this.since = now;
    this.failures += 1;
    if (!episode) {
      if (this.failures >= this.options.openAfterFailures) this.episode = { failedProbes: 0, probing: false, probeAt: now + this.delay(1) };
      return;
    }
    // A request sent before the episode began changes nothing: the probe schedule stands.
    if (!wasProbe) return;
    episode.failedProbes += 1;
    episode.probing = false;
    episode.probeAt = now + this.delay(episode.failedProbes + 1);
  }

  /** While the class backs off; undefined when healthy. */
  state(): ClassOutageState | undefined {
    const episode = this.episode;
    if (!episode) return undefined;
    return { since: this.since, failures: this.failures, nextProbeAt: episode.probing ? undefined : episode.probeAt };
  }

  private delay(step: number): number {
    return fullJitterDelayMs(step, this.options, this.options.random) / this.options.speedUp;
  }
}
