/**
 * Events written through the API, deduplicated like Klaviyo: the first event per (profile, metric,
 * unique_id) is kept, later ones are counted as duplicates. Without a unique_id Klaviyo uses the
 * event time to the second, so two such events of one profile and metric in one second collapse.
 * A backfill event (`backfill: true`) is kept and counted like any other; it only triggers no flow.
 */
import { increment } from '../recorder.js';

export interface StoredEvent {
  id: string;
  metricId: string;
  metricName: string;
  profileIndex: number;
  /** Event time, truncated to the second as Klaviyo does. */
  timeMs: number;
  properties: Record<string, unknown>;
  value: number | null;
  valueCurrency: string | null;
  uniqueId: string;
  /** Sent with `backfill: true` (on the event, or on its bulk group): recorded, but triggers no flow. */
  backfill: boolean;
}

function keyOf(event: StoredEvent): string {
  return `${event.profileIndex}\u0000${event.metricName}\u0000${event.uniqueId}`;
}

export class EventStore {
  readonly events: StoredEvent[] = [];
  private readonly keys = new Set<string>();
  readonly byMetric = new Map<string, number>();
  duplicates = 0;
  /** Stored events that are backfills. */
  backfilled = 0;

  /** Stores the event unless it duplicates one already kept; says which happened. */
  add(event: StoredEvent): 'stored' | 'duplicate' {
    const key = keyOf(event);
    if (this.keys.has(key)) {
      this.duplicates++;
      return 'duplicate';
    }
    this.keys.add(key);
    this.events.push(event);
    increment(this.byMetric, event.metricName);
    if (event.backfill) this.backfilled++;
    return 'stored';
  }

  /** Removes every event of a profile (a data-privacy deletion); returns how many. */
  removeProfile(profileIndex: number): number {
    let kept = 0;
    for (const event of this.events) {
      if (event.profileIndex !== profileIndex) {
        this.events[kept++] = event;
        continue;
      }
      this.keys.delete(keyOf(event));
      const left = (this.byMetric.get(event.metricName) ?? 1) - 1;
      if (left > 0) this.byMetric.set(event.metricName, left);
      else this.byMetric.delete(event.metricName);
      if (event.backfill) this.backfilled--;
    }
    const removed = this.events.length - kept;
    this.events.length = kept;
    return removed;
  }
}
