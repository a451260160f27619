/**
 * Row shapes of the tables both SQL backends share, and their mapping to the store's types: the
 * SQLite and PostgreSQL stores select the same columns (as numbers and JSON text) and read them alike.
 */
import type { JobRun, JobRunStatus } from './job-runs.js';
import type { DeadLetter, OutboxError, OutboxItem, OutboxKind } from './outbox.js';
import type { ClaimedForward, ForwardDelivery, ForwardState } from './webhook-forwards.js';
import type { InboxEvent } from './webhook-inbox.js';

export interface ForwardRow {
  id: number;
  event_seq: number;
  external_id: string;
  topic: string;
  target_url: string;
  state: ForwardState;
  attempts: number;
  next_attempt_at: number;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

export interface ClaimedForwardRow extends ForwardRow {
  payload_json: string;
  klaviyo_account_id: string | null;
  klaviyo_webhook_id: string;
  received_at: number;
}

export const FORWARD_COLUMNS = `f.id, f.event_seq, e.external_id, e.topic, f.target_url, f.state, f.attempts, f.next_attempt_at,
  f.last_status, f.last_error, f.created_at, f.delivered_at`;

export function toForwardDelivery(row: ForwardRow): ForwardDelivery {
  return {
    id: row.id,
    eventSeq: row.event_seq,
    eventExternalId: row.external_id,
    topic: row.topic,
    targetUrl: row.target_url,
    state: row.state,
    attempts: row.attempts,
    nextAttemptAt: new Date(row.next_attempt_at),
    lastStatus: row.last_status ?? undefined,
    lastError: row.last_error ?? undefined,
    createdAt: new Date(row.created_at),
    deliveredAt: row.delivered_at === null ? undefined : new Date(row.delivered_at),
  };
}

export function toClaimedForward(row: ClaimedForwardRow): ClaimedForward {
  return {
    ...toForwardDelivery(row),
    payload: JSON.parse(row.payload_json) as unknown,
    klaviyoAccountId: row.klaviyo_account_id ?? undefined,
    klaviyoWebhookId: row.klaviyo_webhook_id,
    receivedAt: new Date(row.received_at),
  };
}

export interface JobRunRow {
  seq: number;
  id: string;
  job: string;
  status: JobRunStatus;
  params_json: string;
  progress_json: string;
  usage_json: string;
  result_json: string | null;
  error_json: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export const EMPTY_PROGRESS = JSON.stringify({ phase: 'queued', done: 0, total: null });
export const EMPTY_USAGE = JSON.stringify({ klaviyo_requests: 0, mavera_credits: 0 });

export function toJobRun(row: JobRunRow): JobRun {
  return {
    id: row.id,
    job: row.job,
    status: row.status,
    params: JSON.parse(row.params_json) as Record<string, unknown>,
    progress: JSON.parse(row.progress_json) as JobRun['progress'],
    created_at: row.created_at,
    started_at: row.started_at,
    finished_at: row.finished_at,
    ...(row.result_json !== null ? { result: JSON.parse(row.result_json) as unknown } : {}),
    ...(row.error_json !== null ? { error: JSON.parse(row.error_json) as JobRun['error'] } : {}),
    usage: JSON.parse(row.usage_json) as JobRun['usage'],
  };
}

export interface InboxEventRow {
  seq: number;
  external_id: string;
  topic: string;
  payload_json: string;
  klaviyo_account_id: string | null;
  klaviyo_webhook_id: string;
  received_at: number;
  dispatched_at: number | null;
}

export const INBOX_COLUMNS = 'seq, external_id, topic, payload_json, klaviyo_account_id, klaviyo_webhook_id, received_at, dispatched_at';

export function toInboxEvent(row: InboxEventRow): InboxEvent {
  return {
    seq: row.seq,
    externalId: row.external_id,
    topic: row.topic,
    payload: JSON.parse(row.payload_json) as unknown,
    klaviyoAccountId: row.klaviyo_account_id ?? undefined,
    klaviyoWebhookId: row.klaviyo_webhook_id,
    receivedAt: new Date(row.received_at),
    dispatchedAt: row.dispatched_at === null ? undefined : new Date(row.dispatched_at),
  };
}

export interface OutboxItemRow {
  id: number;
  kind: string;
  payload_json: string;
  size_bytes: number;
  merge_key: string | null;
  attempts: number;
  created_at: number;
}

export const ITEM_COLUMNS = 'id, kind, payload_json, size_bytes, merge_key, attempts, created_at';

export const toItem = (row: OutboxItemRow): OutboxItem => ({
  id: String(row.id),
  kind: row.kind as OutboxKind,
  payload: JSON.parse(row.payload_json) as Record<string, unknown>,
  mergeKey: row.merge_key ?? undefined,
  attempts: row.attempts,
  createdAt: new Date(row.created_at),
  sizeBytes: row.size_bytes,
});

export interface DeadLetterRow {
  id: number;
  kind: string;
  payload_json: string;
  error_json: string | null;
  attempts: number;
  created_at: number;
  dead_at: number | null;
}

export function toDeadLetter(row: DeadLetterRow): DeadLetter {
  return {
    id: String(row.id),
    kind: row.kind as OutboxKind,
    payload: JSON.parse(row.payload_json) as Record<string, unknown>,
    error: row.error_json ? (JSON.parse(row.error_json) as OutboxError) : { detail: 'unknown' },
    attempts: row.attempts,
    createdAt: new Date(row.created_at),
    deadAt: new Date(row.dead_at ?? row.created_at),
  };
}
