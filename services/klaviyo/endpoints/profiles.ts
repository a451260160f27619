import {
  buildProfileCreateBody,
  buildProfilePatchBody,
  buildProfileUpsertBody,
  type KlaviyoProfileInput,
} from '../bodies/profile.js';
import type { KlaviyoClient } from '../client.js';
import type { CallOptions, JsonApiDocument } from '../json-api.js';
import { klaviyoPageSize } from '../page-sizes.js';
import { paginate } from '../paginate.js';
import type { Profile } from '../resources.js';
import { readById } from './by-id.js';
import { apiPath, csv } from './path.js';

export type ProfileAdditionalField = 'subscriptions' | 'predictive_analytics';

export interface ListProfilesOptions extends CallOptions {
  /** e.g. `klaviyoFilter.equals('email', 'a@b.com')`. */
  filter?: string;
  /** `predictive_analytics` moves the read into its own, lower limit class (10/s, 150/m). */
  additionalFields?: ProfileAdditionalField[];
  /** Asked for at most 100, Klaviyo's maximum (its default is 20). */
  pageSize?: number;
  sort?: string;
  fields?: string[];
}

/**
 * Idempotency: an upsert (profile-import) sets the same state however often it is sent; a create
 * is not (a repeat answers 409); a PATCH is, unless it appends to / unappends from list properties.
 */
export function createProfileEndpoints(client: KlaviyoClient) {
  return {
    /** POST /api/profile-import: create or update by identifiers; `created` is true on 201. */
    async upsert(profile: KlaviyoProfileInput, options: CallOptions = {}): Promise<{ profile: Profile; created: boolean }> {
      const { status, body } = await client.request<JsonApiDocument<Profile>>({
        limitClass: 'create_or_update_profile',
        method: 'POST',
        path: '/api/profile-import',
        body: buildProfileUpsertBody(profile),
        idempotent: true,
        signal: options.signal,
      });
      return { profile: body.data, created: status === 201 };
    },

    /** POST /api/profiles; throws KlaviyoDuplicateProfileError (with the existing id) on 409. */
    async create(profile: Omit<KlaviyoProfileInput, 'id'>, options: CallOptions = {}): Promise<Profile> {
      const { body } = await client.request<JsonApiDocument<Profile>>({
        limitClass: 'create_profile',
        method: 'POST',
        path: '/api/profiles',
        body: buildProfileCreateBody(profile),
        idempotent: false,
        signal: options.signal,
      });
      return body.data;
    },

    /** PATCH /api/profiles/{id}: null clears a field, an omitted field is unchanged. */
    async update(id: string, profile: Omit<KlaviyoProfileInput, 'id'>, options: CallOptions = {}): Promise<Profile> {
      const patch = profile.patchProperties;
      const { body } = await client.request<JsonApiDocument<Profile>>({
        limitClass: 'update_profile',
        method: 'PATCH',
        path: apiPath('/api/profiles/{id}', { id }),
        body: buildProfilePatchBody(id, profile),
        idempotent: !patch?.append && !patch?.unappend,
        signal: options.signal,
      });
      return body.data;
    },

    /** GET /api/profiles/{id}. */
    async get(id: string, options: CallOptions & { additionalFields?: ProfileAdditionalField[] } = {}): Promise<Profile> {
      const { body } = await readById('profile', id, () =>
        client.request<JsonApiDocument<Profile>>({
          limitClass: 'get_profile',
          method: 'GET',
          path: apiPath('/api/profiles/{id}', { id }),
          query: { 'additional-fields[profile]': csv(options.additionalFields) },
          idempotent: true,
          signal: options.signal,
        }),
      );
      return body.data;
    },

    /** GET /api/profiles, every page. */
    list(options: ListProfilesOptions = {}): AsyncGenerator<Profile, void, undefined> {
      const predictive = options.additionalFields?.includes('predictive_analytics') ?? false;
      return paginate<Profile>(client, {
        limitClass: predictive ? 'get_profiles:predictive_analytics' : 'get_profiles',
        path: '/api/profiles',
        query: {
          filter: options.filter,
          'additional-fields[profile]': csv(options.additionalFields),
          'page[size]': klaviyoPageSize('get_profiles', options.pageSize),
          sort: options.sort,
          'fields[profile]': csv(options.fields),
        },
        signal: options.signal,
      });
    },
  };
}

export type ProfileEndpoints = ReturnType<typeof createProfileEndpoints>;
