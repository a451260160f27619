/**
 * Forward deliveries (docs/webhooks.md): one row per (inbox event, subscriber URL), retried with
 * backoff until delivered or dead-lettered; dead rows wait for a replay.
 */
export type ForwardState = 'pending' | 'delivered' | 'dead';

export interface ForwardDelivery {
  id: number;
  eventSeq: number;
  /** The event's Klaviyo external_id; also the Standard Webhooks `webhook-id` (stable across retries). */
  eventExternalId: string;
  topic: string;
  targetUrl: string;
  state: ForwardState;
  /** Attempts that failed so far. */
  attempts: number;
  nextAttemptAt: Date;
  lastStatus: number | undefined;
  lastError: string | undefined;
  createdAt: Date;
  deliveredAt: Date | undefined;
}

/** What a claimed delivery needs to be sent: the row plus the stored event. */
export interface ClaimedForward extends ForwardDelivery {
  payload: unknown;
  klaviyoAccountId: string | undefined;
  klaviyoWebhookId: string;
  receivedAt: Date;
}

export type ForwardOutcome =
  | { kind: 'delivered'; status: number }
  | { kind: 'retry'; status: number | undefined; error: string; nextAttemptAt: Date }
  | { kind: 'dead'; status: number | undefined; error: string };

export interface ForwardStore {
  /** Creates pending deliveries due at `now`; a (eventSeq, targetUrl) pair that exists is left alone. Returns how many were created. */
  enqueue(pairs: Array<{ eventSeq: number; targetUrl: string }>, now: Date): Promise<number>;
  /**
   * Claims up to `limit` pending deliveries due at `now`, oldest due first, and leases them for
   * `leaseMs` milliseconds: a claim whose process dies becomes due again when the lease ends.
   */
  claimDue(now: Date, limit: number, leaseMs: number): Promise<ClaimedForward[]>;
  /** Records an attempt's outcome; a failure (retry or dead) counts one attempt. */
  record(id: number, outcome: ForwardOutcome, now: Date): Promise<void>;
  /** Dead deliveries, newest first; `beforeId` is the previous page's last id. */
  listDead(query: { limit: number; beforeId?: number }): Promise<ForwardDelivery[]>;
  /** Moves dead deliveries (those in `ids`, or all when omitted) back to pending, due at `now`, attempts reset. */
  replayDead(ids: number[] | undefined, now: Date): Promise<number>;
  /** Deliveries per state. */
  counts(): Promise<Record<ForwardState, number>>;
  /** The earliest next_attempt_at among pending deliveries, for the worker's sleep. */
  nextDueAt(): Promise<Date | undefined>;
}
