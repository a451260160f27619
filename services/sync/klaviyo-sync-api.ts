import { EVENT_BULK_GROUPS_POINTER, type KlaviyoEventGroup } from '../klaviyo/bodies/event.js';
import type { KlaviyoProfileInput } from '../klaviyo/bodies/profile.js';
import type { KlaviyoConsentProfile } from '../klaviyo/bodies/subscription.js';
import type { EventEndpoints } from '../klaviyo/endpoints/events.js';
import type { ListEndpoints } from '../klaviyo/endpoints/lists.js';
import type { ProfileImportEndpoints } from '../klaviyo/endpoints/profile-imports.js';
import type { ProfileEndpoints } from '../klaviyo/endpoints/profiles.js';
import type { SubscriptionEndpoints } from '../klaviyo/endpoints/subscriptions.js';
import { klaviyoFilter } from '../klaviyo/filters.js';
import type { KlaviyoLimiters } from '../klaviyo/limiter.js';
import type { KlaviyoLimitClassName } from '../klaviyo/rate-limits.js';
import type { ImportError } from '../klaviyo/resources.js';

/** JSON pointers of the batch arrays in the request bodies (for per-item 400s). */
export const BATCH_POINTERS = {
  eventGroups: EVENT_BULK_GROUPS_POINTER,
  profiles: '/data/attributes/profiles/data',
} as const;

export interface ProfileImportJobStatus {
  status: string;
  failedCount: number;
}

/** What one subscription job carries besides its profiles. */
export interface ConsentJobOptions {
  listId?: string;
  customSource?: string;
  historicalImport?: boolean;
}

/** The identifiers Klaviyo holds for a person (to apply an opt-out the item could not name). */
export interface ProfileIdentifiers {
  email?: string;
  phone_number?: string;
}

export interface ClassStatus {
  /** Requests of this class waiting for (or holding) a slot. */
  queued: number;
  /** Epoch ms until which the class is paused, if it is. */
  pausedUntil: number | undefined;
}

/**
 * The Klaviyo operations the sync worker needs. The Klaviyo service underneath waits for the limit
 * class, classifies failures and is the ONE layer that retries a call; the worker only schedules
 * items' next attempts once a call has failed for good.
 */
export interface SyncKlaviyoApi {
  bulkCreateEvents(groups: readonly KlaviyoEventGroup[]): Promise<void>;
  upsertProfile(profile: KlaviyoProfileInput): Promise<void>;
  /** PATCH of an existing profile by Klaviyo id (after a 409 duplicate_profile, with KLAVIYO_IDENTITY_CONFLICT=update_existing). */
  updateProfile(id: string, profile: Omit<KlaviyoProfileInput, 'id'>): Promise<void>;
  /** Returns the job id. */
  createProfileImportJob(profiles: readonly KlaviyoProfileInput[]): Promise<string>;
  getProfileImportJob(jobId: string): Promise<ProfileImportJobStatus>;
  listProfileImportErrors(jobId: string): Promise<ImportError[]>;
  subscribe(profiles: readonly KlaviyoConsentProfile[], options?: ConsentJobOptions): Promise<void>;
  unsubscribe(profiles: readonly KlaviyoConsentProfile[], options?: Pick<ConsentJobOptions, 'listId'>): Promise<void>;
  /** Klaviyo's profile of a person, found by external id, else email, else phone; undefined when none. */
  findProfileIdentifiers(identity: { external_id?: string; email?: string; phone_number?: string }): Promise<ProfileIdentifiers | undefined>;
  /**
   * Klaviyo's profile ids of these people, found 100 at a time per identifier (external id, else
   * email, else phone), by index into `people`; a person Klaviyo does not know is absent.
   */
  findProfileIds(people: ReadonlyArray<{ external_id?: string; email?: string; phone_number?: string }>): Promise<Map<number, string>>;
  addToList(listId: string, profileIds: readonly string[]): Promise<void>;
  removeFromList(listId: string, profileIds: readonly string[]): Promise<void>;
  classStatus(limitClass: KlaviyoLimitClassName): ClassStatus;
}

export interface KlaviyoSyncEndpoints {
  events: Pick<EventEndpoints, 'bulkCreate'>;
  profiles: Pick<ProfileEndpoints, 'upsert' | 'update' | 'list'>;
  profileImports: ProfileImportEndpoints;
  subscriptions: SubscriptionEndpoints;
  lists: Pick<ListEndpoints, 'addProfiles' | 'removeProfiles'>;
  limiters: Pick<KlaviyoLimiters, 'stats'>;
}

/** Klaviyo's `any(...)` filter and one page hold at most 100 values. */
const LOOKUP_CHUNK = 100;
const LOOKUP_FIELDS = ['external_id', 'email', 'phone_number'] as const;

export function createSyncKlaviyoApi(klaviyo: KlaviyoSyncEndpoints): SyncKlaviyoApi {
  return {
    bulkCreateEvents: (groups) => klaviyo.events.bulkCreate(groups),
    async upsertProfile(profile) {
      await klaviyo.profiles.upsert(profile);
    },
    async updateProfile(id, profile) {
      await klaviyo.profiles.update(id, profile);
    },
    async createProfileImportJob(profiles) {
      return (await klaviyo.profileImports.create(profiles)).id;
    },
    async getProfileImportJob(jobId) {
      const job = await klaviyo.profileImports.get(jobId);
      return { status: job.attributes.status, failedCount: job.attributes.failed_count ?? 0 };
    },
    async listProfileImportErrors(jobId) {
      const errors: ImportError[] = [];
      for await (const error of klaviyo.profileImports.importErrors(jobId, { pageSize: 100 })) errors.push(error);
      return errors;
    },
    subscribe: (profiles, options = {}) => klaviyo.subscriptions.subscribe({ profiles, ...options }),
    unsubscribe: (profiles, options = {}) => klaviyo.subscriptions.unsubscribe({ profiles, ...options }),
    async findProfileIdentifiers(identity) {
      for (const field of ['external_id', 'email', 'phone_number'] as const) {
        const value = identity[field];
        if (value === undefined) continue;
        const filter = klaviyoFilter.equals(field, value);
        for await (const profile of klaviyo.profiles.list({ filter, pageSize: 1, fields: ['email', 'phone_number'] })) {
          const { email, phone_number } = profile.attributes;
          return { ...(email ? { email } : {}), ...(phone_number ? { phone_number } : {}) };
        }
      }
      return undefined;
    },
    async findProfileIds(people) {
      const found = new Map<number, string>();
      for (const field of LOOKUP_FIELDS) {
        // Each person is looked up by its first identifier only (the one its profile was imported by).
        const wanted = new Map<string, number[]>();
        people.forEach((person, index) => {
          if (found.has(index)) return;
          const first = LOOKUP_FIELDS.find((f) => person[f] !== undefined);
          const value = first === field ? person[field] : undefined;
          if (value === undefined) return;
          const key = field === 'email' ? value.toLowerCase() : value;
          wanted.set(key, [...(wanted.get(key) ?? []), index]);
        });
        const values = [...wanted.keys()];
        for (let start = 0; start < values.length; start += LOOKUP_CHUNK) {
          const chunk = values.slice(start, start + LOOKUP_CHUNK);
          for await (const profile of klaviyo.profiles.list({ filter: klaviyoFilter.any(field, chunk), pageSize: LOOKUP_CHUNK, fields: [...LOOKUP_FIELDS] })) {
            const raw = (profile.attributes as Record<string, unknown>)[field];
            if (typeof raw !== 'string') continue;
            for (const index of wanted.get(field === 'email' ? raw.toLowerCase() : raw) ?? []) found.set(index, profile.id);
          }
        }
      }
      return found;
    },
    addToList: (listId, profileIds) => klaviyo.lists.addProfiles(listId, profileIds),
    removeFromList: (listId, profileIds) => klaviyo.lists.removeProfiles(listId, profileIds),
    classStatus(limitClass) {
      const stats = klaviyo.limiters.stats()[limitClass];
      const paused = stats?.paused_until ? Date.parse(stats.paused_until) : undefined;
      return { queued: stats?.queued ?? 0, pausedUntil: paused };
    },
  };
}
