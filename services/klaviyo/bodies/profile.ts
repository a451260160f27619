import { assertBatchSize, compact } from './compact.js';

/** Profile attributes in Klaviyo's own names. `null` clears a field; an omitted field is unchanged. */
export interface KlaviyoProfileAttributes {
  email?: string | null;
  /** E.164 only. */
  phone_number?: string | null;
  external_id?: string | null;
  first_name?: string | null;
  last_name?: string | null;
  organization?: string | null;
  title?: string | null;
  locale?: string | null;
  image?: string | null;
  location?: KlaviyoLocation | null;
  /** Custom properties. */
  properties?: Record<string, unknown>;
}

export interface KlaviyoLocation {
  address1?: string | null;
  address2?: string | null;
  city?: string | null;
  region?: string | null;
  country?: string | null;
  zip?: string | null;
  timezone?: string | null;
  ip?: string | null;
}

export interface KlaviyoPatchProperties {
  append?: Record<string, unknown>;
  unappend?: Record<string, unknown>;
  unset?: string | string[];
}

export interface KlaviyoProfileInput {
  /** Klaviyo's profile id, when known (upsert by id). */
  id?: string;
  attributes: KlaviyoProfileAttributes;
  patchProperties?: KlaviyoPatchProperties;
}

/** Klaviyo's documented maximum for one profile bulk import job. */
export const MAX_PROFILES_PER_IMPORT_JOB = 10_000;

export function profileResource(profile: KlaviyoProfileInput) {
  const { location, ...rest } = profile.attributes;
  const attributes = compact({ ...rest, location: location ? compact(location) : location });
  return compact({
    type: 'profile' as const,
    id: profile.id,
    attributes,
    meta: profile.patchProperties ? { patch_properties: compact(profile.patchProperties) } : undefined,
  });
}

/** POST /api/profile-import (create_or_update_profile). */
export function buildProfileUpsertBody(profile: KlaviyoProfileInput) {
  return { data: profileResource(profile) };
}

/** POST /api/profiles (create_profile): never carries an id. */
export function buildProfileCreateBody(profile: Omit<KlaviyoProfileInput, 'id'>) {
  return { data: profileResource({ attributes: profile.attributes, patchProperties: profile.patchProperties }) };
}

/** PATCH /api/profiles/{id} (update_profile): the id goes in the body too. */
export function buildProfilePatchBody(id: string, profile: Omit<KlaviyoProfileInput, 'id'>) {
  return { data: { ...profileResource({ ...profile }), id } };
}

/** POST /api/profile-bulk-import-jobs: ≤ 10,000 profiles, optionally added to lists. */
export function buildProfileBulkImportBody(profiles: readonly KlaviyoProfileInput[], options: { listIds?: readonly string[] } = {}) {
  assertBatchSize('profile bulk import', profiles.length, MAX_PROFILES_PER_IMPORT_JOB);
  const listIds = options.listIds ?? [];
  return {
    data: compact({
      type: 'profile-bulk-import-job' as const,
      attributes: { profiles: { data: profiles.map(profileResource) } },
      relationships:
        listIds.length > 0 ? { lists: { data: listIds.map((id) => ({ type: 'list' as const, id })) } } : undefined,
    }),
  };
}
