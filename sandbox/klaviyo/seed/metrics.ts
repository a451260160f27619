/** Seeded metrics and lists; the webhook topics Klaviyo offers for them. */
import { shortId } from '../ids.js';

export interface SeededMetric {
  id: string;
  name: string;
  integration: { object: 'integration'; id: string; key: string; name: string; category: string };
  createdMs: number;
}

const API_INTEGRATION = { object: 'integration' as const, id: '0eMvjm', key: 'api', name: 'API', category: 'API' };
const KLAVIYO_INTEGRATION = { object: 'integration' as const, id: '0rG4eQ', key: 'klaviyo', name: 'Klaviyo', category: 'Internal' };

export const API_METRIC_NAMES = ['Placed Order', 'Ordered Product', 'Fulfilled Order', 'Cancelled Order', 'Refunded Order', 'Viewed Product', 'Active on Site'];
export const KLAVIYO_METRIC_NAMES = ['Received Email', 'Opened Email', 'Clicked Email', 'Sent SMS', 'Received SMS', 'Clicked SMS', 'Subscribed to Email Marketing', 'Unsubscribed from Email Marketing'];

export function metricIdFor(seed: number, name: string): string {
  return shortId(seed, `metric:${name}`, 0);
}

export function newMetric(seed: number, name: string, createdMs: number): SeededMetric {
  const integration = KLAVIYO_METRIC_NAMES.includes(name) ? KLAVIYO_INTEGRATION : API_INTEGRATION;
  return { id: metricIdFor(seed, name), name, integration, createdMs };
}

export function generateMetrics(seed: number, anchorMs: number): SeededMetric[] {
  return [...API_METRIC_NAMES, ...KLAVIYO_METRIC_NAMES].map((name, i) => newMetric(seed, name, anchorMs - (400 + i) * 86_400_000));
}

export interface SeededList {
  id: string;
  name: string;
  optInProcess: 'single_opt_in' | 'double_opt_in';
  createdMs: number;
}

export function generateLists(seed: number, anchorMs: number): SeededList[] {
  return ['Newsletter', 'VIP Early Access', 'SMS Subscribers'].map((name, i) => ({
    id: shortId(seed, 'list', i),
    name,
    optInProcess: i === 0 ? 'double_opt_in' : 'single_opt_in',
    createdMs: anchorMs - (500 - i * 30) * 86_400_000,
  }));
}

/** System topics (klaviyo/NOTES.md "Topics"), plus one `event:api.*` topic per API metric. */
export function webhookTopicIds(): string[] {
  const system = ['received_email', 'opened_email', 'clicked_email', 'bounced_email', 'marked_email_as_spam', 'subscribed_to_email_marketing', 'unsubscribed_from_email_marketing', 'sent_sms', 'received_sms', 'clicked_sms', 'failed_to_deliver_sms', 'subscribed_to_sms_marketing', 'unsubscribed_from_sms_marketing'];
  const api = API_METRIC_NAMES.map((name) => name.toLowerCase().replace(/ /g, '_'));
  return [...system.map((slug) => `event:klaviyo.${slug}`), ...api.map((slug) => `event:api.${slug}`)];
}
