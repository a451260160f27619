import { z } from 'zod';
import type { FocusGroupDescription } from '../mavera/focus-group-adapter.js';
import { CAMPAIGN_REPORT_STATISTICS, channelTotals, matchCampaignPairs, statsByCampaign, type ChannelTotals } from './channel-comparison-core.js';
import { focusGroupPanel } from './focus-group-personas.js';
import { baseParamsShape, defineJob } from './job-definition.js';
import type { CampaignSummary, ValuesReportRow } from './klaviyo-reads.js';
import { MAVERA_COST_CEILINGS } from './mavera-calls.js';
import { placedOrderMetricId } from './placed-order-metric.js';
import { CACHE_TTL_MS } from './read-cache.js';

const DAY_MS = 86_400_000;

const params = z.strictObject({
  ...baseParamsShape,
  lookbackDays: z.number().int().min(1).max(365).default(90).describe('Campaigns sent in this many days before now are compared.'),
  personaIds: z.array(z.string().min(1)).max(10).optional().describe('Personas for the focus group; default: the CLV-tier personas of persona-enrichment, else the workspace\'s own personas.'),
  personaCount: z.number().int().min(1).max(10).default(3).describe('Personas in the focus group.'),
  responsesPerPersona: z.number().int().min(1).max(50).default(2).describe('Answers each persona gives per question.'),
});
export type SmsVsEmailParams = z.output<typeof params>;

const pct = (v: number | null) => (v === null ? 'n/a' : `${Math.round(v * 10_000) / 100}%`);

export function buildChannelFocusGroup(email: ChannelTotals, sms: ChannelTotals, personaIds: string[], p: SmsVsEmailParams): FocusGroupDescription {
  const line = (t: ChannelTotals) =>
    `${t.channel === 'sms' ? 'SMS' : 'Email'}: ${t.campaigns} campaigns, ${t.recipients} recipients, open ${pct(t.open_rate)}, click ${pct(t.click_rate)}, conversion ${pct(t.conversion_rate)}, revenue per recipient $${t.revenue_per_recipient.toFixed(2)}`;
  return {
    name: `Channel preference: email vs SMS (last ${p.lookbackDays} days)`,
    personaIds,
    stimulus: ['Our recent campaign results by channel:', line(email), line(sms)].join('\n'),
    questions: [
      { kind: 'likert', scale: 5, text: 'How much do you like receiving promotions from this shop by email?' },
      { kind: 'likert', scale: 5, text: 'How much do you like receiving promotions from this shop by SMS?' },
      { kind: 'likert', scale: 5, text: 'How likely are you to act on a time-limited offer sent by SMS rather than email?' },
      { kind: 'nps', text: 'How likely are you to recommend this shop based on how it contacts you?' },
      { kind: 'open', text: 'Which kinds of messages do you want by SMS, and which by email, and why?' },
    ],
    responsesPerPersona: p.responsesPerPersona,
  };
}

export const smsVsEmailJob = defineJob({
  name: 'sms-vs-email',
  description: 'Sent email and SMS campaigns in a lookback → campaign-values-report per channel → channel totals and matched campaign pairs → a Focus Group on channel preference.',
  params,
  async run(ctx, p: SmsVsEmailParams) {
    const now = ctx.clock();
    const since = new Date(now.getTime() - p.lookbackDays * DAY_MS).toISOString();
    const campaigns: Record<'email' | 'sms', CampaignSummary[]> = { email: [], sms: [] };
    for (const channel of ['email', 'sms'] as const) {
      ctx.progress('reading campaigns', 0, null);
      const pages = ctx.cache.pages<CampaignSummary>(`klaviyo:campaigns:${channel}:sent-since:${since.slice(0, 13)}`, CACHE_TTL_MS.campaigns, () =>
        ctx.klaviyo.campaigns(channel, { signal: ctx.signal, sentSince: since }),
      );
      for await (const page of pages) campaigns[channel].push(...page);
    }
    const metricId = await placedOrderMetricId(ctx);

    // One report for both channels (rows are grouped by send_channel): 1 of the 2/min, 225/day budget.
    // The timeframe is rounded to the hour so runs within the cache lifetime share the cached report.
    const hour = new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000);
    const timeframe = { start: new Date(hour.getTime() - p.lookbackDays * DAY_MS).toISOString(), end: hour.toISOString() };
    const query = { statistics: [...CAMPAIGN_REPORT_STATISTICS], timeframe, conversionMetricId: metricId, filter: 'contains-any(send_channel,["email","sms"])' };
    ctx.progress('reading campaign report', 0, 1);
    const rows = await ctx.cache.value<ValuesReportRow[]>(`klaviyo:campaign-values:${JSON.stringify(query)}`, CACHE_TTL_MS.reports, () => ctx.klaviyo.campaignValuesReport(query, { signal: ctx.signal }));
    const email = statsByCampaign(rows, 'email');
    const sms = statsByCampaign(rows, 'sms');
    const channels = { email: channelTotals('email', email.values()), sms: channelTotals('sms', sms.values()) };
    const pairs = matchCampaignPairs(campaigns.email, campaigns.sms).map((pair) => ({
      name: pair.name,
      email: { campaign_id: pair.email.id, ...(email.get(pair.email.id) ?? {}) },
      sms: { campaign_id: pair.sms.id, ...(sms.get(pair.sms.id) ?? {}) },
    }));

    const panel = await focusGroupPanel(ctx, p.personaIds, p.personaCount);
    await ctx.mavera.preflight(MAVERA_COST_CEILINGS.focusGroup);
    ctx.progress('running focus group', 0, 1);
    const answer = await ctx.mavera.focusGroup(buildChannelFocusGroup(channels.email, channels.sms, panel.personaIds, p));
    return {
      window: timeframe,
      channels,
      pairs,
      focus_group: { id: answer?.id ?? null, result: answer?.result ?? null, personas_source: panel.source, persona_ids: panel.personaIds },
      ...(p.dryRun ? { estimated_max_credits: MAVERA_COST_CEILINGS.focusGroup, mavera_requests: ctx.mavera.requests } : {}),
    };
  },
});
