import {
  buildCampaignValuesBody,
  buildFlowValuesBody,
  type KlaviyoValuesReportQuery,
} from '../bodies/reporting.js';
import type { KlaviyoClient, KlaviyoRequest } from '../client.js';
import type { CallOptions, JsonApiDocument } from '../json-api.js';
import type { ValuesReport } from '../resources.js';

export interface ReportPage {
  report: ValuesReport;
  /** Pass back as `pageCursor` for the next page; undefined on the last page. */
  nextCursor: string | undefined;
}

type ReportOptions = CallOptions & { pageCursor?: string };

function cursorOf(next: string | null | undefined): string | undefined {
  if (!next) return undefined;
  return new URL(next, 'http://cursor.invalid').searchParams.get('page_cursor') ?? undefined;
}

/**
 * Reporting API: 1/s, 2/m and 225/day per endpoint. These are reads (idempotent) but every retry
 * spends the daily budget, so callers should cache results (the jobs cache them for 1 h).
 */
export function createReportEndpoints(client: KlaviyoClient) {
  async function query(
    limitClass: KlaviyoRequest['limitClass'],
    path: string,
    body: unknown,
    options: ReportOptions,
  ): Promise<ReportPage> {
    const response = await client.request<JsonApiDocument<ValuesReport>>({
      limitClass,
      method: 'POST',
      path,
      query: { page_cursor: options.pageCursor },
      body,
      idempotent: true,
      signal: options.signal,
    });
    return { report: response.body.data, nextCursor: cursorOf(response.body.links?.next) };
  }

  return {
    /** POST /api/campaign-values-reports. */
    campaignValues: (report: KlaviyoValuesReportQuery, options: ReportOptions = {}) =>
      query('query_campaign_values', '/api/campaign-values-reports', buildCampaignValuesBody(report), options),
    /** POST /api/flow-values-reports. */
    flowValues: (report: KlaviyoValuesReportQuery, options: ReportOptions = {}) =>
      query('query_flow_values', '/api/flow-values-reports', buildFlowValuesBody(report), options),
  };
}

export type ReportEndpoints = ReturnType<typeof createReportEndpoints>;
