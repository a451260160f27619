import type { ValuesReportRow } from './klaviyo-reads.js';
import { enumKey } from './same-enum.js';

/**
 * The pure core of flow-content-refresh: per-message report statistics, the account median of each
 * rate (per channel, since SMS has no opens and other baselines), and the messages that fall below
 * `factor` × median on at least `minMetricsBelow` of the compared rates.
 */
export const FLOW_RATE_METRICS = ['open_rate', 'click_rate', 'conversion_rate', 'revenue_per_recipient'] as const;
export type FlowRateMetric = (typeof FLOW_RATE_METRICS)[number];

export interface MessagePerformance {
  message_id: string;
  flow_id: string;
  channel: string;
  recipients: number;
  rates: Partial<Record<FlowRateMetric, number>>;
}

export interface Underperformer extends MessagePerformance {
  below: FlowRateMetric[];
  medians: Partial<Record<FlowRateMetric, number>>;
}

/** Sums report rows per flow message (a message may come back in several rows, e.g. per channel). */
export function messagePerformance(rows: readonly ValuesReportRow[]): MessagePerformance[] {
  const byMessage = new Map<string, MessagePerformance & { weights: Partial<Record<FlowRateMetric, number>> }>();
  for (const row of rows) {
    const id = row.groupings.flow_message_id;
    if (!id) continue;
    const recipients = row.statistics.recipients ?? 0;
    const entry = byMessage.get(id) ?? { message_id: id, flow_id: row.groupings.flow_id ?? '', channel: enumKey(row.groupings.send_channel ?? 'email'), recipients: 0, rates: {}, weights: {} };
    entry.recipients += recipients;
    for (const metric of FLOW_RATE_METRICS) {
      const value = row.statistics[metric];
      if (value === undefined || value === null) continue;
      // Recipient-weighted, so a message split over rows gets its true overall rate.
      entry.weights[metric] = (entry.weights[metric] ?? 0) + value * recipients;
    }
    byMessage.set(id, entry);
  }
  return [...byMessage.values()].map(({ weights, ...m }) => ({
    ...m,
    rates: Object.fromEntries(Object.entries(weights).map(([k, w]) => [k, m.recipients === 0 ? 0 : Math.round((w / m.recipients) * 1e6) / 1e6])),
  }));
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export function findUnderperformers(
  messages: readonly MessagePerformance[],
  options: { factor: number; minRecipients: number; minMetricsBelow: number; metrics: readonly FlowRateMetric[] },
): Underperformer[] {
  const eligible = messages.filter((m) => m.recipients >= options.minRecipients);
  const mediansByChannel = new Map<string, Partial<Record<FlowRateMetric, number>>>();
  for (const channel of new Set(eligible.map((m) => m.channel))) {
    const peers = eligible.filter((m) => m.channel === channel);
    const medians: Partial<Record<FlowRateMetric, number>> = {};
    for (const metric of options.metrics) {
      const value = median(peers.flatMap((m) => (m.rates[metric] === undefined ? [] : [m.rates[metric]])));
      if (value !== undefined && value > 0) medians[metric] = value;
    }
    mediansByChannel.set(channel, medians);
  }
  return eligible
    .map((m) => {
      const medians = mediansByChannel.get(m.channel) ?? {};
      const below = options.metrics.filter((metric) => {
        const rate = m.rates[metric];
        const mid = medians[metric];
        return rate !== undefined && mid !== undefined && rate < options.factor * mid;
      });
      return { ...m, below, medians };
    })
    .filter((m) => m.below.length >= Math.min(options.minMetricsBelow, Object.keys(m.medians).length || Infinity))
    .sort((a, b) => b.below.length - a.below.length || b.recipients - a.recipients || a.message_id.localeCompare(b.message_id));
}
