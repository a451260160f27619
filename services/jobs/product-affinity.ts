import { z } from 'zod';
import type { FocusGroupDescription } from '../mavera/focus-group-adapter.js';
import { createCoPurchaseCounter, type ProductPair } from './co-purchase-core.js';
import { focusGroupPanel } from './focus-group-personas.js';
import { baseParamsShape, defineJob } from './job-definition.js';
import type { CatalogItem } from './klaviyo-reads.js';
import { MAVERA_COST_CEILINGS } from './mavera-calls.js';
import { placedOrderMetricId } from './placed-order-metric.js';
import { CACHE_TTL_MS } from './read-cache.js';

const DAY_MS = 86_400_000;

const params = z.strictObject({
  ...baseParamsShape,
  lookbackDays: z.number().int().min(1).max(365).default(90).describe('Placed Order events of this many days before now are read.'),
  minSupport: z.number().min(0).max(1).default(0.01).describe('A pair is kept when at least this share of orders holds both products.'),
  minPairCount: z.number().int().min(1).default(3).describe('…and at least this many orders hold both.'),
  maxPairs: z.number().int().min(1).max(1000).default(50).describe('At most this many pairs (by lift, then count) are returned.'),
  maxItemsPerOrder: z.number().int().min(2).max(500).default(50).describe('Orders with more distinct products count for products but not pairs (bulk orders say nothing about cross-sells).'),
  focusGroupPairs: z.number().int().min(1).max(10).default(4).describe('Top pairs put to the focus group, one Likert question each.'),
  personaIds: z.array(z.string().min(1)).max(10).optional().describe('Personas for the focus group; default: the CLV-tier personas of persona-enrichment, else the workspace\'s own personas.'),
  personaCount: z.number().int().min(1).max(10).default(3).describe('Personas in the focus group.'),
  responsesPerPersona: z.number().int().min(1).max(50).default(2).describe('Answers each persona gives per question.'),
});
export type ProductAffinityParams = z.output<typeof params>;

/** Default 3 personas × 5 questions (one Likert per top pair + one NPS), 2 responses each. */
export function buildCrossSellFocusGroup(pairs: ProductPair[], title: (id: string) => string, personaIds: string[], p: ProductAffinityParams): FocusGroupDescription {
  const top = pairs.slice(0, p.focusGroupPairs);
  return {
    name: `Cross-sell validation: ${top.map((pair) => `${title(pair.a)} + ${title(pair.b)}`).join(', ')}`.slice(0, 200),
    personaIds,
    stimulus: [
      'Our shop considers recommending these products together, based on what customers buy together:',
      ...top.map((pair) => `- ${title(pair.a)} with ${title(pair.b)} (bought together in ${pair.count} orders, lift ${pair.lift})`),
    ].join('\n'),
    questions: [
      ...top.map((pair) => ({ kind: 'likert' as const, scale: 5 as const, text: `When buying ${title(pair.a)}, how appealing would an offer to add ${title(pair.b)} be?` })),
      { kind: 'nps' as const, text: 'How likely are you to recommend a shop that suggests pairings like these to a friend?' },
    ],
    responsesPerPersona: p.responsesPerPersona,
  };
}

export const productAffinityJob = defineJob({
  name: 'product-affinity',
  description: 'Catalog + Placed Order events in a lookback → co-purchased product pairs (count, support, confidence, lift) → a Focus Group validating the top pairs as cross-sells.',
  params,
  async run(ctx, p: ProductAffinityParams) {
    const titles = new Map<string, string>();
    for await (const page of ctx.cache.pages<CatalogItem>('klaviyo:catalog-items', CACHE_TTL_MS.catalog, () => ctx.klaviyo.catalogItems({ signal: ctx.signal }))) {
      for (const item of page) titles.set(item.external_id, item.title);
    }
    const metricId = await placedOrderMetricId(ctx);

    const until = ctx.clock();
    const since = new Date(until.getTime() - p.lookbackDays * DAY_MS);
    const counter = createCoPurchaseCounter({ maxItemsPerOrder: p.maxItemsPerOrder });
    for await (const page of ctx.klaviyo.orderEvents({ signal: ctx.signal, metricId, since: since.toISOString(), until: until.toISOString() })) {
      ctx.signal.throwIfAborted();
      for (const order of page) counter.add(order.productIds);
      ctx.progress('reading orders', counter.orders, null);
    }
    const pairs = counter.pairs(p.minSupport, p.minPairCount).slice(0, p.maxPairs);
    const title = (id: string) => titles.get(id) ?? id;
    const named = pairs.map((pair) => ({ ...pair, a_title: title(pair.a), b_title: title(pair.b) }));

    let focusGroup: { id: string | null; result: unknown; personas_source: string; persona_ids: string[] } | null = null;
    if (pairs.length > 0) {
      const panel = await focusGroupPanel(ctx, p.personaIds, p.personaCount);
      await ctx.mavera.preflight(MAVERA_COST_CEILINGS.focusGroup);
      ctx.progress('running focus group', 0, 1);
      const answer = await ctx.mavera.focusGroup(buildCrossSellFocusGroup(pairs, title, panel.personaIds, p));
      focusGroup = { id: answer?.id ?? null, result: answer?.result ?? null, personas_source: panel.source, persona_ids: panel.personaIds };
    }
    return {
      orders_scanned: counter.orders,
      oversized_orders: counter.oversizedOrders,
      window: { since: since.toISOString(), until: until.toISOString() },
      pairs: named,
      focus_group: focusGroup,
      ...(p.dryRun ? { estimated_max_credits: pairs.length > 0 ? MAVERA_COST_CEILINGS.focusGroup : 0, mavera_requests: ctx.mavera.requests } : {}),
    };
  },
});
