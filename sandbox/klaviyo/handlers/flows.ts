/** Flows (≤ 50 per page) → flow actions → flow messages → templates, in 2026-07-15 shapes. */
import { notFound } from '../klaviyo-errors.js';
import type { HandlerContext, HandlerResult } from '../http/context.js';
import { iso, resource } from '../http/context.js';
import { matchesAll, queryFilter } from '../http/filter.js';
import { pageOf } from '../http/pagination.js';
import type { SeededFlow, SeededFlowAction, SeededFlowMessage } from '../seed/flows.js';

function flowResource(context: HandlerContext, flow: SeededFlow) {
  return resource(
    context,
    'flow',
    flow.id,
    { name: flow.name, status: flow.status, archived: false, created: iso(flow.createdMs), updated: iso(flow.createdMs), trigger_type: flow.triggerType },
    `/api/flows/${flow.id}/`,
    { 'flow-actions': { links: { related: `${context.baseUrl}/api/flows/${flow.id}/flow-actions/` } } },
  );
}

export function getFlows(context: HandlerContext): HandlerResult {
  const conditions = queryFilter(context.query, context.operation.filters);
  const matching = context.account.flows.flows.filter((flow) =>
    matchesAll(conditions, (field) =>
      ({ id: flow.id, name: flow.name, status: flow.status, archived: false, trigger_type: flow.triggerType, created: new Date(flow.createdMs), updated: new Date(flow.createdMs) })[field],
    ),
  );
  const { page, links } = pageOf(context, matching);
  return { status: 200, body: { data: page.map((flow) => flowResource(context, flow)), links } };
}

function actionResource(context: HandlerContext, action: SeededFlowAction, flow: SeededFlow) {
  const definition =
    action.type === 'time-delay'
      ? { id: action.id, type: 'time-delay', data: { unit: 'days', value: 2, timezone: 'profile' } }
      : { id: action.id, type: action.type, data: { status: flow.status, message: { id: action.messageId } } };
  return resource(
    context,
    'flow-action',
    action.id,
    { created: iso(flow.createdMs), updated: iso(flow.createdMs), definition },
    `/api/flow-actions/${action.id}/`,
    { 'flow-messages': { links: { related: `${context.baseUrl}/api/flow-actions/${action.id}/flow-messages/` } } },
  );
}

export function getFlowActions(context: HandlerContext): HandlerResult {
  const flow = context.account.flows.flows.find((candidate) => candidate.id === context.params.id);
  if (!flow) throw notFound(`A flow with id ${context.params.id} does not exist.`);
  const { page, links } = pageOf(context, flow.actions);
  return { status: 200, body: { data: page.map((action) => actionResource(context, action, flow)), links } };
}

/**
 * Live Klaviyo capitalises a flow message's channel ("Email"; SMS as "SMS") while a campaign
 * message's `definition.channel` is lowercase (klaviyo/LIVE-BEHAVIOUR.md): served as live does, so
 * a client comparing with the document's lowercase examples fails here as it would live.
 */
export const LIVE_FLOW_MESSAGE_CHANNEL: Record<SeededFlowMessage['channel'], string> = { email: 'Email', sms: 'SMS' };

function messageResource(context: HandlerContext, message: SeededFlowMessage) {
  const definition =
    message.channel === 'email'
      ? { id: message.id, name: message.name, subject_line: message.subject, preview_text: message.previewText, from_email: 'hello@shop.example.com', from_label: 'Example Shop', template_id: message.templateId, smart_sending_enabled: true, transactional: false, add_tracking_params: false }
      : { id: message.id, name: message.name, body: message.body, add_info_link: false, add_opt_out_language: true, add_org_prefix: true, add_tracking_params: false, include_contact_card: false, shorten_links: true, smart_sending_enabled: true, sms_quiet_hours_enabled: true, transactional: false };
  return resource(
    context,
    'flow-message',
    message.id,
    { channel: LIVE_FLOW_MESSAGE_CHANNEL[message.channel], created: null, updated: null, definition },
    `/api/flow-messages/${message.id}/`,
    {
      'flow-action': { data: { type: 'flow-action', id: message.actionId } },
      template: { data: { type: 'template', id: message.templateId }, links: { related: `${context.baseUrl}/api/flow-messages/${message.id}/template/` } },
    },
  );
}

export function getFlowActionMessages(context: HandlerContext): HandlerResult {
  const action = context.account.flows.actions.find((candidate) => candidate.id === context.params.id);
  if (!action) throw notFound(`A flow action with id ${context.params.id} does not exist.`);
  const messages = context.account.flows.messages.filter((message) => message.actionId === action.id);
  const { page, links } = pageOf(context, messages);
  return { status: 200, body: { data: page.map((message) => messageResource(context, message)), links } };
}

function messageOrThrow(context: HandlerContext): SeededFlowMessage {
  const message = context.account.flows.messages.find((candidate) => candidate.id === context.params.id);
  if (!message) throw notFound(`A flow message with id ${context.params.id} does not exist.`);
  return message;
}

export function getFlowMessage(context: HandlerContext): HandlerResult {
  return { status: 200, body: { data: messageResource(context, messageOrThrow(context)) } };
}

export function templateResource(context: HandlerContext, id: string, name: string, html: string, text: string) {
  return resource(context, 'template', id, { name, editor_type: 'CODE', html, text, amp: null, created: null, updated: null }, `/api/templates/${id}/`);
}

export function getFlowMessageTemplate(context: HandlerContext): HandlerResult {
  const message = messageOrThrow(context);
  return { status: 200, body: { data: templateResource(context, message.templateId, `${message.name} template`, message.html, message.text) } };
}
