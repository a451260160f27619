import type { KlaviyoClient } from '../client.js';
import { klaviyoFilter } from '../filters.js';
import type { CallOptions } from '../json-api.js';
import { createProfileEndpoints } from './profiles.js';

/** Whom one data-privacy deletion job deletes: exactly one identifier (Klaviyo refuses two). */
export type ProfileDeletionTarget = { email: string } | { phone_number: string } | { profileId: string };

/** POST /api/data-privacy-deletion-jobs (DataPrivacyCreateDeletionJobQuery): one identifier per job. */
export function buildProfileDeletionBody(target: ProfileDeletionTarget) {
  const profile =
    'profileId' in target
      ? { type: 'profile' as const, id: target.profileId, attributes: {} }
      : { type: 'profile' as const, attributes: 'email' in target ? { email: target.email } : { phone_number: target.phone_number } };
  return { data: { type: 'data-privacy-deletion-job' as const, attributes: { profile: { data: profile } } } };
}

/** Profiles one external id resolves to, at most this many (one page; Klaviyo keeps external ids unique in practice). */
const MAX_PROFILES_PER_EXTERNAL_ID = 100;

/**
 * Klaviyo's data-privacy deletion (docs/privacy.md). Klaviyo deletes every profile matching the
 * identifier, asynchronously, and its jobs have no status to read: a 202 is all there is. Asking for
 * the same deletion twice leaves the same state, so the call is idempotent (retried on 5xx/429).
 */
export function createPrivacyEndpoints(client: KlaviyoClient) {
  const profiles = createProfileEndpoints(client);
  return {
    /** POST /api/data-privacy-deletion-jobs → 202. */
    async requestDeletion(target: ProfileDeletionTarget, options: CallOptions = {}): Promise<void> {
      await client.request({
        limitClass: 'request_profile_deletion',
        method: 'POST',
        path: '/api/data-privacy-deletion-jobs',
        body: buildProfileDeletionBody(target),
        idempotent: true,
        signal: options.signal,
      });
    },

    /** The ids of the profiles whose `external_id` is this (GET /api/profiles?filter=equals(external_id,…)); empty when none. */
    async profileIdsByExternalId(externalId: string, options: CallOptions = {}): Promise<string[]> {
      const ids: string[] = [];
      const pages = profiles.list({ filter: klaviyoFilter.equals('external_id', externalId), pageSize: MAX_PROFILES_PER_EXTERNAL_ID, signal: options.signal });
      for await (const profile of pages) {
        ids.push(profile.id);
        if (ids.length >= MAX_PROFILES_PER_EXTERNAL_ID) break;
      }
      return ids;
    },
  };
}

export type PrivacyEndpoints = ReturnType<typeof createPrivacyEndpoints>;
