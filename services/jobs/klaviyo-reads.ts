/**
 * The Klaviyo reads the five jobs need, in the jobs' own neutral terms. The jobs depend on this
 * interface only; `klaviyo-reads-adapter.ts` implements it over the shared Klaviyo service (its
 * limiters, retries and typed errors), and unit tests implement it in memory. Every method takes
 * the run's AbortSignal; every page or call is one Klaviyo request.
 */
export interface PredictiveProfile {
  id: string;
  predicted_clv: number | null;
  churn_probability: number | null;
  average_order_value: number | null;
  historic_number_of_orders: number | null;
  predicted_number_of_orders: number | null;
  average_days_between_orders: number | null;
  /** Channels ranked by affinity, best first (Klaviyo `ranked_channel_affinity`). */
  ranked_channel_affinity: string[] | null;
}

export interface SegmentSummary {
  id: string;
  name: string;
  /** Klaviyo is still computing its membership: members read now are a partial set. */
  is_processing: boolean;
}

export interface FlowSummary {
  id: string;
  name: string;
  status: string;
  trigger_type: string | null;
}

export interface FlowMessageSummary {
  id: string;
  name: string;
  channel: string;
  subject: string | null;
  preview_text: string | null;
  /** SMS/push body from the message content (email bodies come from the template). */
  body: string | null;
}

export interface MessageTemplate {
  text: string | null;
  html: string | null;
}

export interface CampaignSummary {
  id: string;
  name: string;
  status: string;
  send_time: string | null;
}

export interface OrderEvent {
  id: string;
  datetime: string;
  /** Product ids of the order's lines, as found in the event's `Items` property. */
  productIds: string[];
}

export interface CatalogItem {
  id: string;
  external_id: string;
  title: string;
}

export interface ValuesReportRow {
  groupings: Record<string, string>;
  statistics: Record<string, number>;
}

export interface ValuesReportQuery {
  statistics: string[];
  /** `{ key }` or `{ start, end }` (ISO date-times), as the Reporting API takes it. */
  timeframe: { key: string } | { start: string; end: string };
  conversionMetricId: string;
  filter?: string;
}

type Pages<T> = AsyncIterable<T[]>;
interface Signalled {
  signal: AbortSignal;
}

export interface KlaviyoReads {
  profilesWithPredictions(options: Signalled & { pageSize: number }): Pages<PredictiveProfile>;
  segments(options: Signalled): Pages<SegmentSummary>;
  segmentMemberIds(segmentId: string, options: Signalled & { pageSize: number }): Pages<string>;
  flows(options: Signalled & { status?: string }): Pages<FlowSummary>;
  flowActionIds(flowId: string, options: Signalled): Pages<string>;
  flowMessages(actionId: string, options: Signalled): Pages<FlowMessageSummary>;
  flowMessageTemplate(messageId: string, options: Signalled): Promise<MessageTemplate | null>;
  metricIdByName(name: string, options: Signalled): Promise<string | null>;
  flowValuesReport(query: ValuesReportQuery, options: Signalled): Promise<ValuesReportRow[]>;
  campaigns(channel: 'email' | 'sms', options: Signalled & { sentSince: string }): Pages<CampaignSummary>;
  campaignValuesReport(query: ValuesReportQuery, options: Signalled): Promise<ValuesReportRow[]>;
  catalogItems(options: Signalled): Pages<CatalogItem>;
  orderEvents(options: Signalled & { metricId: string; since: string; until: string }): Pages<OrderEvent>;
}
