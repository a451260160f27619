import { OUTBOX_KINDS } from '../outbox.js';

/**
 * The PostgreSQL schema, versioned like ../sqlite/migrations/ (never edit an applied version: add one).
 * Times are epoch milliseconds in bigint columns, as on SQLite: the callers' `now` decides, so the
 * conformance suite's dates hold on both backends. JSON is kept as text, byte for byte as written.
 */
export interface PgMigration {
  version: number;
  name: string;
  sql: string;
}

export const pgMigrations: PgMigration[] = [
  {
    version: 1,
    name: 'foundation: cache entries',
    sql: `
      CREATE TABLE cache_entries (
        key         text PRIMARY KEY,
        value_json  text NOT NULL,
        expires_at  bigint NOT NULL
      );
      CREATE INDEX cache_entries_expires_at ON cache_entries (expires_at);`,
  },
  {
    version: 2,
    name: 'outbox: items, dedupe keys, counters (waiting per kind for the cap, delivered)',
    sql: `
      CREATE TABLE outbox_items (
        id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kind             text NOT NULL,
        state            text NOT NULL CHECK (state IN ('pending', 'in_flight', 'verifying', 'dead')),
        payload_json     text NOT NULL,
        size_bytes       integer NOT NULL,
        merge_key        text,
        attempts         integer NOT NULL DEFAULT 0,
        available_at     bigint NOT NULL,
        lease_id         text,
        lease_expires_at bigint,
        created_at       bigint NOT NULL,
        dead_at          bigint,
        error_json       text,
        job_id           text,
        wait_kind        text,
        wait_key         text
      );
      CREATE INDEX outbox_items_queue ON outbox_items (kind, state, id);
      CREATE INDEX outbox_items_due ON outbox_items (kind, state, available_at);
      CREATE INDEX outbox_items_merge ON outbox_items (kind, merge_key, state) WHERE merge_key IS NOT NULL;
      CREATE INDEX outbox_items_lease ON outbox_items (lease_id) WHERE lease_id IS NOT NULL;
      CREATE INDEX outbox_items_job ON outbox_items (job_id) WHERE job_id IS NOT NULL;

      CREATE TABLE outbox_dedupe_keys (
        key        text PRIMARY KEY,
        created_at bigint NOT NULL
      );

      -- One row per kind. waiting: items pending, in flight or verifying, kept exact in the
      -- transactions that change it; enqueue locks the row, so the cap holds across replicas.
      CREATE TABLE outbox_counters (
        kind             text PRIMARY KEY,
        waiting          bigint NOT NULL DEFAULT 0,
        delivered        bigint NOT NULL DEFAULT 0,
        last_delivery_at bigint
      );
      INSERT INTO outbox_counters (kind) VALUES ${OUTBOX_KINDS.map((kind) => `('${kind}')`).join(', ')};`,
  },
  {
    version: 3,
    name: 'webhooks: inbox events, dedupe keys that outlive them, forward deliveries',
    sql: `
      CREATE TABLE webhook_events (
        seq                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        external_id         text NOT NULL UNIQUE,
        topic               text NOT NULL,
        payload_json        text NOT NULL,
        klaviyo_account_id  text,
        klaviyo_webhook_id  text NOT NULL,
        received_at         bigint NOT NULL,
        dispatched_at       bigint
      );
      CREATE INDEX webhook_events_undispatched ON webhook_events (seq) WHERE dispatched_at IS NULL;
      CREATE INDEX webhook_events_topic ON webhook_events (topic, seq);
      CREATE INDEX webhook_events_received_at ON webhook_events (received_at, seq);

      CREATE TABLE webhook_dedupe_keys (
        external_id text PRIMARY KEY,
        received_at bigint NOT NULL
      );
      CREATE INDEX webhook_dedupe_keys_received_at ON webhook_dedupe_keys (received_at);

      CREATE TABLE webhook_forwards (
        id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        event_seq        bigint NOT NULL REFERENCES webhook_events (seq),
        target_url       text NOT NULL,
        state            text NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
        attempts         integer NOT NULL DEFAULT 0,
        next_attempt_at  bigint NOT NULL,
        last_status      integer,
        last_error       text,
        created_at       bigint NOT NULL,
        updated_at       bigint NOT NULL,
        delivered_at     bigint,
        UNIQUE (event_seq, target_url)
      );
      CREATE INDEX webhook_forwards_due ON webhook_forwards (next_attempt_at, id) WHERE state = 'pending';
      CREATE INDEX webhook_forwards_dead ON webhook_forwards (id) WHERE state = 'dead';`,
  },
  {
    version: 4,
    name: 'job runs',
    sql: `
      CREATE TABLE job_runs (
        seq            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id             text NOT NULL UNIQUE,
        job            text NOT NULL,
        status         text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
        params_json    text NOT NULL,
        progress_json  text NOT NULL,
        usage_json     text NOT NULL,
        result_json    text,
        error_json     text,
        created_at     text NOT NULL,
        started_at     text,
        finished_at    text
      );
      CREATE UNIQUE INDEX job_runs_one_active ON job_runs (job) WHERE status IN ('queued', 'running');
      CREATE INDEX job_runs_by_job ON job_runs (job, seq DESC);`,
  },
  {
    version: 5,
    name: 'store health probe',
    sql: `
      CREATE TABLE store_probe (
        id     integer PRIMARY KEY,
        filler bytea NOT NULL
      );`,
  },
  {
    version: 6,
    name: 'replicas: the leader row (epoch for fencing, holder, heartbeat, its report); job run cancel requests',
    sql: `
      -- One row. epoch grows by one with every leader elected: a leader's writes check it (fencing).
      -- heartbeat_at is the database's clock (epoch ms); report_json is what the leader last published:
      -- its worker state, and its recent Klaviyo limiter usage for a successor to start from.
      CREATE TABLE replica_leader (
        id            integer PRIMARY KEY CHECK (id = 1),
        epoch         bigint NOT NULL DEFAULT 0,
        holder        text,
        since         bigint,
        heartbeat_at  bigint,
        report_json   text
      );
      INSERT INTO replica_leader (id) VALUES (1);
      ALTER TABLE job_runs ADD COLUMN cancel_requested_at text;`,
  },
  {
    version: 7,
    name: 'privacy: deletions, the audit hash salt, purged outbox items',
    sql: `
      -- identifier: kept only while queued (it must outlive a crash until Klaviyo has it), as on SQLite.
      CREATE TABLE privacy_deletions (
        seq                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id                     text NOT NULL UNIQUE,
        kind                   text NOT NULL CHECK (kind IN ('email', 'phone_number', 'distinct_id')),
        status                 text NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
        identifier             text,
        identifier_hash        text NOT NULL,
        requested_at           bigint NOT NULL,
        sent_at                bigint,
        finished_at            bigint,
        purged_outbox          integer NOT NULL DEFAULT 0,
        purged_webhook_events  integer NOT NULL DEFAULT 0,
        purged_forwards        integer NOT NULL DEFAULT 0,
        attempts               integer NOT NULL DEFAULT 0,
        next_attempt_at        bigint NOT NULL,
        error_json             text,
        CHECK ((status = 'queued') = (identifier IS NOT NULL))
      );
      CREATE INDEX privacy_deletions_queued ON privacy_deletions (next_attempt_at, seq) WHERE status = 'queued';

      -- The audit hash's salt: random per installation, made once (gen_random_uuid draws on a strong source).
      CREATE TABLE privacy_salt (
        id   integer PRIMARY KEY CHECK (id = 1),
        salt text NOT NULL
      );
      INSERT INTO privacy_salt (id, salt) VALUES (1, replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''));

      ALTER TABLE outbox_items ADD COLUMN purged_by text;
      CREATE INDEX outbox_items_purged ON outbox_items (purged_by) WHERE purged_by IS NOT NULL;`,
  },
  {
    version: 8,
    name: 'klaviyo connection: sealed OAuth credentials, pending authorizations',
    sql: `
      CREATE TABLE klaviyo_connection (
        id                 integer PRIMARY KEY CHECK (id = 1),
        sealed_credentials text NOT NULL,
        status             text NOT NULL CHECK (status IN ('connected', 'revoked', 'failing')),
        scopes_json        text NOT NULL,
        account_id         text,
        access_expires_at  bigint,
        last_refresh_at    bigint,
        last_error         text,
        version            integer NOT NULL,
        updated_at         bigint NOT NULL
      );
      CREATE TABLE oauth_states (
        state           text PRIMARY KEY,
        sealed_verifier text NOT NULL,
        scopes_json     text NOT NULL,
        created_at      bigint NOT NULL,
        expires_at      bigint NOT NULL
      );`,
  },
];
