import { buildMetricAggregateBody, type KlaviyoMetricAggregateQuery } from '../bodies/reporting.js';
import type { KlaviyoClient } from '../client.js';
import type { CallOptions, JsonApiDocument } from '../json-api.js';
import { paginate } from '../paginate.js';
import type { Metric, MetricAggregate } from '../resources.js';

export function createMetricEndpoints(client: KlaviyoClient) {
  return {
    /** GET /api/metrics, every metric (to find e.g. the "Placed Order" id). */
    list(options: CallOptions & { filter?: string } = {}): AsyncGenerator<Metric, void, undefined> {
      return paginate<Metric>(client, {
        limitClass: 'get_metrics',
        path: '/api/metrics',
        query: { filter: options.filter },
        signal: options.signal,
      });
    },

    /** POST /api/metric-aggregates: a read, so idempotent; page with `page_cursor` in the query. */
    async aggregate(query: KlaviyoMetricAggregateQuery, options: CallOptions = {}): Promise<MetricAggregate> {
      const { body } = await client.request<JsonApiDocument<MetricAggregate>>({
        limitClass: 'query_metric_aggregates',
        method: 'POST',
        path: '/api/metric-aggregates',
        body: buildMetricAggregateBody(query),
        idempotent: true,
        signal: options.signal,
      });
      return body.data;
    },
  };
}

export type MetricEndpoints = ReturnType<typeof createMetricEndpoints>;
