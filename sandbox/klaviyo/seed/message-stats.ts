/**
 * Reporting statistics of one message, derived from integer counts so every rate agrees with its
 * counts (rates are fractions in [0, 1], as Klaviyo reports them). SMS has no opens: its open
 * counts and rates are 0.
 */
import { round2, type Prng } from '../prng.js';

export interface MessageStats {
  recipients: number;
  delivered: number;
  opens_unique: number;
  clicks_unique: number;
  conversion_uniques: number;
  conversion_value: number;
  unsubscribe_uniques: number;
}

export interface RateProfile {
  openRate: number;
  clickRate: number;
  conversionRate: number;
  /** Average conversion value, in the account currency. */
  orderValue: number;
}

export function drawStats(random: Prng, recipients: number, rates: RateProfile, channel: 'email' | 'sms', jitter = 0.15): MessageStats {
  const vary = (value: number) => value * (1 + random.between(-jitter, jitter));
  const delivered = Math.round(recipients * 0.98);
  const conversions = Math.round(recipients * vary(rates.conversionRate));
  return {
    recipients,
    delivered,
    opens_unique: channel === 'email' ? Math.round(delivered * vary(rates.openRate)) : 0,
    clicks_unique: Math.round(delivered * vary(rates.clickRate)),
    conversion_uniques: conversions,
    // Order values vary less than rates, so revenue per recipient stays as tight as the rates.
    conversion_value: round2(conversions * rates.orderValue * (1 + random.between(-jitter / 3, jitter / 3))),
    unsubscribe_uniques: Math.round(delivered * 0.002),
  };
}

function rate(count: number, of: number): number {
  return of > 0 ? Math.round((count / of) * 1e6) / 1e6 : 0;
}

/** Every statistic the sandbox can report, by Klaviyo's names. */
export function statisticsOf(stats: MessageStats): Record<string, number> {
  const { recipients, delivered } = stats;
  return {
    recipients,
    delivered,
    delivery_rate: rate(delivered, recipients),
    bounced: recipients - delivered,
    bounce_rate: rate(recipients - delivered, recipients),
    bounced_or_failed: recipients - delivered,
    bounced_or_failed_rate: rate(recipients - delivered, recipients),
    failed: 0,
    failed_rate: 0,
    opens: stats.opens_unique,
    opens_unique: stats.opens_unique,
    open_rate: rate(stats.opens_unique, delivered),
    clicks: stats.clicks_unique,
    clicks_unique: stats.clicks_unique,
    click_rate: rate(stats.clicks_unique, delivered),
    click_to_open_rate: rate(stats.clicks_unique, stats.opens_unique),
    conversions: stats.conversion_uniques,
    conversion_uniques: stats.conversion_uniques,
    conversion_rate: rate(stats.conversion_uniques, delivered),
    conversion_value: stats.conversion_value,
    average_order_value: stats.conversion_uniques > 0 ? round2(stats.conversion_value / stats.conversion_uniques) : 0,
    revenue_per_recipient: recipients > 0 ? Math.round((stats.conversion_value / recipients) * 1e4) / 1e4 : 0,
    unsubscribes: stats.unsubscribe_uniques,
    unsubscribe_uniques: stats.unsubscribe_uniques,
    unsubscribe_rate: rate(stats.unsubscribe_uniques, delivered),
    spam_complaints: 0,
    spam_complaint_rate: 0,
  };
}
