import type { KlaviyoService } from '../klaviyo/index.js';
import { klaviyoFilter, paginatePages, type PagedRead } from '../klaviyo/index.js';
import type { JsonApiResource } from '../klaviyo/json-api.js';
import type { Campaign, Flow, FlowMessage, KlaviyoEventRead, Profile, Segment } from '../klaviyo/resources.js';
import type { FlowMessageSummary, KlaviyoReads, OrderEvent, ValuesReportQuery, ValuesReportRow } from './klaviyo-reads.js';
import { sameEnum } from './same-enum.js';
import { KLAVIYO_PAGE_SIZE_MAX, klaviyoPageSize, type KlaviyoSizedOperation } from '../klaviyo/page-sizes.js';

/** The `page[size]` a job reads with: what it asked for, else the endpoint's live maximum (services/klaviyo/page-sizes.ts). */
const livePageSize = (operation: KlaviyoSizedOperation, requested?: number): number | undefined => klaviyoPageSize(operation, requested ?? KLAVIYO_PAGE_SIZE_MAX[operation]);

/**
 * KlaviyoReads over the shared Klaviyo service: its client (limiters, retries, typed errors) does
 * the wire; this module only chooses each read's limit class and query and maps JSON:API resources
 * to the jobs' neutral shapes. Paged reads go page by page (one request each, nothing buffered).
 */
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const numOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

async function* mapPages<R extends JsonApiResource<unknown>, T>(service: KlaviyoService, read: PagedRead, map: (resource: R) => T | null): AsyncIterable<T[]> {
  for await (const page of paginatePages<R>(service.client, read)) {
    yield (page.data ?? []).flatMap((resource) => {
      const mapped = map(resource);
      return mapped === null ? [] : [mapped];
    });
  }
}

/** Flow message copy, in 2026-07-15 under `definition` (older revisions used `content`). */
function flowMessageSummary(message: FlowMessage): FlowMessageSummary {
  const definition = (message.attributes.definition ?? {}) as Record<string, unknown>;
  const content = (definition.content ?? (message.attributes as unknown as { content?: Record<string, unknown> }).content ?? {}) as Record<string, unknown>;
  return {
    id: message.id,
    name: str(definition.name) ?? str((message.attributes as unknown as { name?: unknown }).name) ?? message.id,
    channel: message.attributes.channel,
    subject: str(definition.subject_line) ?? str(content.subject),
    preview_text: str(definition.preview_text) ?? str(content.preview_text),
    body: str(definition.body) ?? str(content.body),
  };
}

/** Product ids of a `Placed Order` event: `Items[].ProductID`, as order-mapping.ts writes it. */
function orderEvent(event: JsonApiResource<KlaviyoEventRead>): OrderEvent {
  const items = event.attributes.event_properties?.Items;
  const productIds = Array.isArray(items)
    ? items.flatMap((item) => {
        const id = (item as { ProductID?: unknown } | null)?.ProductID;
        return typeof id === 'string' || typeof id === 'number' ? [String(id)] : [];
      })
    : [];
  return { id: event.id, datetime: event.attributes.datetime, productIds };
}

export function createKlaviyoReadsAdapter(service: KlaviyoService): KlaviyoReads {
  const report = async (kind: 'campaignValues' | 'flowValues', query: ValuesReportQuery, signal: AbortSignal): Promise<ValuesReportRow[]> => {
    const rows: ValuesReportRow[] = [];
    let cursor: string | undefined;
    do {
      const body = { statistics: query.statistics, timeframe: query.timeframe, conversion_metric_id: query.conversionMetricId, ...(query.filter ? { filter: query.filter } : {}) };
      const page = await service.reports[kind](body, { signal, ...(cursor ? { pageCursor: cursor } : {}) });
      for (const r of page.report.attributes.results ?? []) {
        rows.push({ groupings: r.groupings, statistics: Object.fromEntries(Object.entries(r.statistics).map(([k, v]) => [k, v ?? 0])) });
      }
      cursor = page.nextCursor;
    } while (cursor);
    return rows;
  };

  return {
    profilesWithPredictions: ({ signal, pageSize }) =>
      mapPages<Profile, ReturnType<typeof toPredictive>>(
        service,
        { limitClass: 'get_profiles:predictive_analytics', path: '/api/profiles', query: { 'additional-fields[profile]': 'predictive_analytics', 'page[size]': livePageSize('get_profiles', pageSize), 'fields[profile]': 'predictive_analytics' }, signal },
        toPredictive,
      ),
    segments: ({ signal }) =>
      mapPages<Segment, { id: string; name: string; is_processing: boolean }>(service, { limitClass: 'get_segments', path: '/api/segments', signal }, (s) => ({
        id: s.id,
        name: s.attributes.name,
        // Only an explicit true: a segment that does not say is taken as computed.
        is_processing: s.attributes.is_processing === true,
      })),
    segmentMemberIds: (segmentId, { signal, pageSize }) =>
      mapPages<Profile, string>(
        service,
        { limitClass: 'get_profiles_for_segment', path: `/api/segments/${encodeURIComponent(segmentId)}/profiles`, query: { 'page[size]': livePageSize('get_profiles_for_segment', pageSize) }, signal },
        (p) => p.id,
      ),
    flows: ({ signal, status }) =>
      mapPages(service, { limitClass: 'get_flows', path: '/api/flows', query: { filter: status ? klaviyoFilter.equals('status', status) : undefined, 'page[size]': livePageSize('get_flows') }, signal }, (f: Flow) => ({
        id: f.id,
        name: f.attributes.name,
        status: f.attributes.status,
        trigger_type: f.attributes.trigger_type ?? null,
      })),
    flowActionIds: (flowId, { signal }) =>
      mapPages<JsonApiResource<unknown>, string>(service, { limitClass: 'get_actions_for_flow', path: `/api/flows/${encodeURIComponent(flowId)}/flow-actions`, query: { 'page[size]': livePageSize('get_actions_for_flow') }, signal }, (a) => a.id),
    flowMessages: (actionId, { signal }) =>
      mapPages<FlowMessage, FlowMessageSummary>(service, { limitClass: 'get_flow_action_messages', path: `/api/flow-actions/${encodeURIComponent(actionId)}/flow-messages`, query: { 'page[size]': livePageSize('get_flow_action_messages') }, signal }, flowMessageSummary),
    async flowMessageTemplate(messageId, { signal }) {
      const template = await service.flows.messageTemplate(messageId, { signal });
      return { text: template.attributes.text ?? null, html: template.attributes.html ?? null };
    },
    async metricIdByName(name, { signal }) {
      for await (const metric of service.metrics.list({ signal })) if (metric.attributes.name === name) return metric.id;
      return null;
    },
    flowValuesReport: (query, { signal }) => report('flowValues', query, signal),
    campaignValuesReport: (query, { signal }) => report('campaignValues', query, signal),
    campaigns: (channel, { signal, sentSince }) =>
      mapPages<Campaign, { id: string; name: string; status: string; send_time: string | null }>(
        service,
        { limitClass: 'get_campaigns', path: '/api/campaigns', query: { filter: klaviyoFilter.equals('messages.channel', channel) }, signal },
        (c) => {
          // Live campaign statuses are capitalised ("Sent", "Draft").
          const sent = sameEnum(c.attributes.status, 'sent') && c.attributes.send_time !== null && c.attributes.send_time >= sentSince;
          return sent ? { id: c.id, name: c.attributes.name, status: c.attributes.status, send_time: c.attributes.send_time } : null;
        },
      ),
    catalogItems: ({ signal }) =>
      mapPages(service, { limitClass: 'get_catalog_items', path: '/api/catalog-items', signal }, (i: JsonApiResource<{ external_id: string; title: string }>) => ({ id: i.id, external_id: i.attributes.external_id, title: i.attributes.title })),
    orderEvents: ({ signal, metricId, since, until }) =>
      mapPages<JsonApiResource<KlaviyoEventRead>, OrderEvent>(
        service,
        {
          limitClass: 'get_events',
          path: '/api/events',
          query: { filter: klaviyoFilter.and(klaviyoFilter.equals('metric_id', metricId), klaviyoFilter.greaterOrEqual('datetime', new Date(since)), klaviyoFilter.lessThan('datetime', new Date(until))), 'page[size]': livePageSize('get_events') },
          signal,
        },
        orderEvent,
      ),
  };
}

function toPredictive(profile: Profile) {
  const pa = profile.attributes.predictive_analytics as (Record<string, unknown> & { ranked_channel_affinity?: unknown }) | null | undefined;
  return {
    id: profile.id,
    predicted_clv: numOrNull(pa?.predicted_clv),
    churn_probability: numOrNull(pa?.churn_probability),
    average_order_value: numOrNull(pa?.average_order_value),
    historic_number_of_orders: numOrNull(pa?.historic_number_of_orders),
    predicted_number_of_orders: numOrNull(pa?.predicted_number_of_orders),
    average_days_between_orders: numOrNull(pa?.average_days_between_orders),
    ranked_channel_affinity: Array.isArray(pa?.ranked_channel_affinity) ? pa.ranked_channel_affinity.filter((c): c is string => typeof c === 'string') : null,
  };
}
