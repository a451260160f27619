import type { Metrics } from '../../src/lib/metrics.js';
import type { OutboxEntry, OutboxStore } from '../../src/store/outbox.js';
import { eventUniqueId, mapEvent } from './event-mapping.js';
import { identityKey } from './identity.js';
import type { IngestItems, IngestKind } from './ingest-requests.js';
import { mapOrder, orderKey } from './order-mapping.js';
import { mapProfile } from './profile-mapping.js';
import { systemClock } from '../../src/lib/clock.js';

export type { IngestKind } from './ingest-requests.js';

export interface IngestResult {
  accepted: number;
  duplicates: number;
  /** One key per request item, in request order. */
  ids: string[];
}

export interface IngestServiceDeps {
  outbox: OutboxStore;
  metrics: Metrics;
  clock?: () => Date;
  /** Wakes the worker when new items are stored, so it need not wait for its next poll. */
  onEnqueued?: () => void;
  /** KLAVIYO_CONSENT_LIST_ID: the list an opt-in joins when the item names none. */
  consentListId?: string;
}

export interface IngestService {
  /** Stores validated items (the route parsed them with createIngestRequests) in one transaction. */
  ingest<K extends IngestKind>(kind: K, items: IngestItems[K]): Promise<IngestResult>;
}

/**
 * The ingest use case: map a request's validated items to outbox entries and store them in one
 * transaction before the route answers 202 (docs/architecture.md).
 */
export function createIngestService(deps: IngestServiceDeps): IngestService {
  const clock = deps.clock ?? systemClock;

  const plan = (kind: IngestKind, items: IngestItems[IngestKind], now: Date): { entries: OutboxEntry[]; ids: string[] } => {
    switch (kind) {
      case 'events': {
        const events = items as IngestItems['events'];
        const ids = events.map(eventUniqueId);
        return { entries: events.map((e, i) => mapEvent(e, ids[i] ?? '', now)), ids };
      }
      case 'orders': {
        const orders = items as IngestItems['orders'];
        return { entries: orders.map((o) => mapOrder(o, now)), ids: orders.map(orderKey) };
      }
      case 'profiles': {
        const profiles = items as IngestItems['profiles'];
        return { entries: profiles.map((p) => mapProfile(p, { consentListId: deps.consentListId })), ids: profiles.map(identityKey) };
      }
    }
  };

  return {
    async ingest(kind, items) {
      const now = clock();
      const { entries, ids } = plan(kind, items, now);
      const results = await deps.outbox.enqueue(entries, now);
      const duplicates = results.filter((r) => r === 'duplicate').length;
      const accepted = results.length - duplicates;
      const label = kind.slice(0, -1);
      if (accepted > 0) deps.metrics.ingestedItems.inc({ kind: label, result: 'accepted' }, accepted);
      if (duplicates > 0) deps.metrics.ingestedItems.inc({ kind: label, result: 'duplicate' }, duplicates);
      if (accepted > 0) deps.onEnqueued?.();
      return { accepted, duplicates, ids };
    },
  };
}
