import type { JobContext } from './job-definition.js';
import { JobFailure } from './job-errors.js';
import { CACHE_TTL_MS } from './read-cache.js';

export const PLACED_ORDER_METRIC = 'Placed Order';

/**
 * The id of the account's "Placed Order" metric, which three jobs need (conversions, orders). A
 * found id is cached; a not-found is not: Klaviyo creates the metric with the shop's first order
 * event, and a cached "none" kept every run failing for an hour after it appeared.
 */
export async function placedOrderMetricId(ctx: Pick<JobContext, 'cache' | 'klaviyo' | 'signal'>): Promise<string> {
  const metricId = await ctx.cache.value(`klaviyo:metric-id:${PLACED_ORDER_METRIC}`, CACHE_TTL_MS.metrics, () => ctx.klaviyo.metricIdByName(PLACED_ORDER_METRIC, { signal: ctx.signal }), {
    keep: (id) => id !== null,
  });
  if (!metricId) throw new JobFailure('no_placed_order_metric', `The Klaviyo account has no "${PLACED_ORDER_METRIC}" metric yet (it appears with the first order event).`);
  return metricId;
}
