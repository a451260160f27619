/**
 * A sliding-window log: remembers when the last requests were let through and answers when the
 * next one may go so that no span of `lengthMs` ever holds more than `limit` requests.
 *
 * Klaviyo counts in fixed windows whose boundaries it does not publish; a sliding window is safe
 * however they are aligned, and still lets a full burst through at once (DESIGN §6). Bottleneck's
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

  /** Earliest time (epoch ms, ≥ now) at which one more request fits every window. */
  earliestAt(now: number): number {
    let at = now;
    const size = this.grants.length - this.head;
    for (const rule of this.rules) {
      if (size < rule.limit) continue;
      // The limit-th most recent grant must have left the window before another may go.
      const oldestCounted = this.grants[this.grants.length - rule.limit] as number;
      at = Math.max(at, oldestCounted + rule.lengthMs);
    }
    return at;
  }

  /** Records a request let through at `now`. Callers check `earliestAt(now) <= now` first. */
  record(now: number): void {
    this.grants.push(now);
    if (this.grants.length - this.head > this.capacity) this.head += 1;
    // Compact now and then so the array does not grow for the life of the process.
    if (this.head > 1024 && this.head * 2 > this.grants.length) {
      this.grants = this.grants.slice(this.head);
      this.head = 0;
    }
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
