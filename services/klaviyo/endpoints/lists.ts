import { buildAddProfilesToListBody, buildRemoveProfilesFromListBody } from '../bodies/list.js';
import type { KlaviyoClient } from '../client.js';
import type { CallOptions, JsonApiResource } from '../json-api.js';
import { paginate } from '../paginate.js';
import { apiPath } from './path.js';

export type KlaviyoList = JsonApiResource<{ name: string; created: string; updated: string; opt_in_process?: string }>;

export function createListEndpoints(client: KlaviyoClient) {
  return {
    /** POST /api/lists/{id}/relationships/profiles (≤ 1,000 ids): 204. Membership is a set: idempotent. */
    async addProfiles(listId: string, profileIds: readonly string[], options: CallOptions = {}): Promise<void> {
      await client.request({
        limitClass: 'add_profiles_to_list',
        method: 'POST',
        path: apiPath('/api/lists/{id}/relationships/profiles', { id: listId }),
        body: buildAddProfilesToListBody(profileIds),
        idempotent: true,
        signal: options.signal,
      });
    },

    /** DELETE /api/lists/{id}/relationships/profiles (≤ 1,000 ids): 204. Leaving is idempotent too; consent is untouched. */
    async removeProfiles(listId: string, profileIds: readonly string[], options: CallOptions = {}): Promise<void> {
      await client.request({
        limitClass: 'remove_profiles_from_list',
        method: 'DELETE',
        path: apiPath('/api/lists/{id}/relationships/profiles', { id: listId }),
        body: buildRemoveProfilesFromListBody(profileIds),
        idempotent: true,
        signal: options.signal,
      });
    },

    /** GET /api/lists, every list (Klaviyo pages at most 10; its default). */
    list(options: CallOptions & { filter?: string } = {}): AsyncGenerator<KlaviyoList, void, undefined> {
      return paginate<KlaviyoList>(client, {
        limitClass: 'get_lists',
        path: '/api/lists',
        query: { filter: options.filter },
        signal: options.signal,
      });
    },
  };
}

export type ListEndpoints = ReturnType<typeof createListEndpoints>;
