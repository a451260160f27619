import type { OutboxItem, OutboxOutcome } from '../../src/store/outbox.js';
import { type BatchResult, type OutcomeContext, sendBatch } from './batch-outcomes.js';
import type { ListPayload } from './klaviyo-payloads.js';
import type { SyncKlaviyoApi } from './klaviyo-sync-api.js';

/** Klaviyo's most profile ids per list relationship request. */
const IDS_PER_REQUEST = 1_000;

/** How bad an outcome is: the worst of a person's list changes decides its item. */
const SEVERITY: Record<OutboxOutcome['status'], number> = { delivered: 0, verifying: 1, retry: 2, dead: 3 };

interface Change {
  listId: string;
  op: 'add' | 'remove';
  profileId: string;
  item: OutboxItem;
}

/**
 * List membership changes (docs/ingest.md#lists): each person's Klaviyo profile id is resolved (its
 * profile was delivered first), then one request per list and direction with up to 1,000 ids
 * (`POST` / `DELETE /api/lists/{id}/relationships/profiles`). Consent is never touched. A list
 * Klaviyo does not know (404) dead-letters the items that named it with Klaviyo's reason; a person
 * Klaviyo does not know is dead-lettered too. An item is delivered once all of its changes went
 * through; one of several that failed decides for it (changes are sets: a re-sent one is harmless).
 */
export async function deliverListChanges(api: SyncKlaviyoApi, items: OutboxItem[], ctx: OutcomeContext): Promise<BatchResult> {
  const payloads = items.map((item) => item.payload as unknown as ListPayload);
  let ids: Map<number, string>;
  try {
    ids = await api.findProfileIds(payloads);
  } catch (error) {
    // The lookup failed as a whole: every item shares its fate, classified like any batch.
    return sendBatch({ entries: items, itemsOf: (i) => [i], send: () => Promise.reject(error), rejected: () => new Map() }, ctx);
  }
  const outcomes = new Map<string, OutboxOutcome>();
  const settle = (outcome: OutboxOutcome) => {
    const previous = outcomes.get(outcome.id);
    if (!previous || SEVERITY[outcome.status] > SEVERITY[previous.status]) outcomes.set(outcome.id, outcome);
  };
  const changes: Change[] = [];
  items.forEach((item, index) => {
    const profileId = ids.get(index);
    if (profileId === undefined) {
      settle({ id: item.id, status: 'dead', error: { reason: 'klaviyo_rejected', code: 'profile_not_found', detail: 'Klaviyo has no profile for this person, so its list membership cannot change' } });
      return;
    }
    for (const [listId, op] of Object.entries(payloads[index]?.lists ?? {})) changes.push({ listId, op, profileId, item });
  });

  const groups = new Map<string, Change[]>();
  for (const change of changes) {
    const key = `${change.op} ${change.listId}`;
    groups.set(key, [...(groups.get(key) ?? []), change]);
  }
  let authFailed = false;
  let lastError: BatchResult['error'];
  for (const group of groups.values()) {
    for (let start = 0; start < group.length && !authFailed; start += IDS_PER_REQUEST) {
      const chunk = group.slice(start, start + IDS_PER_REQUEST);
      const { listId, op } = chunk[0] as Change;
      const profileIds = [...new Set(chunk.map((c) => c.profileId))];
      const result = await sendBatch(
        {
          entries: chunk,
          itemsOf: (c) => [c.item],
          send: () => (op === 'add' ? api.addToList(listId, profileIds) : api.removeFromList(listId, profileIds)),
          // A 400 names profile ids by pointer; without one, the request as a whole is refused.
          rejected: (error) => new Map(chunk.map((c) => [c.item.id, error.errors])),
        },
        ctx,
      );
      if (result.authFailed) authFailed = true;
      lastError = result.error ?? lastError;
      result.outcomes.forEach(settle);
    }
  }
  if (authFailed) return { outcomes: [...outcomes.values()].filter((o) => o.status === 'dead'), authFailed: true, error: lastError };
  return { outcomes: items.map((item) => outcomes.get(item.id) ?? { id: item.id, status: 'delivered' }), authFailed: false, error: lastError };
}
