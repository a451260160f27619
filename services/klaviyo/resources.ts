import type { JsonApiResource } from './json-api.js';
import type { KlaviyoLocation } from './bodies/profile.js';

/**
 * The attributes callers read from Klaviyo's answers (revision 2026-07-15). Only the fields our
 * jobs and sync use are typed; Klaviyo may add more, and unknown enum members must not break us.
 */
export interface KlaviyoPredictiveAnalytics {
  historic_clv: number | null;
  predicted_clv: number | null;
  total_clv: number | null;
  historic_number_of_orders: number | null;
  predicted_number_of_orders: number | null;
  average_days_between_orders: number | null;
  average_order_value: number | null;
  churn_probability: number | null;
  expected_date_of_next_order: string | null;
}

export interface KlaviyoProfileRead {
  email?: string | null;
  phone_number?: string | null;
  external_id?: string | null;
  first_name?: string | null;
  last_name?: string | null;
  organization?: string | null;
  locale?: string | null;
  title?: string | null;
  created?: string;
  updated?: string;
  last_event_date?: string | null;
  location?: KlaviyoLocation | null;
  properties?: Record<string, unknown>;
  subscriptions?: Record<string, unknown>;
  predictive_analytics?: KlaviyoPredictiveAnalytics | null;
  /** Only on segment member reads. */
  joined_group_at?: string | null;
}

export interface KlaviyoProfileImportJobRead {
  status: 'queued' | 'processing' | 'complete' | 'cancelled' | (string & {});
  created_at: string;
  total_count: number;
  completed_count: number | null;
  failed_count: number | null;
  completed_at: string | null;
  expires_at: string | null;
  started_at: string | null;
}

export interface KlaviyoImportErrorRead {
  code: string;
  title: string;
  detail: string;
  source?: { pointer?: string };
  original_payload?: unknown;
}

export interface KlaviyoEventRead {
  timestamp: number;
  datetime: string;
  uuid: string;
  event_properties: Record<string, unknown>;
}

export interface KlaviyoSegmentRead {
  name: string;
  definition?: Record<string, unknown> | null;
  created: string;
  updated: string;
  is_active: boolean;
  is_processing: boolean;
  is_starred: boolean;
  /** Only with `additional-fields[segment]=profile_count` (the 1/s, 15/m class). */
  profile_count?: number;
}

export interface KlaviyoFlowRead {
  name: string;
  status: string;
  archived: boolean;
  created: string;
  updated: string;
  trigger_type: string;
}

/** In 2026-07-15 the action's settings and the message's content live in `definition`. */
export interface KlaviyoFlowActionRead {
  created: string;
  updated: string;
  definition?: Record<string, unknown> | null;
}

export interface KlaviyoFlowMessageRead {
  channel: string;
  created: string;
  updated: string;
  definition?: Record<string, unknown> | null;
}

export interface KlaviyoTemplateRead {
  name: string;
  editor_type: string;
  html: string | null;
  text: string | null;
  created: string;
  updated: string;
}

export interface KlaviyoCampaignRead {
  name: string;
  status: string;
  archived: boolean;
  audiences?: { included?: string[]; excluded?: string[] };
  send_options?: Record<string, unknown>;
  send_strategy?: Record<string, unknown>;
  created_at: string;
  scheduled_at: string | null;
  updated_at: string;
  send_time: string | null;
}

export interface KlaviyoCampaignMessageRead {
  created_at: string;
  updated_at: string;
  definition?: Record<string, unknown> | null;
  send_times?: Array<Record<string, unknown>>;
}

export interface KlaviyoCatalogItemRead {
  external_id: string;
  title: string;
  description?: string;
  price: number | null;
  url: string | null;
  image_full_url?: string | null;
  published: boolean;
  custom_metadata?: Record<string, unknown> | null;
  created: string;
  updated: string;
}

export interface KlaviyoMetricRead {
  name: string;
  created: string;
  updated: string;
  integration?: Record<string, unknown>;
}

export interface KlaviyoMetricAggregateRead {
  dates: string[];
  data: Array<{ dimensions: string[]; measurements: Record<string, number[]> }>;
}

export interface KlaviyoValuesReportRead {
  results: Array<{ groupings: Record<string, string>; statistics: Record<string, number | null> }>;
}

export interface KlaviyoWebhookRead {
  name: string;
  description?: string | null;
  endpoint_url: string;
  enabled: boolean;
  created_at: string;
  updated_at: string;
}

export type Profile = JsonApiResource<KlaviyoProfileRead>;
export type ProfileImportJob = JsonApiResource<KlaviyoProfileImportJobRead>;
export type ImportError = JsonApiResource<KlaviyoImportErrorRead>;
export type KlaviyoEvent = JsonApiResource<KlaviyoEventRead>;
export type Segment = JsonApiResource<KlaviyoSegmentRead>;
export type Flow = JsonApiResource<KlaviyoFlowRead>;
export type FlowAction = JsonApiResource<KlaviyoFlowActionRead>;
export type FlowMessage = JsonApiResource<KlaviyoFlowMessageRead>;
export type Template = JsonApiResource<KlaviyoTemplateRead>;
export type Campaign = JsonApiResource<KlaviyoCampaignRead>;
export type CampaignMessage = JsonApiResource<KlaviyoCampaignMessageRead>;
export type CatalogItem = JsonApiResource<KlaviyoCatalogItemRead>;
export type Metric = JsonApiResource<KlaviyoMetricRead>;
export type MetricAggregate = JsonApiResource<KlaviyoMetricAggregateRead>;
export type ValuesReport = JsonApiResource<KlaviyoValuesReportRead>;
export type Webhook = JsonApiResource<KlaviyoWebhookRead>;
export type WebhookTopic = JsonApiResource<Record<string, never>>;
