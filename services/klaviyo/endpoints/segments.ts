import type { KlaviyoClient } from '../client.js';
import type { CallOptions, JsonApiDocument } from '../json-api.js';
import { klaviyoPageSize } from '../page-sizes.js';
import { paginate } from '../paginate.js';
import type { Profile, Segment } from '../resources.js';
import { readAllById, readById } from './by-id.js';
import { apiPath, csv } from './path.js';
import type { ProfileAdditionalField } from './profiles.js';

export function createSegmentEndpoints(client: KlaviyoClient) {
  return {
    /** GET /api/segments, every segment (Klaviyo pages at most 10). `profile_count` is not available here. */
    list(options: CallOptions & { filter?: string; pageSize?: number } = {}): AsyncGenerator<Segment, void, undefined> {
      return paginate<Segment>(client, {
        limitClass: 'get_segments',
        path: '/api/segments',
        query: { filter: options.filter, 'page[size]': klaviyoPageSize('get_segments', options.pageSize) },
        signal: options.signal,
      });
    },

    /** GET /api/segments/{id}; `withProfileCount` costs the 1/s, 15/m class. */
    async get(id: string, options: CallOptions & { withProfileCount?: boolean } = {}): Promise<Segment> {
      const { body } = await readById('segment', id, () =>
        client.request<JsonApiDocument<Segment>>({
          limitClass: options.withProfileCount ? 'get_segment:profile_count' : 'get_segment',
          method: 'GET',
          path: apiPath('/api/segments/{id}', { id }),
          query: { 'additional-fields[segment]': options.withProfileCount ? 'profile_count' : undefined },
          idempotent: true,
          signal: options.signal,
        }),
      );
      return body.data;
    },

    /** GET /api/segments/{id}/profiles, every member (`fields: ['id']`-like sparse reads keep it light). */
    profiles(
      id: string,
      options: CallOptions & { pageSize?: number; fields?: string[]; additionalFields?: ProfileAdditionalField[]; filter?: string } = {},
    ): AsyncGenerator<Profile, void, undefined> {
      const read = paginate<Profile>(client, {
        limitClass: 'get_profiles_for_segment',
        path: apiPath('/api/segments/{id}/profiles', { id }),
        query: {
          filter: options.filter,
          'page[size]': klaviyoPageSize('get_profiles_for_segment', options.pageSize),
          'fields[profile]': csv(options.fields),
          'additional-fields[profile]': csv(options.additionalFields),
        },
        signal: options.signal,
      });
      return readAllById('segment', id, read);
    },
  };
}

export type SegmentEndpoints = ReturnType<typeof createSegmentEndpoints>;
