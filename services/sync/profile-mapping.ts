import type { OutboxEntry, NewOutboxItem } from '../../src/store/outbox.js';
import { klaviyoIdentifiers, personKey } from './identity.js';
import { compact, type ConsentChannel, type ConsentPayload, type ListPayload, type ProfilePayload } from './klaviyo-payloads.js';
import type { ProfileInput } from './profile-schema.js';

export interface ProfileMappingOptions {
  /** KLAVIYO_CONSENT_LIST_ID: the list an opt-in joins when the item names none. */
  consentListId?: string;
}

const CHANNELS: ReadonlyArray<[ConsentChannel, 'email_marketing' | 'sms_marketing' | 'sms_transactional']> = [
  ['email', 'email_marketing'],
  ['sms', 'sms_marketing'],
  ['sms_transactional', 'sms_transactional'],
];

/**
 * A profile becomes one profile update, merged per person while pending, plus one consent item per
 * channel the caller set explicitly (true → subscribe job, false → unsubscribe job), plus one list
 * item when it joins or leaves lists (membership only, merged per person and list while pending).
 * Nothing is ever subscribed that the caller did not say `true` to.
 *
 * Live Klaviyo creates nothing for a subscription of a person it does not know yet unless it names a
 * list or is a historical import: so an opt-in with neither, and every opt-out, waits for that
 * person's profile item to be delivered (its import verified) before it is sent.
 */
export function mapProfile(profile: ProfileInput, options: ProfileMappingOptions = {}): OutboxEntry {
  const { subscriptions, lists, email, phone_number, distinct_id, ...attributes } = profile;
  const person = personKey(profile);
  const payload: ProfilePayload = { profile: compact({ ...attributes, ...klaviyoIdentifiers({ email, phone_number, distinct_id }) }) };
  const items: NewOutboxItem[] = [{ kind: 'profile', mergeKey: person, payload: payload as unknown as Record<string, unknown> }];
  for (const [channel, field] of CHANNELS) {
    const subscribed = subscriptions?.[field];
    if (subscribed === undefined) continue;
    const listId = subscribed ? (subscriptions?.list_id ?? options.consentListId) : subscriptions?.list_id;
    const consentedAt = subscribed ? subscriptions?.consented_at : undefined;
    const body: ConsentPayload = compact({
      email,
      phone_number,
      external_id: distinct_id,
      channel,
      subscribed,
      list_id: listId,
      consented_at: consentedAt,
      custom_source: subscribed ? subscriptions?.custom_source : undefined,
    });
    const landsOnItsOwn = subscribed && (listId !== undefined || consentedAt !== undefined);
    items.push({
      kind: 'consent',
      mergeKey: `${person}:${channel}`,
      payload: body as unknown as Record<string, unknown>,
      ...(landsOnItsOwn ? {} : { waitFor: { kind: 'profile' as const, mergeKey: person } }),
    });
  }
  const membership: ListPayload['lists'] = {};
  for (const id of lists?.add ?? []) membership[id] = 'add';
  for (const id of lists?.remove ?? []) membership[id] = 'remove';
  if (Object.keys(membership).length > 0) {
    const body: ListPayload = compact({ email, phone_number, external_id: distinct_id, lists: membership });
    // After the profile: Klaviyo adds and removes members by profile id, which the import creates.
    items.push({ kind: 'list', mergeKey: `${person}:lists`, payload: body as unknown as Record<string, unknown>, waitFor: { kind: 'profile', mergeKey: person } });
  }
  return { items };
}
