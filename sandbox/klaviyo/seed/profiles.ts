/**
 * Seeded profiles, generated on demand from (seed, index): nothing is kept per profile, so an
 * account of 200,000 profiles costs no memory until the API changes one of them.
 */
import { pickBy, round2, unitAt } from '../prng.js';
import { profileIdOf } from '../ids.js';

const FIRST_NAMES = ['ada', 'alan', 'grace', 'linus', 'margaret', 'dennis', 'barbara', 'ken', 'frances', 'john', 'radia', 'guido', 'anita', 'tim', 'sophie', 'edsger', 'katherine', 'niklaus', 'hedy', 'claude'];
const LAST_NAMES = ['lovelace', 'turing', 'hopper', 'torvalds', 'hamilton', 'ritchie', 'liskov', 'thompson', 'allen', 'backus', 'perlman', 'rossum', 'borg', 'berners', 'wilson', 'dijkstra', 'johnson', 'wirth', 'lamarr', 'shannon'];
const CITIES = [
  { city: 'Boston', region: 'MA', country: 'US', zip: '02110', timezone: 'America/New_York' },
  { city: 'Austin', region: 'TX', country: 'US', zip: '73301', timezone: 'America/Chicago' },
  { city: 'Denver', region: 'CO', country: 'US', zip: '80202', timezone: 'America/Denver' },
  { city: 'Seattle', region: 'WA', country: 'US', zip: '98101', timezone: 'America/Los_Angeles' },
  { city: 'Toronto', region: 'ON', country: 'CA', zip: 'M5H 2N2', timezone: 'America/Toronto' },
  { city: 'London', region: 'England', country: 'GB', zip: 'EC1A 1BB', timezone: 'Europe/London' },
];

const DAY_MS = 86_400_000;
/** Seeded emails look like `ada.lovelace.42@example.com`; the number is the profile index. */
const SEEDED_EMAIL = /^[a-z]+\.[a-z]+\.(\d+)@example\.com$/;
/** Seeded phones are `+1555` followed by the index on 7 digits (indexes below 10 million). */
const SEEDED_PHONE = /^\+1555(\d{7})$/;
const SEEDED_EXTERNAL_ID = /^cust-(\d+)$/;

export interface PredictiveAnalytics {
  historic_clv: number;
  predicted_clv: number;
  total_clv: number;
  historic_number_of_orders: number;
  predicted_number_of_orders: number;
  average_days_between_orders: number | null;
  average_order_value: number;
  churn_probability: number;
  expected_date_of_next_order: string | null;
  ranked_channel_affinity: string[] | null;
}

/** A profile without predictions, as live Klaviyo renders it: the ten fields, every one null (not a missing or null object). */
export function withoutPredictions(): { [K in keyof PredictiveAnalytics]: null } {
  return {
    historic_clv: null,
    predicted_clv: null,
    total_clv: null,
    historic_number_of_orders: null,
    predicted_number_of_orders: null,
    average_days_between_orders: null,
    average_order_value: null,
    churn_probability: null,
    expected_date_of_next_order: null,
    ranked_channel_affinity: null,
  };
}

const CHANNEL_RANKINGS: readonly string[][] = [['email', 'sms', 'push'], ['sms', 'email', 'push'], ['email', 'push', 'sms']];

export type ProfileAttributes = Record<string, unknown> & {
  email: string | null;
  phone_number: string | null;
  external_id: string | null;
  properties: Record<string, unknown>;
  location: Record<string, unknown>;
};

export class SeededProfiles {
  constructor(
    private readonly seed: number,
    readonly count: number,
    private readonly predictiveShare: number,
    private readonly anchorMs: number,
  ) {}

  private unit(stream: string, index: number): number {
    return unitAt(this.seed, stream, index);
  }

  hasPhone(index: number): boolean {
    return index < 10_000_000 && this.unit('phone', index) < 0.7;
  }

  emailOf(index: number): string {
    return `${pickBy(FIRST_NAMES, this.unit('first', index))}.${pickBy(LAST_NAMES, this.unit('last', index))}.${index}@example.com`;
  }

  phoneOf(index: number): string | null {
    return this.hasPhone(index) ? `+1555${String(index).padStart(7, '0')}` : null;
  }

  /** Created dates grow with the index over the two years before the anchor. */
  createdMs(index: number): number {
    return this.anchorMs - 730 * DAY_MS + Math.floor(((index + 0.5) / Math.max(1, this.count)) * 729 * DAY_MS);
  }

  attributes(index: number): ProfileAttributes {
    const created = this.createdMs(index);
    const place = pickBy(CITIES, this.unit('city', index));
    const first = pickBy(FIRST_NAMES, this.unit('first', index));
    const last = pickBy(LAST_NAMES, this.unit('last', index));
    const updated = created + Math.floor(this.unit('updated', index) * (this.anchorMs - created));
    return {
      email: this.emailOf(index),
      phone_number: this.phoneOf(index),
      external_id: `cust-${index}`,
      anonymous_id: null,
      first_name: first[0]?.toUpperCase() + first.slice(1),
      last_name: last[0]?.toUpperCase() + last.slice(1),
      organization: null,
      locale: place.country === 'GB' ? 'en-GB' : 'en-US',
      title: null,
      image: null,
      created: new Date(created).toISOString(),
      updated: new Date(updated).toISOString(),
      last_event_date: new Date(updated).toISOString(),
      location: { address1: null, address2: null, ...place, ip: null, latitude: null, longitude: null },
      properties: { loyalty_tier: pickBy(['bronze', 'silver', 'gold'], this.unit('tier', index)), seeded: true },
    };
  }

  hasPredictions(index: number): boolean {
    return this.unit('predictive', index) < this.predictiveShare;
  }

  predictiveAnalytics(index: number): PredictiveAnalytics | null {
    if (!this.hasPredictions(index)) return null;
    const orders = 1 + Math.floor(this.unit('pa-orders', index) ** 2 * 12);
    const aov = round2(20 + this.unit('pa-aov', index) * 180);
    const predictedOrders = round2(this.unit('pa-future', index) * 6);
    const historicClv = round2(orders * aov);
    const predictedClv = round2(predictedOrders * aov);
    const daysBetween = orders > 1 ? round2(15 + this.unit('pa-days', index) * 120) : null;
    return {
      historic_clv: historicClv,
      predicted_clv: predictedClv,
      total_clv: round2(historicClv + predictedClv),
      historic_number_of_orders: orders,
      predicted_number_of_orders: predictedOrders,
      average_days_between_orders: daysBetween,
      average_order_value: aov,
      churn_probability: round2(this.unit('pa-churn', index)),
      expected_date_of_next_order: daysBetween === null ? null : new Date(this.anchorMs + daysBetween * DAY_MS).toISOString(),
      ranked_channel_affinity: [...pickBy(CHANNEL_RANKINGS, this.unit('pa-channel', index))],
    };
  }

  emailConsent(index: number): 'SUBSCRIBED' | 'UNSUBSCRIBED' | 'NEVER_SUBSCRIBED' {
    const u = this.unit('email-consent', index);
    return u < 0.7 ? 'SUBSCRIBED' : u < 0.85 ? 'UNSUBSCRIBED' : 'NEVER_SUBSCRIBED';
  }

  smsConsent(index: number): 'SUBSCRIBED' | 'NEVER_SUBSCRIBED' {
    return this.hasPhone(index) && this.unit('sms-consent', index) < 0.45 ? 'SUBSCRIBED' : 'NEVER_SUBSCRIBED';
  }

  idOf(index: number): string {
    return profileIdOf(index);
  }

  /** The seeded index an identifier was generated for (the caller checks it still holds it). */
  seededIndexOf(field: 'email' | 'phone_number' | 'external_id', value: string): number | null {
    const pattern = field === 'email' ? SEEDED_EMAIL : field === 'phone_number' ? SEEDED_PHONE : SEEDED_EXTERNAL_ID;
    const found = pattern.exec(value.toLowerCase());
    if (!found) return null;
    const index = Number(found[1]);
    return index < this.count ? index : null;
  }
}
