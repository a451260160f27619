/**
 * Facts COMPUTED from the seeded account (never hard-coded), for comparing what a job derives from
 * the API with what the account holds. Each part is computed on first access and memoised.
 * Truth describes the seeded data only: what the API wrote later (ingested events, upserts) is in
 * `report()` and `data`.
 */
import { statisticsOf } from './message-stats.js';
import type { SeededAccount } from './account.js';

const DAY_MS = 86_400_000;

export interface SegmentTruth {
  id: string;
  name: string;
  size: number;
  /** Served with `is_processing: true`: a client must report its size as partial. */
  isProcessing: boolean;
}

export interface SegmentPairTruth {
  a: string;
  b: string;
  intersection: number;
  /** |a ∩ b| / |a ∪ b| */
  jaccard: number;
  /** |a ∩ b| / min(|a|, |b|) */
  overlapOfSmaller: number;
}

export interface FlowMessageTruth {
  id: string;
  flowId: string;
  flowName: string;
  channel: 'email' | 'sms';
  statistics: Record<string, number>;
}

export interface ProductPairTruth {
  /** Product ids (catalog external ids, `ProductID` in the order items), a < b. */
  a: string;
  b: string;
  count: number;
  support: number;
  confidenceAToB: number;
  confidenceBToA: number;
  lift: number;
}

export interface ChannelTotals {
  campaigns: number;
  recipients: number;
  delivered: number;
  opens: number;
  clicks: number;
  conversions: number;
  revenue: number;
}

function memo<T>(compute: () => T): () => T {
  let value: { v: T } | null = null;
  return () => (value ??= { v: compute() }).v;
}

export class SandboxTruth {
  constructor(private readonly account: SeededAccount) {}

  get anchorTimeMs(): number {
    return this.account.anchorMs;
  }

  get placedOrderMetricId(): string {
    return this.account.metrics.find((metric) => metric.name === 'Placed Order')?.id ?? '';
  }

  /** Seeded profiles carrying `predictive_analytics`, and their predicted CLVs in id order. */
  get predictions(): { profiles: number; withPredictions: number; predictedClv: number[] } {
    return this.predictionsMemo();
  }

  private readonly predictionsMemo = memo(() => {
    const { profiles } = this.account;
    const predictedClv: number[] = [];
    for (let i = 0; i < profiles.count; i++) {
      const analytics = profiles.predictiveAnalytics(i);
      if (analytics) predictedClv.push(analytics.predicted_clv);
    }
    return { profiles: profiles.count, withPredictions: predictedClv.length, predictedClv };
  });

  get segments(): { sizes: SegmentTruth[]; pairs: SegmentPairTruth[] } {
    return this.segmentsMemo();
  }

  private readonly segmentsMemo = memo(() => {
    const { segments, profiles } = this.account;
    const count = segments.segments.length;
    const sizes = new Array<number>(count).fill(0);
    const intersections = new Array<number>(count * count).fill(0);
    const members: number[] = [];
    for (let p = 0; p < profiles.count; p++) {
      members.length = 0;
      for (let s = 0; s < count; s++) if (segments.isMember(s, p)) members.push(s);
      for (let x = 0; x < members.length; x++) {
        const a = members[x] as number;
        sizes[a] = (sizes[a] ?? 0) + 1;
        for (let y = x + 1; y < members.length; y++) intersections[a * count + (members[y] as number)]! += 1;
      }
    }
    const pairs: SegmentPairTruth[] = [];
    for (let a = 0; a < count; a++) {
      for (let b = a + 1; b < count; b++) {
        const intersection = intersections[a * count + b] ?? 0;
        const sizeA = sizes[a] ?? 0;
        const sizeB = sizes[b] ?? 0;
        const union = sizeA + sizeB - intersection;
        pairs.push({
          a: segments.segments[a]?.id ?? '',
          b: segments.segments[b]?.id ?? '',
          intersection,
          jaccard: union > 0 ? intersection / union : 0,
          overlapOfSmaller: Math.min(sizeA, sizeB) > 0 ? intersection / Math.min(sizeA, sizeB) : 0,
        });
      }
    }
    const sizesOut = segments.segments.map((segment, i) => ({ id: segment.id, name: segment.name, size: sizes[i] ?? 0, isProcessing: segment.isProcessing }));
    return { sizes: sizesOut, pairs };
  });

  /** Messages of live flows with their report statistics; the planted worst message. */
  get flows(): { messages: FlowMessageTruth[]; worstMessageId: string } {
    return this.flowsMemo();
  }

  private readonly flowsMemo = memo(() => {
    const { flows } = this.account;
    const live = new Map(flows.flows.filter((flow) => flow.status === 'live').map((flow) => [flow.id, flow]));
    const messages = flows.messages
      .filter((message) => live.has(message.flowId))
      .map((message) => ({
        id: message.id,
        flowId: message.flowId,
        flowName: live.get(message.flowId)?.name ?? '',
        channel: message.channel,
        statistics: statisticsOf(message.stats),
      }));
    // Worst = lowest conversion rate among messages with at least 100 recipients.
    const eligible = messages.filter((message) => (message.statistics.recipients ?? 0) >= 100);
    const worst = eligible.reduce((low, message) =>
      (message.statistics.conversion_rate ?? 0) < (low.statistics.conversion_rate ?? 0) ? message : low,
    );
    return { messages, worstMessageId: worst.id };
  });

  /** Per-channel totals of sent campaigns whose send time lies in [sinceMs, untilMs]. */
  campaignTotals(sinceMs: number, untilMs: number): Record<'email' | 'sms', ChannelTotals> {
    const totals = {
      email: { campaigns: 0, recipients: 0, delivered: 0, opens: 0, clicks: 0, conversions: 0, revenue: 0 },
      sms: { campaigns: 0, recipients: 0, delivered: 0, opens: 0, clicks: 0, conversions: 0, revenue: 0 },
    };
    for (const campaign of this.account.campaigns) {
      if (!campaign.stats || campaign.sendMs === null || campaign.sendMs < sinceMs || campaign.sendMs > untilMs) continue;
      const total = totals[campaign.channel];
      total.campaigns += 1;
      total.recipients += campaign.stats.recipients;
      total.delivered += campaign.stats.delivered;
      total.opens += campaign.stats.opens_unique;
      total.clicks += campaign.stats.clicks_unique;
      total.conversions += campaign.stats.conversion_uniques;
      total.revenue = Math.round((total.revenue + campaign.stats.conversion_value) * 100) / 100;
    }
    return totals;
  }

  /** Campaign totals over the default 90-day lookback before the anchor. */
  get campaigns(): Record<'email' | 'sms', ChannelTotals> {
    return this.campaignTotals(this.account.anchorMs - 90 * DAY_MS, this.account.anchorMs);
  }

  /** Co-purchase statistics over the seeded orders placed in [sinceMs, untilMs). */
  coPurchase(sinceMs: number, untilMs: number): { orders: number; pairs: ProductPairTruth[] } {
    const { orders } = this.account;
    const first = orders.firstIndexAtOrAfter(sinceMs);
    const end = orders.firstIndexAtOrAfter(untilMs);
    const itemCounts = new Map<string, number>();
    const pairCounts = new Map<string, number>();
    for (let i = first; i < end; i++) {
      const products = [...new Set(orders.order(i).lines.map((line) => line.item.externalId))].sort();
      for (const product of products) itemCounts.set(product, (itemCounts.get(product) ?? 0) + 1);
      for (let x = 0; x < products.length; x++) {
        for (let y = x + 1; y < products.length; y++) {
          const key = `${products[x]}|${products[y]}`;
          pairCounts.set(key, (pairCounts.get(key) ?? 0) + 1);
        }
      }
    }
    const total = end - first;
    const pairs = [...pairCounts].map(([key, count]) => {
      const [a = '', b = ''] = key.split('|');
      const countA = itemCounts.get(a) ?? 0;
      const countB = itemCounts.get(b) ?? 0;
      return {
        a,
        b,
        count,
        support: count / total,
        confidenceAToB: count / countA,
        confidenceBToA: count / countB,
        lift: (count * total) / (countA * countB),
      };
    });
    pairs.sort((p, q) => q.count - p.count || p.a.localeCompare(q.a) || p.b.localeCompare(q.b));
    return { orders: total, pairs };
  }

  /** Co-purchase over the default 90-day lookback before the anchor. */
  get productAffinity(): { orders: number; pairs: ProductPairTruth[] } {
    return this.coPurchase(this.account.anchorMs - 90 * DAY_MS, this.account.anchorMs);
  }
}
