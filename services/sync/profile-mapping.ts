import type { OutboxEntry, NewOutboxItem } from '../../src/store/outbox.js';
import { klaviyoIdentifiers, personKey } from './identity.js';
import { compact, type ConsentPayload, type ProfilePayload } from './klaviyo-payloads.js';
import type { ProfileInput } from './profile-schema.js';

/**
 * A profile becomes one profile update, merged per person while pending, plus one consent item per
 * channel the caller set explicitly (true → subscribe job, false → unsubscribe job). Nothing is
 * ever subscribed that the caller did not say `true` to (DESIGN §5).
 */
export function mapProfile(profile: ProfileInput): OutboxEntry {
  const { subscriptions, email, phone_number, distinct_id, ...attributes } = profile;
  const person = personKey(profile);
  const payload: ProfilePayload = { profile: compact({ ...attributes, ...klaviyoIdentifiers({ email, phone_number, distinct_id }) }) };
  const items: NewOutboxItem[] = [{ kind: 'profile', mergeKey: person, payload: payload as unknown as Record<string, unknown> }];
  const consent = (channel: ConsentPayload['channel'], subscribed: boolean | undefined) => {
    if (subscribed === undefined) return;
    const body: ConsentPayload = compact({ email, phone_number, channel, subscribed });
    items.push({ kind: 'consent', mergeKey: `${person}:${channel}`, payload: body as unknown as Record<string, unknown> });
  };
  consent('email', subscriptions?.email_marketing);
  consent('sms', subscriptions?.sms_marketing);
  return { items };
}
