/** How a profile is rendered: attributes, plus `subscriptions` / `predictive_analytics` on request. */
import { notFound } from '../klaviyo-errors.js';
import { queryList } from '../limit-classes.js';
import type { HandlerContext } from '../http/context.js';
import { resource } from '../http/context.js';
import { withoutPredictions } from '../seed/profiles.js';

function consentBlock(consent: string, timestamp: string | null, canReceive: boolean) {
  return {
    can_receive_email_marketing: canReceive,
    consent,
    consent_timestamp: timestamp,
    last_updated: timestamp,
    method: consent === 'SUBSCRIBED' ? 'API' : null,
    method_detail: null,
    custom_method_detail: null,
    double_optin: null,
    suppression: [],
    list_suppressions: [],
  };
}

export function subscriptionsOf(context: HandlerContext, index: number): Record<string, unknown> {
  const { data } = context;
  const seeded = data.profiles.isSeeded(index);
  const written = data.consents.get(index);
  const email = written?.email ?? (seeded ? context.account.profiles.emailConsent(index) : 'NEVER_SUBSCRIBED');
  const sms = written?.sms ?? (seeded ? context.account.profiles.smsConsent(index) : 'NEVER_SUBSCRIBED');
  const updated = (data.profiles.attributes(index)?.updated as string | undefined) ?? null;
  const smsBlock = {
    can_receive_sms_marketing: sms === 'SUBSCRIBED',
    consent: sms,
    consent_timestamp: sms === 'SUBSCRIBED' ? updated : null,
    method: sms === 'SUBSCRIBED' ? 'API' : null,
    method_detail: null,
    last_updated: updated,
  };
  return {
    email: { marketing: consentBlock(email, email === 'NEVER_SUBSCRIBED' ? null : updated, email === 'SUBSCRIBED') },
    sms: { marketing: smsBlock, transactional: null },
    mobile_push: null,
  };
}

/** The JSON:API profile resource of `index`, with the additional fields the query asks for. */
export function profileResource(context: HandlerContext, index: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const attributes = context.data.profiles.attributes(index);
  if (!attributes) throw notFound('Profile not found.');
  const id = context.account.profiles.idOf(index);
  const additional = queryList(context.query, 'additional-fields[profile]');
  const rendered: Record<string, unknown> = { ...attributes, ...extra };
  if (additional.includes('subscriptions')) rendered.subscriptions = subscriptionsOf(context, index);
  if (additional.includes('predictive_analytics')) {
    const predictions = context.data.profiles.isSeeded(index) ? context.account.profiles.predictiveAnalytics(index) : null;
    // Live: a profile without predictions still gets the object, with all ten fields null.
    rendered.predictive_analytics = predictions ?? withoutPredictions();
  }
  const related = (name: string) => ({
    links: {
      self: `${context.baseUrl}/api/profiles/${id}/relationships/${name}/`,
      related: `${context.baseUrl}/api/profiles/${id}/${name}/`,
    },
  });
  return resource(context, 'profile', id, rendered, `/api/profiles/${id}/`, { lists: related('lists'), segments: related('segments') });
}

export function profileIndexOrThrow(context: HandlerContext, id: string): number {
  const index = context.data.profiles.indexOfId(id);
  if (index === null) throw notFound(`A profile with id ${id} does not exist.`);
  return index;
}
