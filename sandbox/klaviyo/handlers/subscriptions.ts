/**
 * Consent: the subscription bulk jobs (≤ 1,000 profiles to subscribe, ≤ 100 to unsubscribe; 202, no
 * body). List membership without consent is in lists.ts.
 *
 * As live Klaviyo does (docs/live-klaviyo.md): a subscribe job with no list and no historical import
 * does not create a profile Klaviyo does not know yet: that person's consent is silently dropped
 * (still 202; subscription jobs have no status to poll). With a list, or as a historical import, the
 * profile is created and subscribed.
 */
import { invalidBody } from '../klaviyo-errors.js';
import type { HandlerContext, HandlerResult } from '../http/context.js';
import type { ConsentState } from '../state/sandbox-data.js';
import { listOrThrow } from './lists.js';

export const MAX_SUBSCRIBE_PROFILES = 1000;
export const MAX_UNSUBSCRIBE_PROFILES = 100;
const E164 = /^\+[1-9]\d{1,14}$/;

interface ChannelConsent {
  consent: string;
  consented_at?: string;
}

interface ConsentProfile {
  attributes: {
    email?: string;
    phone_number?: string;
    subscriptions: {
      email?: { marketing?: ChannelConsent };
      sms?: { marketing?: ChannelConsent; transactional?: ChannelConsent };
    };
  };
}

interface ConsentJob {
  data: {
    attributes: { historical_import?: boolean; profiles: { data: ConsentProfile[] } };
    relationships?: { list?: { data?: { id: string } } };
  };
}

function checkConsentProfiles(profiles: ConsentProfile[], historical: boolean): void {
  profiles.forEach((profile, i) => {
    const pointer = `/data/attributes/profiles/data/${i}/attributes`;
    const { email, phone_number: phone, subscriptions } = profile.attributes;
    if (!email && !phone) throw invalidBody([{ pointer, detail: 'An email or phone_number is required.' }]);
    if (phone !== undefined && !E164.test(phone)) throw invalidBody([{ pointer: `${pointer}/phone_number`, detail: 'Invalid phone number format.' }]);
    if (subscriptions.sms && !phone) throw invalidBody([{ pointer: `${pointer}/phone_number`, detail: 'SMS consent requires a phone_number.' }]);
    if (subscriptions.email && !email) throw invalidBody([{ pointer: `${pointer}/email`, detail: 'Email consent requires an email.' }]);
    const consents: Array<[string, ChannelConsent | undefined]> = [
      ['email/marketing', subscriptions.email?.marketing],
      ['sms/marketing', subscriptions.sms?.marketing],
      ['sms/transactional', subscriptions.sms?.transactional],
    ];
    for (const [path, consent] of consents) {
      if (consent?.consented_at !== undefined && !historical) {
        throw invalidBody([{ pointer: `${pointer}/subscriptions/${path}/consented_at`, detail: 'consented_at is only allowed for historical imports.' }]);
      }
    }
  });
}

function applyConsent(context: HandlerContext, document: ConsentJob, state: ConsentState, kind: 'subscription-bulk-create' | 'subscription-bulk-delete'): void {
  const listId = document.data.relationships?.list?.data?.id;
  const profiles = document.data.attributes.profiles.data;
  const createsProfiles = state === 'UNSUBSCRIBED' || listId !== undefined || document.data.attributes.historical_import === true;
  let dropped = 0;
  for (const profile of profiles) {
    const { email, phone_number: phone, subscriptions } = profile.attributes;
    const identity = { ...(email ? { email } : {}), ...(phone ? { phone_number: phone } : {}) };
    if (!createsProfiles && context.data.profiles.findByIdentity(identity) === null) {
      dropped += 1;
      continue;
    }
    const { index } = context.data.profiles.upsert(identity);
    if (subscriptions.email?.marketing) context.data.setConsent(index, 'email', state);
    if (subscriptions.sms?.marketing) context.data.setConsent(index, 'sms', state);
    if (subscriptions.sms?.transactional) context.data.setConsent(index, 'sms_transactional', state);
    if (listId && state === 'SUBSCRIBED') context.data.addListMember(listId, index);
  }
  context.recorder.bulkJobs.push({ kind, id: context.data.nextId(kind), items: profiles.length, status: 'complete', failed: 0, dropped });
}

export function bulkSubscribeProfiles(context: HandlerContext): HandlerResult {
  const document = context.body as ConsentJob;
  const profiles = document.data.attributes.profiles.data;
  if (profiles.length > MAX_SUBSCRIBE_PROFILES) {
    throw invalidBody([{ pointer: '/data/attributes/profiles/data', detail: `At most ${MAX_SUBSCRIBE_PROFILES} profiles per subscription job; got ${profiles.length}.` }]);
  }
  listOrThrow(context, document.data.relationships?.list?.data?.id);
  checkConsentProfiles(profiles, document.data.attributes.historical_import === true);
  applyConsent(context, document, 'SUBSCRIBED', 'subscription-bulk-create');
  return { status: 202 };
}

export function bulkUnsubscribeProfiles(context: HandlerContext): HandlerResult {
  const document = context.body as ConsentJob;
  const profiles = document.data.attributes.profiles.data;
  if (profiles.length > MAX_UNSUBSCRIBE_PROFILES) {
    throw invalidBody([{ pointer: '/data/attributes/profiles/data', detail: `At most ${MAX_UNSUBSCRIBE_PROFILES} profiles per unsubscribe job; got ${profiles.length}.` }]);
  }
  listOrThrow(context, document.data.relationships?.list?.data?.id);
  checkConsentProfiles(profiles, true);
  applyConsent(context, document, 'UNSUBSCRIBED', 'subscription-bulk-delete');
  return { status: 202 };
}
