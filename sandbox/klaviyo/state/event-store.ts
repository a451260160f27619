/**
 * Events written through the API, deduplicated like Klaviyo: the first event per (profile, metric,
 * unique_id) is kept, later ones are counted as duplicates. Without a unique_id Klaviyo uses the
 * event time to the second, so two such events of one profile and metric in one second collapse.
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
}

export class EventStore {
  readonly events: StoredEvent[] = [];
  private readonly keys = new Set<string>();
  readonly byMetric = new Map<string, number>();
  duplicates = 0;

  /** Stores the event unless it duplicates one already kept; says which happened. */
  add(event: StoredEvent): 'stored' | 'duplicate' {
    const key = `${event.profileIndex}\u0000${event.metricName}\u0000${event.uniqueId}`;
    if (this.keys.has(key)) {
      this.duplicates++;
      return 'duplicate';
    }
    this.keys.add(key);
    this.events.push(event);
    increment(this.byMetric, event.metricName);
    return 'stored';
  }
}
