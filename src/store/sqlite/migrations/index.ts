import type { Database } from 'better-sqlite3';
import foundation from './001-foundation.js';
import outbox from './002-outbox.js';
import webhooks from './003-webhooks.js';
import jobRuns from './004-job-runs.js';
import outboxVerifying from './005-outbox-verifying.js';
import webhookRetention from './006-webhook-retention.js';
import replicas from './007-replicas.js';
import privacy from './008-privacy.js';
import klaviyoConnection from './009-klaviyo-connection.js';

export interface Migration {
  /** Strictly increasing; never reuse or edit an applied version, add a new one. */
  version: number;
  name: string;
  up(db: Database): void;
}

export const migrations: Migration[] = [foundation, outbox, webhooks, jobRuns, outboxVerifying, webhookRetention, replicas, privacy, klaviyoConnection];
