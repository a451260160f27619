import type { CampaignSummary, ValuesReportRow } from './klaviyo-reads.js';
import { sameEnum } from './same-enum.js';

/**
 * The pure core of sms-vs-email: per-channel totals from campaign report rows (counts summed, rates
 * recomputed from the totals so big campaigns weigh more), and email/SMS campaigns paired by name.
 */
export const CAMPAIGN_COUNT_STATISTICS = ['recipients', 'delivered', 'opens_unique', 'clicks', 'clicks_unique', 'conversions', 'conversion_uniques', 'conversion_value'] as const;
export const CAMPAIGN_REPORT_STATISTICS = [...CAMPAIGN_COUNT_STATISTICS, 'open_rate', 'click_rate', 'conversion_rate', 'revenue_per_recipient'] as const;

type Counts = Record<(typeof CAMPAIGN_COUNT_STATISTICS)[number], number>;

export interface ChannelTotals extends Counts {
  channel: 'email' | 'sms';
  campaigns: number;
  open_rate: number | null;
  click_rate: number;
  conversion_rate: number;
  revenue_per_recipient: number;
}

export interface CampaignStats extends Counts {
  campaign_id: string;
}

const zeroCounts = (): Counts => Object.fromEntries(CAMPAIGN_COUNT_STATISTICS.map((s) => [s, 0])) as Counts;
const ratio = (n: number, d: number) => (d === 0 ? 0 : Math.round((n / d) * 1e6) / 1e6);

/** Campaign id → summed counts, for the rows of one channel. */
export function statsByCampaign(rows: readonly ValuesReportRow[], channel: string): Map<string, CampaignStats> {
  const byCampaign = new Map<string, CampaignStats>();
  for (const row of rows) {
    if (!sameEnum(row.groupings.send_channel ?? channel, channel) || !row.groupings.campaign_id) continue;
    const id = row.groupings.campaign_id;
    const entry = byCampaign.get(id) ?? { campaign_id: id, ...zeroCounts() };
    for (const s of CAMPAIGN_COUNT_STATISTICS) entry[s] += row.statistics[s] ?? 0;
    byCampaign.set(id, entry);
  }
  return byCampaign;
}

export function channelTotals(channel: 'email' | 'sms', stats: Iterable<CampaignStats>): ChannelTotals {
  const totals = zeroCounts();
  let campaigns = 0;
  for (const s of stats) {
    campaigns += 1;
    for (const key of CAMPAIGN_COUNT_STATISTICS) totals[key] += s[key];
  }
  totals.conversion_value = Math.round(totals.conversion_value * 100) / 100;
  return {
    channel,
    campaigns,
    ...totals,
    open_rate: channel === 'email' ? ratio(totals.opens_unique, totals.delivered || totals.recipients) : null,
    click_rate: ratio(totals.clicks_unique, totals.delivered || totals.recipients),
    conversion_rate: ratio(totals.conversion_uniques, totals.recipients),
    revenue_per_recipient: ratio(totals.conversion_value, totals.recipients),
  };
}

const normalise = (name: string) => name.toLowerCase().replace(/\b(email|sms|text)\b/g, '').replace(/[^a-z0-9]+/g, ' ').trim();

/** Email and SMS campaigns that ran the same message: equal names once channel words are dropped. */
export function matchCampaignPairs(email: readonly CampaignSummary[], sms: readonly CampaignSummary[]): Array<{ name: string; email: CampaignSummary; sms: CampaignSummary }> {
  const smsByName = new Map<string, CampaignSummary>();
  for (const c of sms) if (!smsByName.has(normalise(c.name))) smsByName.set(normalise(c.name), c);
  const pairs = [];
  for (const e of email) {
    const match = smsByName.get(normalise(e.name));
    if (match) {
      pairs.push({ name: e.name, email: e, sms: match });
      smsByName.delete(normalise(e.name));
    }
  }
  return pairs;
}
