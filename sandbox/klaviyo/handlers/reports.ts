/**
 * Reporting: campaign-values-reports and flow-values-reports (one page of results per message,
 * statistics as requested), and metric-aggregates (count / sum_value / unique per interval).
 */
import { randomUUID } from 'node:crypto';
import { KlaviyoHttpError, invalidBody } from '../klaviyo-errors.js';
import type { HandlerContext, HandlerResult } from '../http/context.js';
import { checkAllowed, matchesAll, parseFilter, type AllowedFilters, type FilterCondition } from '../http/filter.js';
import { statisticsOf } from '../seed/message-stats.js';

const DAY_MS = 86_400_000;
const KEYED_DAYS: Record<string, number> = {
  today: 1, yesterday: 2, this_week: 7, last_week: 14, this_month: 31, last_month: 62, this_year: 366, last_year: 731,
  last_7_days: 7, last_30_days: 30, last_90_days: 90, last_3_months: 92, last_12_months: 365, last_365_days: 365,
};
const ANY_OF = { single: ['equals'], list: ['contains-any'] };
const CAMPAIGN_FILTERS: AllowedFilters = { send_channel: { operators: ANY_OF }, campaign_id: { operators: ANY_OF } };
const FLOW_FILTERS: AllowedFilters = { send_channel: { operators: ANY_OF }, flow_id: { operators: ANY_OF }, flow_message_id: { operators: ANY_OF } };

interface ReportAttributes {
  statistics: string[];
  timeframe: { key?: string; start?: string; end?: string };
  conversion_metric_id: string;
  filter?: string;
  group_by?: string[];
}

/** Keyed timeframes end now and reach back their length (calendar keys are approximated by days). */
function timeframeRange(context: HandlerContext, timeframe: ReportAttributes['timeframe']): { since: number; until: number } {
  if (timeframe.key) return { since: context.nowMs - (KEYED_DAYS[timeframe.key] ?? 365) * DAY_MS, until: context.nowMs };
  const since = Date.parse(timeframe.start ?? '');
  const until = Date.parse(timeframe.end ?? '');
  if (!(until > since) || until - since > 366 * DAY_MS) {
    throw invalidBody([{ pointer: '/data/attributes/timeframe', detail: 'The timeframe must end after it starts and span at most one year.' }]);
  }
  return { since, until };
}

function bodyFilter(text: string | undefined, allowed: AllowedFilters): FilterCondition[] {
  if (!text) return [];
  try {
    const conditions = parseFilter(text);
    checkAllowed(conditions, allowed);
    for (const condition of conditions) {
      if (Array.isArray(condition.value) && condition.value.length > 100) throw new Error('contains-any accepts at most 100 values.');
    }
    return conditions;
  } catch (error) {
    const detail = error instanceof KlaviyoHttpError ? (error.errors[0]?.detail ?? 'Invalid filter.') : (error as Error).message;
    throw invalidBody([{ pointer: '/data/attributes/filter', detail }]);
  }
}

function checkMetric(context: HandlerContext, metricId: string): void {
  if (!context.data.metricById(metricId)) throw invalidBody([{ pointer: '/data/attributes/conversion_metric_id', detail: `Metric ${metricId} does not exist.` }]);
}

function pick(statistics: Record<string, number>, names: string[]): Record<string, number> {
  return Object.fromEntries(names.map((name) => [name, statistics[name] ?? 0]));
}

/** Live: a report carries a UUID `data.id` and no `relationships`. */
function reportDocument(context: HandlerContext, type: string, results: unknown[]) {
  const self = `${context.baseUrl}${context.path}`;
  return { data: { type, id: randomUUID(), attributes: { results }, links: { self } }, links: { self, next: null, prev: null } };
}

export function queryCampaignValues(context: HandlerContext): HandlerResult {
  const attributes = (context.body as { data: { attributes: ReportAttributes } }).data.attributes;
  checkMetric(context, attributes.conversion_metric_id);
  const { since, until } = timeframeRange(context, attributes.timeframe);
  const conditions = bodyFilter(attributes.filter, CAMPAIGN_FILTERS);
  const campaigns = context.account.campaigns.filter(
    (campaign) =>
      campaign.stats !== null && campaign.sendMs !== null && campaign.sendMs >= since && campaign.sendMs <= until &&
      matchesAll(conditions, (field) => ({ send_channel: campaign.channel, campaign_id: campaign.id })[field]),
  );
  const results = campaigns.map((campaign) => ({
    groupings: { send_channel: campaign.channel, campaign_id: campaign.id, campaign_message_id: campaign.messageId },
    statistics: pick(statisticsOf(campaign.stats!), attributes.statistics),
  }));
  return { status: 200, body: reportDocument(context, 'campaign-values-report', results) };
}

export function queryFlowValues(context: HandlerContext): HandlerResult {
  const attributes = (context.body as { data: { attributes: ReportAttributes } }).data.attributes;
  checkMetric(context, attributes.conversion_metric_id);
  // Live: grouping by flow needs the message too (rows are per flow message).
  const groupBy = attributes.group_by ?? [];
  if (groupBy.includes('flow_id') && !groupBy.includes('flow_message_id')) {
    throw invalidBody([{ pointer: '/data/attributes/group_by', detail: "'flow_message_id' is required in group_by together with 'flow_id'." }]);
  }
  timeframeRange(context, attributes.timeframe);
  const conditions = bodyFilter(attributes.filter, FLOW_FILTERS);
  const messages = context.account.flows.messages.filter(
    (message) =>
      message.stats.recipients > 0 &&
      matchesAll(conditions, (field) => ({ send_channel: message.channel, flow_id: message.flowId, flow_message_id: message.id })[field]),
  );
  const results = messages.map((message) => ({
    groupings: { flow_id: message.flowId, send_channel: message.channel, flow_message_id: message.id },
    statistics: pick(statisticsOf(message.stats), attributes.statistics),
  }));
  return { status: 200, body: reportDocument(context, 'flow-values-report', results) };
}

export { queryMetricAggregates } from './metric-aggregates.js';
