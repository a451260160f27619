import { buildProfileBulkImportBody, type KlaviyoProfileInput } from '../bodies/profile.js';
import type { KlaviyoClient } from '../client.js';
import type { CallOptions, JsonApiDocument } from '../json-api.js';
import { klaviyoPageSize } from '../page-sizes.js';
import { paginate } from '../paginate.js';
import type { ImportError, ProfileImportJob } from '../resources.js';
import { readAllById, readById } from './by-id.js';
import { apiPath } from './path.js';

/** Profile bulk import jobs. Creating one is idempotent: its items are upserts. */
export function createProfileImportEndpoints(client: KlaviyoClient) {
  return {
    /** POST /api/profile-bulk-import-jobs (≤ 10,000 profiles, ≤ 5 MB); answers the queued job. */
    async create(
      profiles: readonly KlaviyoProfileInput[],
      options: CallOptions & { listIds?: readonly string[] } = {},
    ): Promise<ProfileImportJob> {
      const { body } = await client.request<JsonApiDocument<ProfileImportJob>>({
        limitClass: 'bulk_import_profiles',
        method: 'POST',
        path: '/api/profile-bulk-import-jobs',
        body: buildProfileBulkImportBody(profiles, { listIds: options.listIds }),
        idempotent: true,
        signal: options.signal,
      });
      return body.data;
    },

    /** GET /api/profile-bulk-import-jobs/{job_id}: poll until status is complete or cancelled. */
    async get(jobId: string, options: CallOptions = {}): Promise<ProfileImportJob> {
      const { body } = await readById('profile bulk import job', jobId, () =>
        client.request<JsonApiDocument<ProfileImportJob>>({
          limitClass: 'get_bulk_import_profiles_job',
          method: 'GET',
          path: apiPath('/api/profile-bulk-import-jobs/{job_id}', { job_id: jobId }),
          idempotent: true,
          signal: options.signal,
        }),
      );
      return body.data;
    },

    /** GET /api/profile-bulk-import-jobs/{id}/import-errors, every page (at most 100 a page). */
    importErrors(jobId: string, options: CallOptions & { pageSize?: number } = {}): AsyncGenerator<ImportError, void, undefined> {
      const read = paginate<ImportError>(client, {
        limitClass: 'get_errors_for_bulk_import_profiles_job',
        path: apiPath('/api/profile-bulk-import-jobs/{id}/import-errors', { id: jobId }),
        query: { 'page[size]': klaviyoPageSize('get_errors_for_bulk_import_profiles_job', options.pageSize) },
        signal: options.signal,
      });
      return readAllById('profile bulk import job', jobId, read);
    },
  };
}

export type ProfileImportEndpoints = ReturnType<typeof createProfileImportEndpoints>;
