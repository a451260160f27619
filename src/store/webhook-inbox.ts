/**
 * The webhook inbox (docs/webhooks.md): every Klaviyo webhook event stored once, keyed by `external_id`.
 * The dispatcher reads it in insertion order; ops read it newest first.
 */
export interface InboxEventInput {
  externalId: string;
  topic: string;
  /** Klaviyo's `payload`, kept as sent (any JSON value). */
  payload: unknown;
}

export interface InboxDeliveryInput {
  klaviyoAccountId: string | undefined;
  klaviyoWebhookId: string;
  events: InboxEventInput[];
}

export interface InboxEvent extends InboxEventInput {
  /** Insertion order; strictly increasing. */
  seq: number;
  klaviyoAccountId: string | undefined;
  klaviyoWebhookId: string;
  receivedAt: Date;
  /** When the dispatcher handed it to every handler; undefined until then. */
  dispatchedAt: Date | undefined;
}

export interface InboxListQuery {
  topic?: string;
  /** Only events received at or after this instant. */
  since?: Date;
  limit: number;
  /** Only events older (by seq) than this one: the previous page's last seq. */
  beforeSeq?: number;
}

export interface InboxPruneRequest {
  /**
   * Events received before this instant are deleted, with their delivered forward deliveries. An
   * event not yet dispatched, or with a forward delivery still pending or dead (awaiting a replay), is kept.
   */
  receivedBefore: Date;
  /**
   * Dedupe keys first seen before this instant are deleted, except the keys of events still stored.
   * Taken as `receivedBefore` when later: a key never goes before its event may.
   */
  keysBefore: Date;
}

export interface InboxPruneResult {
  events: number;
  forwards: number;
  keys: number;
}

export interface InboxStore {
  /**
   * Stores each event whose external_id is new, all in one transaction that has committed when the
   * promise resolves. An external_id seen before (stored, or pruned while its dedupe key is kept), or
   * repeated within `delivery`, is a duplicate.
   */
  storeDelivery(delivery: InboxDeliveryInput, receivedAt: Date): Promise<{ stored: number; duplicates: number }>;
  /** Newest first. */
  list(query: InboxListQuery): Promise<InboxEvent[]>;
  /** Events not yet dispatched, oldest first (they survive restarts: the dispatcher resumes here). */
  listUndispatched(limit: number): Promise<InboxEvent[]>;
  markDispatched(seqs: number[], at: Date): Promise<void>;
  /** Deletes what the retention no longer keeps (see InboxPruneRequest), in short transactions. */
  prune(request: InboxPruneRequest): Promise<InboxPruneResult>;
}
