/**
 * Everything the fake account holds: the seeded data plus what the API wrote (profiles, events,
 * subscriptions, list members, bulk jobs, webhooks). Exposed on the handle as `data`.
 */
import { ulidLike } from '../ids.js';
import type { SeededAccount } from '../seed/account.js';
import { newMetric, type SeededMetric } from '../seed/metrics.js';
import { EventStore } from './event-store.js';
import { ProfileStore } from './profile-store.js';

export type ConsentState = 'SUBSCRIBED' | 'UNSUBSCRIBED';

export interface ProfileConsent {
  email?: ConsentState;
  sms?: ConsentState;
  sms_transactional?: ConsentState;
}

export interface ImportError {
  id: string;
  code: string;
  title: string;
  detail: string;
  pointer: string;
  originalPayload: Record<string, unknown>;
}

export interface BulkImportJob {
  id: string;
  createdMs: number;
  startedMs: number | null;
  completedMs: number | null;
  status: 'queued' | 'processing' | 'complete';
  /** Profile attributes as sent, in request order. */
  profiles: Record<string, unknown>[];
  listIds: string[];
  completedCount: number;
  failedCount: number;
  errors: ImportError[];
  profileIndexes: number[];
}

export interface StoredWebhook {
  id: string;
  name: string;
  description: string | null;
  endpointUrl: string;
  secretKey: string;
  topicIds: string[];
  createdMs: number;
}

export class SandboxData {
  readonly profiles: ProfileStore;
  readonly events = new EventStore();
  readonly metrics: SeededMetric[];
  readonly consents = new Map<number, ProfileConsent>();
  readonly listMembers = new Map<string, Set<number>>();
  readonly bulkImportJobs = new Map<string, BulkImportJob>();
  readonly webhooks: StoredWebhook[] = [];
  private sequence = 0;

  constructor(
    readonly account: SeededAccount,
    private readonly now: () => number,
  ) {
    this.profiles = new ProfileStore(account.profiles, now);
    this.metrics = [...account.metrics];
  }

  /** A fresh id for a written resource (events, jobs, webhooks). */
  nextId(stream: string): string {
    return ulidLike(this.account.seed, `written:${stream}`, this.sequence++);
  }

  metricByName(name: string): SeededMetric {
    let metric = this.metrics.find((candidate) => candidate.name === name);
    if (!metric) {
      // Klaviyo creates a metric the first time an event names it.
      metric = newMetric(this.account.seed, name, this.now());
      this.metrics.push(metric);
    }
    return metric;
  }

  metricById(id: string): SeededMetric | undefined {
    return this.metrics.find((metric) => metric.id === id);
  }

  setConsent(index: number, channel: 'email' | 'sms' | 'sms_transactional', state: ConsentState): void {
    this.consents.set(index, { ...this.consents.get(index), [channel]: state });
  }

  addListMember(listId: string, index: number): void {
    let members = this.listMembers.get(listId);
    if (!members) this.listMembers.set(listId, (members = new Set()));
    members.add(index);
  }

  consentTotals(): { emailSubscribed: number; smsSubscribed: number; unsubscribed: number } {
    let emailSubscribed = 0;
    let smsSubscribed = 0;
    let unsubscribed = 0;
    for (const consent of this.consents.values()) {
      if (consent.email === 'SUBSCRIBED') emailSubscribed++;
      if (consent.sms === 'SUBSCRIBED') smsSubscribed++;
      if (consent.email === 'UNSUBSCRIBED' || consent.sms === 'UNSUBSCRIBED') unsubscribed++;
    }
    return { emailSubscribed, smsSubscribed, unsubscribed };
  }
}
