import { describe, expect, it } from 'vitest';
import { channelTotals, matchCampaignPairs, statsByCampaign } from '../../services/jobs/channel-comparison-core.js';
import { createClvTierAggregator } from '../../services/jobs/clv-tiers.js';
import { createCoPurchaseCounter } from '../../services/jobs/co-purchase-core.js';
import { findUnderperformers, messagePerformance } from '../../services/jobs/flow-performance-core.js';
import { createMemberSet, createProfileInterner, pairwiseOverlaps, redundantClusters } from '../../services/jobs/segment-overlap-core.js';
import { buildProfile } from './helpers/fakes.js';

describe('CLV tiers', () => {
  it('when 100 profiles with CLV 1..100 are split at 50/80/95, then tiers hold 50/30/15/5 with exact stats', () => {
    const aggregator = createClvTierAggregator();
    aggregator.add(Array.from({ length: 100 }, (_, i) => buildProfile({ id: `p${i}`, predicted_clv: 100 - i, churn_probability: i < 10 ? 0.9 : 0.1 })));
    aggregator.add([buildProfile({ predicted_clv: null })]);
    const { profilesWithPredictions, tiers } = aggregator.tiers([50, 80, 95], [0.33, 0.66]);
    expect(aggregator.scanned).toBe(101);
    expect(profilesWithPredictions).toBe(100);
    expect(tiers.map((t) => t.count)).toEqual([50, 30, 15, 5]);
    expect(tiers[0]?.clv).toEqual({ min: 1, median: 25.5, mean: 25.5, max: 50 });
    expect(tiers[3]).toMatchObject({ label: 'top 5%', clv: { min: 96, max: 100 }, churn_mix: { high: 5, low: 0 } });
    expect(tiers[2]?.churn_mix).toEqual({ low: 10, medium: 0, high: 5, unknown: 0 });
  });

  it('when many profiles share one CLV, then they all land in the same tier', () => {
    const aggregator = createClvTierAggregator();
    aggregator.add(Array.from({ length: 10 }, () => buildProfile({ predicted_clv: 7 })));
    const { tiers } = aggregator.tiers([50], [0.33, 0.66]);
    expect(tiers.map((t) => t.count)).toEqual([10, 0]);
  });
});

describe('segment overlap', () => {
  const segment = (interner: ReturnType<typeof createProfileInterner>, ids: string[]) => {
    const set = createMemberSet();
    for (const id of ids) set.add(interner.indexOf(id));
    return set.finish();
  };

  it('when segments share members, then intersections, Jaccard and overlap-of-smaller are exact and duplicates ignored', () => {
    const interner = createProfileInterner();
    const a = { id: 'A', members: segment(interner, ['1', '2', '3', '4', '4']) };
    const b = { id: 'B', members: segment(interner, ['3', '4', '5']) };
    const c = { id: 'C', members: segment(interner, ['9']) };
    const overlaps = pairwiseOverlaps([a, b, c]);
    expect(overlaps).toEqual([{ a: 'A', b: 'B', intersection: 2, jaccard: 0.4, overlap_of_smaller: 0.6667 }]);
    expect(redundantClusters(['A', 'B', 'C'], overlaps, 'overlap_of_smaller', 0.6)).toEqual([['A', 'B']]);
    expect(redundantClusters(['A', 'B', 'C'], overlaps, 'jaccard', 0.6)).toEqual([]);
  });
});

describe('co-purchase', () => {
  it('when orders are counted, then pairs carry count, support, confidence and lift; oversized orders add no pairs', () => {
    const counter = createCoPurchaseCounter({ maxItemsPerOrder: 3 });
    for (const order of [['a', 'b'], ['a', 'b', 'a'], ['a', 'c'], ['b'], ['x', 'y', 'z', 'w']]) counter.add(order);
    const pairs = counter.pairs(0, 1);
    expect(counter.orders).toBe(5);
    expect(counter.oversizedOrders).toBe(1);
    expect(pairs.find((p) => p.a === 'a' && p.b === 'b')).toEqual({ a: 'a', b: 'b', count: 2, support: 0.4, confidence_a_to_b: 0.6667, confidence_b_to_a: 0.6667, lift: 1.1111 });
    expect(pairs.some((p) => p.a === 'w' || p.a === 'x')).toBe(false);
    expect(counter.pairs(0.3, 1).map((p) => `${p.a}${p.b}`)).toEqual(['ab']);
  });
});

describe('flow performance', () => {
  const row = (id: string, channel: string, recipients: number, rate: number) => ({
    groupings: { flow_id: 'f', flow_message_id: id, send_channel: channel },
    statistics: { recipients, open_rate: rate, click_rate: rate, conversion_rate: rate, revenue_per_recipient: rate },
  });
  it('when one message is far below its channel median, then only it is flagged; small messages are not judged', () => {
    const rows = [row('m1', 'email', 500, 0.3), row('m2', 'email', 500, 0.32), row('m3', 'email', 500, 0.05), row('m4', 'email', 50, 0.01), row('s1', 'sms', 500, 0.05)];
    const flagged = findUnderperformers(messagePerformance(rows), { factor: 0.8, minRecipients: 100, minMetricsBelow: 2, metrics: ['open_rate', 'click_rate', 'conversion_rate', 'revenue_per_recipient'] });
    expect(flagged.map((m) => m.message_id)).toEqual(['m3']);
    expect(flagged[0]?.below).toHaveLength(4);
  });
});

describe('channel comparison', () => {
  it('when report rows are summed per channel, then rates come from the totals and pairs match by name', () => {
    const rows = [
      { groupings: { send_channel: 'email', campaign_id: 'e1' }, statistics: { recipients: 100, delivered: 100, opens_unique: 40, clicks_unique: 10, conversion_uniques: 2, conversion_value: 50 } },
      { groupings: { send_channel: 'email', campaign_id: 'e2' }, statistics: { recipients: 300, delivered: 300, opens_unique: 60, clicks_unique: 10, conversion_uniques: 2, conversion_value: 50 } },
      { groupings: { send_channel: 'sms', campaign_id: 's1' }, statistics: { recipients: 100, delivered: 100, opens_unique: 0, clicks_unique: 20, conversion_uniques: 5, conversion_value: 80 } },
    ];
    const email = channelTotals('email', statsByCampaign(rows, 'email').values());
    expect(email).toMatchObject({ campaigns: 2, recipients: 400, clicks_unique: 20, open_rate: 0.25, click_rate: 0.05, conversion_value: 100, revenue_per_recipient: 0.25 });
    expect(channelTotals('sms', statsByCampaign(rows, 'sms').values()).open_rate).toBeNull();
    const c = (id: string, name: string) => ({ id, name, status: 'Sent', send_time: null });
    expect(matchCampaignPairs([c('e1', 'Flash Sale (Email)'), c('e2', 'Other')], [c('s1', 'Flash sale - SMS')]).map((p) => [p.email.id, p.sms.id])).toEqual([['e1', 's1']]);
  });
});

describe('live enumerations', () => {
  it('when ranked_channel_affinity and send_channel come in another case, then they count as the same channel', () => {
    const aggregator = createClvTierAggregator();
    aggregator.add([buildProfile({ ranked_channel_affinity: ['EMAIL'] }), buildProfile({ ranked_channel_affinity: ['Sms'] })]);
    expect(aggregator.tiers([50], [0.33, 0.66]).tiers[0]?.channel_affinity).toEqual({ email: 1, sms: 1 });
    const rows = [
      { groupings: { flow_message_id: 'm1', flow_id: 'f', send_channel: 'Email' }, statistics: { recipients: 100, click_rate: 0.1 } },
      { groupings: { flow_message_id: 'm2', flow_id: 'f', send_channel: 'email' }, statistics: { recipients: 100, click_rate: 0.1 } },
    ];
    expect(new Set(messagePerformance(rows).map((m) => m.channel))).toEqual(new Set(['email']));
    const campaignRows = [{ groupings: { campaign_id: 'c1', send_channel: 'SMS' }, statistics: { recipients: 10 } }];
    expect(statsByCampaign(campaignRows, 'sms').get('c1')?.recipients).toBe(10);
  });
});
