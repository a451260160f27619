/**
 * Everything the fake account holds: the seeded data plus what the API wrote (profiles, events,
 * subscriptions, list members, bulk jobs, webhooks, data-privacy deletions, flow triggers). Exposed
 * on the handle as `data`.
 */
import { ulidLike } from '../ids.js';
import { increment } from '../recorder.js';
import type { SeededAccount } from '../seed/account.js';
import type { SeededFlow } from '../seed/flows.js';
import { newMetric, type SeededMetric } from '../seed/metrics.js';
import type { FlowTriggersReport } from '../types.js';
import { EventStore, type StoredEvent } from './event-store.js';
import { PrivacyDeletions, type ProfileDeletionOutcome } from './privacy-deletions.js';
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
  /** List id → member profile indexes (API writes only: the seeded lists start empty). */
  readonly listMembers = new Map<string, Set<number>>();
  readonly bulkImportJobs = new Map<string, BulkImportJob>();
  readonly webhooks: StoredWebhook[] = [];
  /** Data-privacy deletion jobs: `privacyDeletions.settled()` waits for pending ones. */
  readonly privacyDeletions: PrivacyDeletions;
  /** Triggers of seeded flows by stored events (backfills trigger nothing). */
  readonly flowTriggers = { total: 0, byFlow: new Map<string, number>(), byMetric: new Map<string, number>() };
  /** Live flows by the metric name that triggers them. */
  private readonly flowsByTriggerMetric = new Map<string, SeededFlow[]>();
  private sequence = 0;

  constructor(
    readonly account: SeededAccount,
    private readonly now: () => number,
  ) {
    this.profiles = new ProfileStore(account.profiles, now);
    this.metrics = [...account.metrics];
    this.privacyDeletions = new PrivacyDeletions((index) => this.deleteProfile(index));
    for (const flow of account.flows.flows) {
      // Only live flows fire: a draft (or manual) flow with the same trigger stays quiet.
      if (flow.status !== 'live' || flow.triggerMetric === null) continue;
      const flows = this.flowsByTriggerMetric.get(flow.triggerMetric) ?? [];
      flows.push(flow);
      this.flowsByTriggerMetric.set(flow.triggerMetric, flows);
    }
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

  /** Removes a member (a no-op for a non-member); membership never touches consent. */
  removeListMember(listId: string, index: number): boolean {
    return this.listMembers.get(listId)?.delete(index) ?? false;
  }

  /** The profile ids of a list's members, in id order. */
  listMemberIds(listId: string): string[] {
    return [...(this.listMembers.get(listId) ?? [])].sort((a, b) => a - b).map((index) => this.account.profiles.idOf(index));
  }

  /** The ids of the lists a profile is a member of. */
  listsOf(index: number): string[] {
    return [...this.listMembers].filter(([, members]) => members.has(index)).map(([id]) => id);
  }

  /**
   * Stores an event (deduplicated); a stored non-backfill event triggers every live seeded flow
   * whose trigger is its metric (`report().flowTriggers`). A duplicate is not recorded, so it triggers nothing.
   */
  recordEvent(event: StoredEvent): 'stored' | 'duplicate' {
    const outcome = this.events.add(event);
    if (outcome === 'stored' && !event.backfill) {
      for (const flow of this.flowsByTriggerMetric.get(event.metricName) ?? []) {
        this.flowTriggers.total++;
        increment(this.flowTriggers.byFlow, flow.id);
        increment(this.flowTriggers.byMetric, event.metricName);
      }
    }
    return outcome;
  }

  flowTriggersReport(): FlowTriggersReport {
    return {
      total: this.flowTriggers.total,
      byFlow: Object.fromEntries(this.flowTriggers.byFlow),
      byMetric: Object.fromEntries(this.flowTriggers.byMetric),
    };
  }

  /**
   * A data-privacy deletion: the profile, its events (written ones, and seeded `Placed Order`s, which
   * are then no longer served), its list memberships and its consent. Seeded segment membership and
   * `handle.truth` stay as seeded (the truth describes the seeded account).
   */
  deleteProfile(index: number): ProfileDeletionOutcome {
    if (!this.profiles.delete(index)) return { profilesDeleted: 0, eventsDeleted: 0, listMembershipsRemoved: 0 };
    let eventsDeleted = this.events.removeProfile(index);
    if (this.profiles.isSeeded(index)) {
      const { orders } = this.account;
      for (let i = 0; i < orders.count; i++) if (orders.profileIndexOf(i) === index) eventsDeleted++;
    }
    let listMembershipsRemoved = 0;
    for (const members of this.listMembers.values()) if (members.delete(index)) listMembershipsRemoved++;
    this.consents.delete(index);
    return { profilesDeleted: 1, eventsDeleted, listMembershipsRemoved };
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
