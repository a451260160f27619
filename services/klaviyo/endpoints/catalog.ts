import type { KlaviyoClient } from '../client.js';
import type { CallOptions } from '../json-api.js';
import { klaviyoPageSize } from '../page-sizes.js';
import { paginate } from '../paginate.js';
import type { CatalogItem } from '../resources.js';

export function createCatalogEndpoints(client: KlaviyoClient) {
  return {
    /** GET /api/catalog-items, every item (ids look like `$custom:::$default:::<external_id>`); pages of at most 100. */
    items(options: CallOptions & { filter?: string; pageSize?: number; sort?: string } = {}): AsyncGenerator<CatalogItem, void, undefined> {
      return paginate<CatalogItem>(client, {
        limitClass: 'get_catalog_items',
        path: '/api/catalog-items',
        query: { filter: options.filter, 'page[size]': klaviyoPageSize('get_catalog_items', options.pageSize), sort: options.sort },
        signal: options.signal,
      });
    },
  };
}

export type CatalogEndpoints = ReturnType<typeof createCatalogEndpoints>;
