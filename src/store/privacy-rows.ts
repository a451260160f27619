/** The privacy_deletions row as both SQL backends select it (numbers and JSON text), and its mapping. */
import type { PrivacyDeletion, PrivacyDeletionError, PrivacyDeletionStatus, PrivacyIdentifierKind, QueuedDeletion } from './privacy.js';

export interface PrivacyDeletionRow {
  id: string;
  kind: string;
  status: string;
  identifier: string | null;
  identifier_hash: string;
  requested_at: number;
  sent_at: number | null;
  finished_at: number | null;
  purged_outbox: number;
  purged_webhook_events: number;
  purged_forwards: number;
  attempts: number;
  error_json: string | null;
}

export const PRIVACY_COLUMNS = `id, kind, status, identifier, identifier_hash, requested_at, sent_at, finished_at,
  purged_outbox, purged_webhook_events, purged_forwards, attempts, error_json`;

const at = (ms: number | null) => (ms === null ? undefined : new Date(ms));

export function toPrivacyDeletion(row: PrivacyDeletionRow): PrivacyDeletion {
  return {
    id: row.id,
    kind: row.kind as PrivacyIdentifierKind,
    status: row.status as PrivacyDeletionStatus,
    identifierHash: row.identifier_hash,
    requestedAt: new Date(row.requested_at),
    sentAt: at(row.sent_at),
    finishedAt: at(row.finished_at),
    purged: { outbox: row.purged_outbox, webhook_events: row.purged_webhook_events, forwards: row.purged_forwards },
    error: row.error_json === null ? undefined : (JSON.parse(row.error_json) as PrivacyDeletionError),
  };
}

export function toQueuedDeletion(row: PrivacyDeletionRow): QueuedDeletion {
  return {
    id: row.id,
    identifier: { kind: row.kind as PrivacyIdentifierKind, value: row.identifier ?? '' },
    requestedAt: new Date(row.requested_at),
    attempts: row.attempts,
  };
}
