/**
 * The privacy sub-store (docs/privacy.md): a person's deletion is recorded and that person purged
 * from the store in ONE transaction; the leader's worker then asks Klaviyo to delete them, once every
 * batch that held their items has settled. Afterwards only an audit row is kept: a salted hash of
 * the identifier, the times and the counts, never the identifier itself.
 */
export const PRIVACY_IDENTIFIER_KINDS = ['email', 'phone_number', 'distinct_id'] as const;
export type PrivacyIdentifierKind = (typeof PRIVACY_IDENTIFIER_KINDS)[number];

/** One identifier of one person, normalised (normalizePrivacyIdentifier): what is matched and hashed. */
export interface PrivacyIdentifier {
  kind: PrivacyIdentifierKind;
  value: string;
}

export type PrivacyDeletionStatus = 'queued' | 'sent' | 'failed';

/** What the purge removed: outbox items (pending, dead, and in flight or verifying once their batch settles), webhook events, forward deliveries. */
export interface PurgeCounts {
  outbox: number;
  webhook_events: number;
  forwards: number;
}

/** Why a deletion failed or was put off: Klaviyo's answer, never naming the person. */
export interface PrivacyDeletionError {
  code: string;
  status?: number;
  detail: string;
}

export interface PrivacyDeletion {
  id: string;
  kind: PrivacyIdentifierKind;
  status: PrivacyDeletionStatus;
  /** HMAC-SHA-256 of `kind:value` under the installation's salt, hex: proves a deletion without keeping the identifier. */
  identifierHash: string;
  requestedAt: Date;
  /** When Klaviyo answered 202. */
  sentAt: Date | undefined;
  /** When it became sent or failed. */
  finishedAt: Date | undefined;
  purged: PurgeCounts;
  error: PrivacyDeletionError | undefined;
}

/** A queued deletion as the worker sees it: with its identifier, kept only while queued. */
export interface QueuedDeletion {
  id: string;
  identifier: PrivacyIdentifier;
  requestedAt: Date;
  /** Attempts put off so far (a transient Klaviyo failure). */
  attempts: number;
}

export type DeletionOutcome = { status: 'sent'; at: Date } | { status: 'failed'; at: Date; error: PrivacyDeletionError };

export interface PrivacyStore {
  /**
   * In ONE transaction: records the deletion (queued, with the identifier) and purges the person
   * (see docs/privacy.md for the matching rule): pending and dead outbox items are deleted; items in
   * flight or verifying are wiped (empty payload, an opaque merge key) and marked purged by this deletion,
   * to be deleted when their batch or job settles, whatever the outcome, never re-queued; webhook
   * events naming them are deleted with their forward deliveries; cached Klaviyo reads naming them
   * are dropped. Returns the record.
   */
  request(input: { id: string; identifier: PrivacyIdentifier; requestedAt: Date }): Promise<PrivacyDeletion>;
  get(id: string): Promise<PrivacyDeletion | undefined>;
  /** Queued deletions due at `now` (not put off), oldest first. */
  due(now: Date, limit: number): Promise<QueuedDeletion[]>;
  /**
   * Whether Klaviyo may be asked now: no item this deletion purged is still in a batch in flight
   * (under an unexpired lease) or in a bulk job being verified. When none is, what names the person
   * and arrived since the request (a late ingest) is purged the same way, in the same transaction;
   * if that catches an item in flight, the answer is false. False for a deletion not queued.
   */
  readyToSend(id: string, now: Date): Promise<boolean>;
  /** Puts a queued deletion off until `until` (a transient failure), counting an attempt. */
  postpone(id: string, until: Date, error: PrivacyDeletionError): Promise<boolean>;
  /** Ends a queued deletion (sent or failed) and wipes its identifier; false when it was not queued. */
  finish(id: string, outcome: DeletionOutcome): Promise<boolean>;
}
