/**
 * Campaigns (the filter is required and must name a channel, as in Klaviyo), their messages, and the
 * messages' templates (email only; an SMS message has no template: 404).
 */
import { invalidParameter, notFound } from '../klaviyo-errors.js';
import type { HandlerContext, HandlerResult } from '../http/context.js';
import { iso, resource } from '../http/context.js';
import { matchesAll, queryFilter } from '../http/filter.js';
import { pageOf } from '../http/pagination.js';
import type { SeededCampaign } from '../seed/campaigns.js';
import { templateResource } from './flows.js';

function campaignResource(context: HandlerContext, campaign: SeededCampaign) {
  const sendTime = iso(campaign.sendMs);
  return resource(
    context,
    'campaign',
    campaign.id,
    {
      name: campaign.name,
      status: campaign.status,
      archived: false,
      audiences: { included: [context.account.lists[0]?.id ?? 'list'], excluded: [] },
      send_options: { use_smart_sending: true },
      tracking_options: campaign.channel === 'email' ? { add_tracking_params: false, is_tracking_clicks: true, is_tracking_opens: true } : { add_tracking_params: false },
      send_strategy: sendTime ? { method: 'static', datetime: sendTime, options: { is_local: false } } : { method: 'immediate' },
      created_at: iso(campaign.createdMs),
      scheduled_at: sendTime,
      updated_at: sendTime ?? iso(campaign.createdMs),
      send_time: sendTime,
    },
    `/api/campaigns/${campaign.id}/`,
    {
      'campaign-messages': {
        data: [{ type: 'campaign-message', id: campaign.messageId }],
        links: { related: `${context.baseUrl}/api/campaigns/${campaign.id}/campaign-messages/` },
      },
    },
  );
}

export function getCampaigns(context: HandlerContext): HandlerResult {
  const conditions = queryFilter(context.query, context.operation.filters);
  if (!conditions.some((condition) => condition.field === 'messages.channel')) {
    throw invalidParameter('filter', "A channel filter is required, e.g. equals(messages.channel,'email').");
  }
  const matching = context.account.campaigns.filter((campaign) =>
    matchesAll(conditions, (field) => {
      const fields: Record<string, unknown> = {
        'messages.channel': campaign.channel,
        id: campaign.id,
        name: campaign.name,
        status: campaign.status,
        archived: false,
        created_at: new Date(campaign.createdMs),
        scheduled_at: campaign.sendMs === null ? null : new Date(campaign.sendMs),
        updated_at: new Date(campaign.sendMs ?? campaign.createdMs),
      };
      return fields[field];
    }),
  );
  const { page, links } = pageOf(context, matching);
  return { status: 200, body: { data: page.map((campaign) => campaignResource(context, campaign)), links } };
}

function campaignMessageResource(context: HandlerContext, campaign: SeededCampaign) {
  const definition =
    campaign.channel === 'email'
      ? { channel: 'email', label: campaign.name, content: { subject: campaign.subject, preview_text: campaign.previewText, from_email: 'hello@shop.example.com', from_label: 'Example Shop' } }
      : { channel: 'sms', content: { body: campaign.body } };
  return resource(
    context,
    'campaign-message',
    campaign.messageId,
    {
      definition,
      send_times: campaign.sendMs === null ? [] : [{ datetime: iso(campaign.sendMs), is_local: false }],
      created_at: iso(campaign.createdMs),
      updated_at: iso(campaign.sendMs ?? campaign.createdMs),
    },
    `/api/campaign-messages/${campaign.messageId}/`,
    {
      campaign: { data: { type: 'campaign', id: campaign.id } },
      ...(campaign.templateId ? { template: { data: { type: 'template', id: campaign.templateId } } } : {}),
    },
  );
}

export function getCampaignMessages(context: HandlerContext): HandlerResult {
  const campaign = context.account.campaigns.find((candidate) => candidate.id === context.params.id);
  if (!campaign) throw notFound(`A campaign with id ${context.params.id} does not exist.`);
  const { page, links } = pageOf(context, [campaign]);
  return { status: 200, body: { data: page.map((entry) => campaignMessageResource(context, entry)), links } };
}

export function getCampaignMessageTemplate(context: HandlerContext): HandlerResult {
  const campaign = context.account.campaigns.find((candidate) => candidate.messageId === context.params.id);
  if (!campaign) throw notFound(`A campaign message with id ${context.params.id} does not exist.`);
  if (!campaign.templateId) throw notFound(`Campaign message ${context.params.id} has no template.`);
  return { status: 200, body: { data: templateResource(context, campaign.templateId, `${campaign.name} template`, campaign.html, campaign.text) } };
}

export function getTemplate(context: HandlerContext): HandlerResult {
  const id = context.params.id;
  const message = context.account.flows.messages.find((candidate) => candidate.templateId === id);
  if (message) return { status: 200, body: { data: templateResource(context, message.templateId, `${message.name} template`, message.html, message.text) } };
  const campaign = context.account.campaigns.find((candidate) => candidate.templateId === id);
  if (campaign?.templateId) return { status: 200, body: { data: templateResource(context, campaign.templateId, `${campaign.name} template`, campaign.html, campaign.text) } };
  throw notFound(`A template with id ${id} does not exist.`);
}
