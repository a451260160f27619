import type { OutboxKind } from '../../src/store/outbox.js';
import type { KlaviyoLimitClassName } from '../klaviyo/rate-limits.js';
import type { ItemBackoff } from './batch-outcomes.js';

/** Knobs of the sync worker; the defaults suit production, tests shrink the times. */
export interface SyncTuning {
  /** How long a claim is leased, in milliseconds; must outlast a limiter wait plus the request. */
  leaseMs: number;
  /** Idle poll interval, in milliseconds (ingest also wakes the worker directly). */
  pollMs: number;
  /**
   * Batches fill under load and go out small when idle: a part-full batch goes out once no item
   * has arrived for `quietMs`, and at the latest `lingerMs` after its oldest item (milliseconds).
   */
  lingerMs: number;
  quietMs: number;
  /** Concurrent batches per kind. */
  lanes: Record<OutboxKind, number>;
  backoff: ItemBackoff;
  /** Pause after Klaviyo rejects our key, in milliseconds, before probing again. */
  authPauseMs: number;
  /** How often outbox gauges are refreshed, in milliseconds. */
  statsIntervalMs: number;
  profileBulkThreshold: number;
  profileUpsertConcurrency: number;
  /** Wait between polls of accepted profile import jobs, in milliseconds. */
  importJobPollMs: number;
  /** A job still running this long is logged once (it keeps being polled), in milliseconds. */
  importJobWarnMs: number;
  /** Longest wait for in-flight batches on stop, in milliseconds. */
  stopTimeoutMs: number;
}

export const DEFAULT_SYNC_TUNING: SyncTuning = {
  leaseMs: 120_000,
  pollMs: 500,
  lingerMs: 2_000,
  quietMs: 250,
  lanes: { event: 4, profile: 1, consent: 1, list: 1 },
  backoff: { baseDelayMs: 1_000, maxDelayMs: 300_000 },
  authPauseMs: 30_000,
  statsIntervalMs: 2_000,
  profileBulkThreshold: 10,
  profileUpsertConcurrency: 8,
  importJobPollMs: 2_000,
  importJobWarnMs: 600_000,
  stopTimeoutMs: 5_000,
};

/** 5 MB request budget less room for the JSON:API envelope and per-group profile copies. */
const REQUEST_PAYLOAD_BUDGET_BYTES = 4.5 * 1024 * 1024;

/** What one claim may hold per kind, and the limit class that paces it. */
export const KIND_LIMITS: Record<OutboxKind, { maxItems: number; maxBytes: number; limitClass: KlaviyoLimitClassName }> = {
  event: { maxItems: 1_000, maxBytes: REQUEST_PAYLOAD_BUDGET_BYTES, limitClass: 'bulk_create_events' },
  profile: { maxItems: 10_000, maxBytes: REQUEST_PAYLOAD_BUDGET_BYTES, limitClass: 'bulk_import_profiles' },
  consent: { maxItems: 1_000, maxBytes: REQUEST_PAYLOAD_BUDGET_BYTES, limitClass: 'bulk_subscribe_profiles' },
  // People per claim: their profile ids are resolved 100 at a time, then one request per list and direction.
  list: { maxItems: 500, maxBytes: REQUEST_PAYLOAD_BUDGET_BYTES, limitClass: 'add_profiles_to_list' },
};
