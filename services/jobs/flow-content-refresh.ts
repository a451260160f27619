import { z } from 'zod';
import type { GenerationCreateBody } from '../mavera/types.js';
import { FLOW_RATE_METRICS, findUnderperformers, messagePerformance, type Underperformer } from './flow-performance-core.js';
import { baseParamsShape, defineJob, type JobContext } from './job-definition.js';
import type { FlowMessageSummary, FlowSummary, MessageTemplate, ValuesReportRow } from './klaviyo-reads.js';
import { MAVERA_COST_CEILINGS } from './mavera-calls.js';
import { placedOrderMetricId } from './placed-order-metric.js';
import { CACHE_TTL_MS } from './read-cache.js';
import { enumKey, sameEnum } from './same-enum.js';

const params = z.strictObject({
  ...baseParamsShape,
  lookbackDays: z.number().int().min(1).max(365).default(90).describe('Flow report timeframe, in days before now.'),
  factor: z.number().gt(0).max(1).default(0.8).describe('A rate counts as low below factor × the account median for its channel.'),
  minRecipients: z.number().int().min(0).default(100).describe('Messages with fewer recipients are not judged.'),
  minMetricsBelow: z.number().int().min(1).max(4).default(2).describe('How many of the compared rates must be low to flag a message.'),
  metrics: z.array(z.enum(FLOW_RATE_METRICS)).min(1).default([...FLOW_RATE_METRICS]).describe('Rates compared with the median.'),
  maxRewrites: z.number().int().min(0).max(50).default(5).describe('At most this many flagged messages are rewritten (worst first).'),
  emailAppId: z.string().min(1).default('email-rewrite').describe('Mavera generation app for email rewrites (see GET /generation-apps).'),
  smsAppId: z.string().min(1).default('sms-copy').describe('Mavera generation app for SMS rewrites.'),
});
export type FlowContentRefreshParams = z.output<typeof params>;

const BODY_CHARS = 4000;
const plainText = (template: MessageTemplate | null): string | null => {
  const text = template?.text ?? template?.html?.replace(/<style[\s\S]*?<\/style>/gi, ' ').replace(/<[^>]+>/g, ' ') ?? null;
  return text === null ? null : text.replace(/\s+/g, ' ').trim().slice(0, BODY_CHARS);
};

export function buildRewriteRequest(message: FlowMessageSummary & { flow_name: string }, perf: Underperformer, body: string | null, p: FlowContentRefreshParams): GenerationCreateBody {
  return {
    app_id: sameEnum(message.channel, 'sms') ? p.smsAppId : p.emailAppId,
    title: `Rewrite: ${message.flow_name} / ${message.name}`.slice(0, 200),
    input_data: {
      goal: `Rewrite this ${enumKey(message.channel)} flow message to lift ${perf.below.join(', ')}; keep the offer and brand voice.`,
      channel: enumKey(message.channel),
      flow_name: message.flow_name,
      message_name: message.name,
      subject: message.subject,
      preview_text: message.preview_text,
      body,
      recipients: perf.recipients,
      rates: perf.rates,
      account_medians: perf.medians,
    },
  };
}

/** Live flows → actions → messages (the slow 60/min flow endpoints), cached for an hour. */
async function liveFlowMessages(ctx: JobContext): Promise<Map<string, FlowMessageSummary & { flow_id: string; flow_name: string }>> {
  type Entry = FlowMessageSummary & { flow_id: string; flow_name: string };
  return new Map(
    (
      await ctx.cache.value<Entry[]>('klaviyo:flows:live-messages', CACHE_TTL_MS.flows, async () => {
        const entries: Entry[] = [];
        const flows: FlowSummary[] = [];
        // The filter asks Klaviyo for live flows; the check here keeps that true whatever case it answers in.
        for await (const page of ctx.klaviyo.flows({ signal: ctx.signal, status: 'live' })) flows.push(...page.filter((flow) => sameEnum(flow.status, 'live')));
        for (const [index, flow] of flows.entries()) {
          ctx.progress('reading flows', index, flows.length);
          for await (const actions of ctx.klaviyo.flowActionIds(flow.id, { signal: ctx.signal })) {
            for (const actionId of actions) {
              for await (const messages of ctx.klaviyo.flowMessages(actionId, { signal: ctx.signal })) {
                entries.push(...messages.map((m) => ({ ...m, flow_id: flow.id, flow_name: flow.name })));
              }
            }
          }
        }
        return entries;
      })
    ).map((m) => [m.id, m]),
  );
}

export const flowContentRefreshJob = defineJob({
  name: 'flow-content-refresh',
  description: 'Live flows → flow-values-report → messages below the account median → their content → a Mavera Generate rewrite per message.',
  params,
  async run(ctx, p: FlowContentRefreshParams) {
    const messages = await liveFlowMessages(ctx);
    const metricId = await placedOrderMetricId(ctx);
    const hour = Math.floor(ctx.clock().getTime() / 3_600_000) * 3_600_000;
    const query = {
      statistics: ['recipients', 'delivered', 'open_rate', 'click_rate', 'conversion_rate', 'revenue_per_recipient'],
      timeframe: { start: new Date(hour - p.lookbackDays * 86_400_000).toISOString(), end: new Date(hour).toISOString() },
      conversionMetricId: metricId,
    };
    ctx.progress('reading flow report', 0, 1);
    const rows = await ctx.cache.value<ValuesReportRow[]>(`klaviyo:flow-values:${JSON.stringify(query)}`, CACHE_TTL_MS.reports, () => ctx.klaviyo.flowValuesReport(query, { signal: ctx.signal }));
    const performance = messagePerformance(rows).filter((m) => messages.has(m.message_id));
    const underperforming = findUnderperformers(performance, p);

    const chosen = underperforming.slice(0, p.maxRewrites);
    const requests: GenerationCreateBody[] = [];
    for (const [index, perf] of chosen.entries()) {
      ctx.progress('reading message content', index, chosen.length);
      const message = messages.get(perf.message_id);
      if (!message) continue;
      // Live Klaviyo says "Email" here (a campaign message says "email"): compare without case, or
      // no email template is ever read and Mavera is asked to rewrite a null body.
      const isEmail = sameEnum(message.channel, 'email');
      const template = isEmail ? await ctx.klaviyo.flowMessageTemplate(message.id, { signal: ctx.signal }) : null;
      requests.push(buildRewriteRequest(message, perf, isEmail ? plainText(template) : message.body, p));
    }
    await ctx.mavera.preflight(requests.length * MAVERA_COST_CEILINGS.generation);
    const rewrites = [];
    for (const [index, request] of requests.entries()) {
      ctx.progress('rewriting', index, requests.length);
      const answer = await ctx.mavera.generate(request);
      rewrites.push({ message_id: chosen[index]?.message_id, generation_id: answer?.id ?? null, output: answer?.output ?? null });
    }
    const describe = (m: { message_id: string }) => ({ ...m, flow_name: messages.get(m.message_id)?.flow_name, message_name: messages.get(m.message_id)?.name });
    return {
      messages: performance.map(describe),
      underperforming: underperforming.map(describe),
      rewrites,
      ...(p.dryRun ? { estimated_max_credits: requests.length * MAVERA_COST_CEILINGS.generation, mavera_requests: ctx.mavera.requests } : {}),
    };
  },
});
