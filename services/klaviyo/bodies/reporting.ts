import { compact } from './compact.js';

export type KlaviyoMeasurement = 'count' | 'sum_value' | 'unique';

export interface KlaviyoMetricAggregateQuery {
  metric_id: string;
  measurements: KlaviyoMeasurement[];
  /** Filter strings; must include a datetime range, e.g. `greater-or-equal(datetime,2024-09-01T00:00:00)`. */
  filter: string[];
  interval?: 'hour' | 'day' | 'week' | 'month';
  /** Dimensions such as `$attributed_flow`, `$message`. */
  by?: string[];
  /** IANA name, case-sensitive; Klaviyo defaults to UTC. */
  timezone?: string;
  page_size?: number;
  page_cursor?: string;
  sort?: string;
  return_fields?: string[];
}

export type KlaviyoTimeframe = { key: string } | { start: string; end: string };

export interface KlaviyoValuesReportQuery {
  /** e.g. `recipients`, `open_rate`, `click_rate`, `conversion_rate`, `revenue_per_recipient`. */
  statistics: string[];
  timeframe: KlaviyoTimeframe;
  /** Usually the "Placed Order" metric id. */
  conversion_metric_id: string;
  /** One filter string combined with `and`, e.g. `equals(send_channel,"email")`. */
  filter?: string;
  group_by?: string[];
}

/** POST /api/metric-aggregates. */
export function buildMetricAggregateBody(query: KlaviyoMetricAggregateQuery) {
  return { data: { type: 'metric-aggregate' as const, attributes: compact({ ...query }) } };
}

/** POST /api/campaign-values-reports. */
export function buildCampaignValuesBody(query: KlaviyoValuesReportQuery) {
  return { data: { type: 'campaign-values-report' as const, attributes: compact({ ...query }) } };
}

/** POST /api/flow-values-reports. */
export function buildFlowValuesBody(query: KlaviyoValuesReportQuery) {
  return { data: { type: 'flow-values-report' as const, attributes: compact({ ...query }) } };
}
