import { z } from 'zod';
import type { PersonaCreateBody } from '../mavera/types.js';
import { createClvTierAggregator, type TierStats } from './clv-tiers.js';
import { baseParamsShape, defineJob } from './job-definition.js';
import type { PredictiveProfile } from './klaviyo-reads.js';
import { CACHE_TTL_MS } from './read-cache.js';

export const PERSONA_NAME_PREFIX_DEFAULT = 'Klaviyo CLV';

const params = z
  .strictObject({
    ...baseParamsShape,
    clvCutPoints: z
      .array(z.number().gt(0).lt(100))
      .min(1)
      .max(9)
      .default([50, 80, 95])
      .refine((cuts) => cuts.every((c, i) => i === 0 || c > (cuts[i - 1] ?? 0)), 'must be strictly increasing')
      .describe('Percentiles of predicted CLV that split the tiers; [50, 80, 95] gives four tiers.'),
    churnBands: z
      .tuple([z.number().min(0).max(1), z.number().min(0).max(1)])
      .default([0.33, 0.66])
      .refine(([low, high]) => low < high, 'the first edge must be below the second')
      .describe('Churn probability edges: below the first is low, above the second is high.'),
    personaNamePrefix: z.string().min(1).max(60).default(PERSONA_NAME_PREFIX_DEFAULT).describe('Each persona is named "<prefix>: <tier label>" and upserted by that name.'),
    pageSize: z.number().int().min(1).max(100).default(100).describe('Profiles per Klaviyo page (Klaviyo allows at most 100).'),
  });
export type PersonaEnrichmentParams = z.output<typeof params>;

export const personaName = (prefix: string, tier: Pick<TierStats, 'label'>) => `${prefix}: ${tier.label}`;

const money = (v: number | null) => (v === null ? 'unknown' : `$${v.toFixed(2)}`);

/** The persona body for a tier: the same body is POSTed when new and PATCHed when it exists. */
export function buildTierPersona(prefix: string, tier: TierStats, churnEdges: readonly [number, number]): PersonaCreateBody {
  const topChannels = Object.entries(tier.channel_affinity)
    .filter(([channel]) => channel !== 'none')
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([channel]) => (channel === 'sms' ? 'SMS' : channel[0]?.toUpperCase() + channel.slice(1)));
  const churnShare = (band: 'low' | 'medium' | 'high') => (tier.count === 0 ? 0 : Math.round((tier.churn_mix[band] / tier.count) * 100));
  return {
    name: personaName(prefix, tier),
    pipeline_type: 'intermediate',
    type: 'B2C',
    description:
      `Klaviyo customers in the ${tier.label} of predicted CLV (${tier.count} profiles): predicted CLV ${money(tier.clv.min)}–${money(tier.clv.max)} ` +
      `(median ${money(tier.clv.median)}, mean ${money(tier.clv.mean)}), average order value ${money(tier.average_order_value)}, ` +
      `${tier.historic_orders ?? 'unknown'} orders on average, churn risk ${churnShare('low')}% low (<${churnEdges[0]}), ` +
      `${churnShare('medium')}% medium, ${churnShare('high')}% high (>${churnEdges[1]}).`,
    goals: [`Get good value at an average order of ${money(tier.average_order_value)}`],
    pains: churnShare('high') >= 50 ? ['Losing interest: most of this tier is at high risk of churn'] : ['Irrelevant or too frequent messages'],
    channels: topChannels.length > 0 ? topChannels : ['Email'],
    purchase_cadence: tier.days_between_orders === null ? 'unknown' : `every ~${Math.round(tier.days_between_orders)} days`,
  };
}

export const personaEnrichmentJob = defineJob({
  name: 'persona-enrichment',
  description: 'Profiles with predictive analytics → CLV tiers × churn bands → one Mavera Custom Persona per tier, upserted by name.',
  params,
  async run(ctx, p: PersonaEnrichmentParams) {
    const aggregator = createClvTierAggregator();
    const pages = ctx.cache.pages<PredictiveProfile>(`klaviyo:profiles:predictive:ps${p.pageSize}`, CACHE_TTL_MS.predictiveAnalytics, () =>
      ctx.klaviyo.profilesWithPredictions({ signal: ctx.signal, pageSize: p.pageSize }),
    );
    for await (const page of pages) {
      ctx.signal.throwIfAborted();
      aggregator.add(page);
      ctx.progress('reading profiles', aggregator.scanned, null);
    }
    const { profilesWithPredictions, tiers } = aggregator.tiers(p.clvCutPoints, p.churnBands);
    const bodies = tiers.filter((t) => t.count > 0).map((tier) => buildTierPersona(p.personaNamePrefix, tier, p.churnBands));

    ctx.progress('upserting personas', 0, bodies.length);
    let ceiling = 0;
    for (const body of bodies) ceiling += await ctx.mavera.personaCeiling(body.name);
    await ctx.mavera.preflight(ceiling);
    const personas = [];
    for (const body of bodies) {
      ctx.signal.throwIfAborted();
      personas.push(await ctx.mavera.upsertPersona(body));
      ctx.progress('upserting personas', personas.length, bodies.length);
    }
    return {
      profiles_scanned: aggregator.scanned,
      profiles_with_predictions: profilesWithPredictions,
      tiers,
      personas,
      ...(p.dryRun ? { estimated_max_credits: ceiling, mavera_requests: ctx.mavera.requests } : {}),
    };
  },
});
