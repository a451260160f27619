/**
 * A sliding-window log: remembers when the last requests ended and answers when the next one may
 * go so that no span of `lengthMs` ever holds more than `limit` requests.
 *
 * Klaviyo counts a request when it arrives, which is somewhere between our send and its answer.
 * So a request counts from its send until `lengthMs` after its answer: requests still in flight
 * are passed in as `inFlight` (they occupy the window indefinitely) and finished ones are recorded
 * at their end time. That bound holds whatever the network latency and its jitter.
 *
 * Klaviyo counts in fixed windows whose boundaries it does not publish; a sliding window is safe
 * however they are aligned, and still lets a full burst through at once. Bottleneck's
 * reservoir is a fixed window and could send 2× the burst across a boundary, hence this gate.
 */
export interface WindowRule {
  /** Window length in milliseconds (already divided by any speed-up). */
  lengthMs: number;
  /** Requests allowed in any span of that length. */
  limit: number;
}

export class SlidingWindowLog {
  private readonly rules: readonly WindowRule[];
  private readonly capacity: number;
  /** Grant times in ascending order; entries before `head` are forgotten. */
  private grants: number[] = [];
  private head = 0;

  constructor(rules: readonly WindowRule[]) {
    if (rules.some((r) => r.limit < 1 || r.lengthMs <= 0)) throw new RangeError('window rules need limit ≥ 1 and length > 0');
    this.rules = rules;
    this.capacity = Math.max(...rules.map((r) => r.limit));
  }

  /**
   * Earliest time (epoch ms, ≥ now) at which one more request fits every window, given `inFlight`
   * requests not yet answered; Infinity when only an answer can make room.
   */
  earliestAt(now: number, inFlight = 0): number {
    let at = now;
    const size = this.grants.length - this.head;
    for (const rule of this.rules) {
      const room = rule.limit - inFlight;
      if (room <= 0) return Number.POSITIVE_INFINITY;
      if (size < room) continue;
      // The room-th most recent end must have left the window before another may go.
      const oldestCounted = this.grants[this.grants.length - room] as number;
      at = Math.max(at, oldestCounted + rule.lengthMs);
    }
    return at;
  }

  /** Records a request that ended (was answered or failed) at `at`; answers may come out of order. */
  record(at: number): void {
    let index = this.grants.length;
    while (index > this.head && (this.grants[index - 1] as number) > at) index -= 1;
    this.grants.splice(index, 0, at);
    if (this.grants.length - this.head > this.capacity) this.head += 1;
    // Compact now and then so the array does not grow for the life of the process.
    if (this.head > 1024 && this.head * 2 > this.grants.length) {
      this.grants = this.grants.slice(this.head);
      this.head = 0;
    }
  }

  /** The recorded end times after `now - lengthMs`, ascending (what a restart must remember). */
  within(now: number, lengthMs: number): number[] {
    let start = this.grants.length;
    while (start > this.head && (this.grants[start - 1] as number) > now - lengthMs) start -= 1;
    return this.grants.slice(start);
  }

  /** How many grants fall in (now - lengthMs, now]; for tests and stats. */
  countWithin(now: number, lengthMs: number): number {
    let count = 0;
    for (let i = this.grants.length - 1; i >= this.head; i -= 1) {
      if ((this.grants[i] as number) <= now - lengthMs) break;
      count += 1;
    }
    return count;
  }
}
