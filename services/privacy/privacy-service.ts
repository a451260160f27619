import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '../../src/lib/clock.js';
import { NotFoundError } from '../../src/lib/errors.js';
import { normalizePrivacyIdentifier } from '../../src/store/privacy-match.js';
import type { PrivacyDeletion, PrivacyDeletionError, PrivacyDeletionStatus, PrivacyStore, PurgeCounts } from '../../src/store/privacy.js';
import { requestedIdentifier, type DeletionRequest } from './deletion-schema.js';

/** GET /v1/privacy/deletions/{id}: what a deletion did; never the identifier. */
export interface DeletionView {
  id: string;
  status: PrivacyDeletionStatus;
  requested_at: string;
  sent_at?: string;
  purged: PurgeCounts;
  error?: PrivacyDeletionError;
}

export const deletionLink = (id: string): string => `/v1/privacy/deletions/${id}`;

export function deletionView(deletion: PrivacyDeletion): DeletionView {
  return {
    id: deletion.id,
    status: deletion.status,
    requested_at: deletion.requestedAt.toISOString(),
    ...(deletion.sentAt ? { sent_at: deletion.sentAt.toISOString() } : {}),
    purged: deletion.purged,
    ...(deletion.error ? { error: deletion.error } : {}),
  };
}

export interface PrivacyServiceDeps {
  privacy: PrivacyStore;
  clock?: Clock;
  newId?: () => string;
  /** A deletion was stored: wakes the leader's privacy worker when it runs in this replica (it polls otherwise). */
  onRequested?: () => void;
}

/**
 * Privacy deletions (docs/privacy.md), on any replica: a request purges the person from the store and
 * queues Klaviyo's deletion, in one store transaction; the leader's worker sends it.
 */
export function createPrivacyService(deps: PrivacyServiceDeps) {
  const clock = deps.clock ?? systemClock;
  const newId = deps.newId ?? randomUUID;
  return {
    async request(body: DeletionRequest): Promise<DeletionView> {
      const { kind, value } = requestedIdentifier(body);
      const deletion = await deps.privacy.request({ id: newId(), identifier: normalizePrivacyIdentifier(kind, value), requestedAt: clock() });
      deps.onRequested?.();
      return deletionView(deletion);
    },
    async get(id: string): Promise<DeletionView> {
      const deletion = await deps.privacy.get(id);
      // The id is not echoed: it came in the path, and a mistaken caller may have put anything there.
      if (!deletion) throw new NotFoundError('No privacy deletion has this id.');
      return deletionView(deletion);
    },
  };
}

export type PrivacyService = ReturnType<typeof createPrivacyService>;
