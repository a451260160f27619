import type { PredictiveProfile } from './klaviyo-reads.js';
import { enumKey } from './same-enum.js';

/**
 * The pure core of persona-enrichment: profiles stream in page by page and are kept as a few typed
 * columns (about 40 bytes a profile, nothing per-profile as objects), then split into CLV tiers by
 * quantiles of predicted CLV. Tier membership is by value (nearest-rank thresholds; ties go to the
 * lower tier), so every profile with the same CLV lands in the same tier.
 */
export type ChurnBand = 'low' | 'medium' | 'high' | 'unknown';
const CHANNEL_CODES = ['none', 'email', 'sms', 'push', 'whatsapp'] as const;

export interface TierStats {
  tier: number;
  label: string;
  /** Percentile range of predicted CLV, e.g. [80, 95]. */
  percentiles: [number, number];
  count: number;
  clv: { min: number; median: number; mean: number; max: number };
  average_order_value: number | null;
  historic_orders: number | null;
  days_between_orders: number | null;
  churn_mix: Record<ChurnBand, number>;
  channel_affinity: Record<string, number>;
}

class GrowableColumn {
  values = new Float64Array(1024);
  length = 0;
  push(value: number): void {
    if (this.length === this.values.length) {
      const next = new Float64Array(this.values.length * 2);
      next.set(this.values);
      this.values = next;
    }
    this.values[this.length] = value;
    this.length += 1;
  }
  at(i: number): number {
    return this.values[i] ?? Number.NaN;
  }
}

const num = (v: number | null): number => (v === null || !Number.isFinite(v) ? Number.NaN : v);
const round2 = (v: number) => Math.round(v * 100) / 100;
const meanOrNull = (sum: number, n: number) => (n === 0 ? null : round2(sum / n));

export function percentileLabel(lo: number, hi: number): string {
  if (hi === 100) return `top ${100 - lo}%`;
  if (lo === 0) return `bottom ${hi}%`;
  return `${lo}th–${hi}th percentile`;
}

export function createClvTierAggregator() {
  const columns = { clv: new GrowableColumn(), churn: new GrowableColumn(), aov: new GrowableColumn(), orders: new GrowableColumn(), days: new GrowableColumn(), channel: new GrowableColumn() };
  let scanned = 0;

  return {
    add(page: readonly PredictiveProfile[]): void {
      for (const p of page) {
        scanned += 1;
        // Live Klaviyo answers a profile without predictions with ten fields all null, not a missing
        // object: such a profile has no predicted CLV and must not become a CLV-0 member of a tier.
        if (p.predicted_clv === null || !Number.isFinite(p.predicted_clv)) continue;
        columns.clv.push(p.predicted_clv);
        columns.churn.push(num(p.churn_probability));
        columns.aov.push(num(p.average_order_value));
        columns.orders.push(num(p.historic_number_of_orders));
        columns.days.push(num(p.average_days_between_orders));
        const top = p.ranked_channel_affinity?.[0];
        const code = CHANNEL_CODES.indexOf((top === undefined ? 'none' : enumKey(top)) as (typeof CHANNEL_CODES)[number]);
        columns.channel.push(code < 0 ? 0 : code);
      }
    },

    get scanned(): number {
      return scanned;
    },

    /** Tiers for `cutPoints` (ascending percentiles in (0, 100)) and churn band edges [low, high]. */
    tiers(cutPoints: readonly number[], churnEdges: readonly [number, number]): { profilesWithPredictions: number; tiers: TierStats[] } {
      const n = columns.clv.length;
      const sorted = columns.clv.values.slice(0, n).sort();
      const thresholds = cutPoints.map((p) => sorted[Math.max(0, Math.ceil((p / 100) * n) - 1)] ?? Number.NEGATIVE_INFINITY);
      const bounds = [0, ...cutPoints, 100];
      const tierOf = (clv: number) => {
        const index = thresholds.findIndex((t) => clv <= t);
        return index === -1 ? thresholds.length : index;
      };
      const acc = bounds.slice(1).map(() => ({ count: 0, clvSum: 0, aov: [0, 0] as [number, number], orders: [0, 0] as [number, number], days: [0, 0] as [number, number], churn: { low: 0, medium: 0, high: 0, unknown: 0 } as Record<ChurnBand, number>, channels: {} as Record<string, number> }));
      for (let i = 0; i < n; i += 1) {
        const a = acc[tierOf(columns.clv.at(i))];
        if (!a) continue;
        a.count += 1;
        a.clvSum += columns.clv.at(i);
        for (const [key, column] of [['aov', columns.aov], ['orders', columns.orders], ['days', columns.days]] as const) {
          const v = column.at(i);
          if (!Number.isNaN(v)) { a[key][0] += v; a[key][1] += 1; }
        }
        const churn = columns.churn.at(i);
        a.churn[Number.isNaN(churn) ? 'unknown' : churn < churnEdges[0] ? 'low' : churn <= churnEdges[1] ? 'medium' : 'high'] += 1;
        const channel = CHANNEL_CODES[columns.channel.at(i)] ?? 'none';
        a.channels[channel] = (a.channels[channel] ?? 0) + 1;
      }
      // Tiers are value ranges, so each is a contiguous run of the sorted column: min, max, median from it.
      let start = 0;
      const tiers = acc.map((a, tier): TierStats => {
        const run = sorted.subarray(start, start + a.count);
        start += a.count;
        const mid = run.length === 0 ? Number.NaN : run.length % 2 === 1 ? (run[(run.length - 1) / 2] ?? 0) : ((run[run.length / 2 - 1] ?? 0) + (run[run.length / 2] ?? 0)) / 2;
        const lo = bounds[tier] ?? 0;
        const hi = bounds[tier + 1] ?? 100;
        return {
          tier: tier + 1,
          label: percentileLabel(lo, hi),
          percentiles: [lo, hi],
          count: a.count,
          clv: a.count === 0 ? { min: 0, median: 0, mean: 0, max: 0 } : { min: round2(run[0] ?? 0), median: round2(mid), mean: round2(a.clvSum / a.count), max: round2(run[run.length - 1] ?? 0) },
          average_order_value: meanOrNull(...a.aov),
          historic_orders: meanOrNull(...a.orders),
          days_between_orders: meanOrNull(...a.days),
          churn_mix: a.churn,
          channel_affinity: a.channels,
        };
      });
      return { profilesWithPredictions: n, tiers };
    },
  };
}
