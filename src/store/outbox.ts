/**
 * The outbox sub-store (docs/ingest.md): items acknowledged by ingest wait here until the sync worker
 * has delivered them to Klaviyo, or dead-letters them with Klaviyo's reason. Backend-neutral: the
 * SQLite backend implements it now, PostgreSQL later, and one conformance suite covers both.
 */
export const OUTBOX_KINDS = ['event', 'profile', 'consent', 'list'] as const;
export type OutboxKind = (typeof OUTBOX_KINDS)[number];

export interface NewOutboxItem {
  kind: OutboxKind;
  /** JSON-serializable, ready for the Klaviyo body builder. */
  payload: Record<string, unknown>;
  /**
   * Items of one kind sharing a merge key are one pending update: a new item merges into the newest
   * pending one (see mergePayloads: last write wins per field), and no item is claimed while another
   * with the same key is in flight, so updates of one person reach Klaviyo in order.
   */
  mergeKey?: string;
  /**
   * Orders lanes per person: this item is not claimed while an item of `kind` with this merge key is
   * pending, in flight or verifying (a consent change waits for that person's profile import, so
   * Klaviyo knows the person when the subscription arrives).
   */
  waitFor?: { kind: OutboxKind; mergeKey: string };
}

/** What one request item (an event, an order, a profile) becomes in the outbox. */
export interface OutboxEntry {
  /** Seen-before key; an entry whose key is already known is a duplicate and nothing of it is stored. */
  dedupeKey?: string;
  items: NewOutboxItem[];
}

export type EnqueueResult = 'accepted' | 'duplicate';

export interface OutboxItem {
  id: string;
  kind: OutboxKind;
  payload: Record<string, unknown>;
  mergeKey: string | undefined;
  /** Failed attempts so far (throttling does not count). */
  attempts: number;
  createdAt: Date;
  /** Byte length of the payload's JSON, for the 5 MB request budget. */
  sizeBytes: number;
}

export interface ClaimRequest {
  kind: OutboxKind;
  /** Most items to claim. */
  limit: number;
  /** Most total payload bytes to claim; the first item is always claimed. */
  maxBytes?: number;
  /** Lease length in milliseconds; after it an unsettled item is claimable again. */
  leaseMs: number;
  now: Date;
}

export interface ClaimedBatch {
  /** Settles exactly this claim's items; a stale lease settles nothing. */
  leaseId: string;
  /** In id (arrival) order. */
  items: OutboxItem[];
}

/** Why an item is dead, as a stable code (the `reason` of GET /v1/sync/dead-letters). */
export const DEAD_LETTER_REASONS = ['klaviyo_rejected', 'import_error', 'attempts_exhausted', 'opt_out_unresolved', 'identity_conflict'] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

/** Klaviyo's reason for a failure, as kept with a dead letter (never PII beyond what Klaviyo echoed). */
export interface OutboxError {
  /** Set on dead letters; absent means `klaviyo_rejected` (items dead-lettered before reasons existed). */
  reason?: DeadLetterReason;
  status?: number;
  code?: string;
  title?: string;
  detail: string;
  pointer?: string;
  /** identity_conflict: the existing Klaviyo profile that holds an identifier we sent (409 `meta.duplicate_profile_id`). */
  duplicate_profile_id?: string;
}

export type OutboxOutcome =
  | { id: string; status: 'delivered' }
  | { id: string; status: 'retry'; retryAt: Date; countAttempt: boolean; error?: OutboxError }
  | { id: string; status: 'dead'; error: OutboxError }
  /** Accepted into a Klaviyo bulk job that has not ended yet: delivered only once the job says so. */
  | { id: string; status: 'verifying'; jobId: string };

/** Items waiting on one accepted Klaviyo bulk job. */
export interface VerifyingJob {
  jobId: string;
  items: OutboxItem[];
}

export interface ReadySummary {
  /** Claimable items now, counted up to the `cap` asked for. */
  ready: number;
  /** Arrival time of the oldest claimable item. */
  oldestReadyAt: Date | undefined;
  /** Arrival time of the newest claimable item (is work still streaming in?). */
  newestReadyAt: Date | undefined;
  /** When the next not-yet-claimable pending item becomes claimable (backoff), if any. */
  nextAvailableAt: Date | undefined;
}

export interface OutboxKindStats {
  pending: number;
  in_flight: number;
  /** In a Klaviyo bulk job that has not ended (or whose errors are not read) yet. */
  verifying: number;
  delivered: number;
  dead: number;
  oldest_pending_age_s: number | null;
}

export interface OutboxStats {
  kinds: Record<OutboxKind, OutboxKindStats>;
  lastDeliveryAt: Date | undefined;
}

export interface DeadLetter {
  id: string;
  kind: OutboxKind;
  payload: Record<string, unknown>;
  error: OutboxError;
  attempts: number;
  createdAt: Date;
  deadAt: Date;
}

export interface DeadLetterPage {
  items: DeadLetter[];
  /** Pass back to get the next page; absent on the last page. */
  nextCursor: string | undefined;
}

export interface OutboxStore {
  /** Stores every entry (and its dedupe key) in ONE transaction; results are in entry order. */
  enqueue(entries: OutboxEntry[], now: Date): Promise<EnqueueResult[]>;
  /** Leases up to `limit` claimable items of a kind: pending and due, or whose lease expired. */
  claim(request: ClaimRequest): Promise<ClaimedBatch>;
  /** Applies per-item outcomes of a claim; returns how many items it changed. */
  settle(leaseId: string, outcomes: OutboxOutcome[], now: Date): Promise<number>;
  /** Returns a claim's unsettled items to pending at once, without spending an attempt. */
  release(leaseId: string, now: Date): Promise<number>;
  /**
   * Returns every in-flight item to pending. Only for a worker starting up as the sole drainer
   * (one process on SQLite; the elected worker on PostgreSQL): any lease left is a dead predecessor's.
   */
  recoverLeases(now: Date): Promise<number>;
  /**
   * Bulk jobs with items still verifying, oldest first. An item a privacy deletion purged keeps its
   * place with an empty profile (`{profile: {}}`) and an opaque merge key (privacy-match.ts), so a job's
   * items keep the order and grouping they were sent in: import errors point at positions.
   */
  verifyingJobs(kind: OutboxKind): Promise<VerifyingJob[]>;
  /**
   * Applies a job's outcomes to its verifying items (delivered, dead, or back to pending as `retry`);
   * items of other jobs are untouched. Returns how many items changed.
   */
  settleJob(jobId: string, outcomes: OutboxOutcome[], now: Date): Promise<number>;
  readySummary(kind: OutboxKind, now: Date, cap: number): Promise<ReadySummary>;
  stats(now: Date): Promise<OutboxStats>;
  listDeadLetters(query: { kind?: OutboxKind; limit: number; cursor?: string }): Promise<DeadLetterPage>;
  /** Dead letters (by id and/or kind; all when neither) back to pending with fresh attempts. */
  replayDeadLetters(selector: { ids?: string[]; kind?: OutboxKind }, now: Date): Promise<number>;
}
