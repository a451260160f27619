import { z } from 'zod';
import { profileAttributesShape, text } from './common-schema.js';
import { hasIdentity, IDENTITY_MESSAGE, identityShapeFor } from './identity.js';

export const MAX_PROFILES_PER_REQUEST = 10_000;

/**
 * Consent of one profile (docs/ingest.md). `true` subscribes and needs that channel's identifier in the
 * item; `false` unsubscribes and is never refused (the identifier is resolved through Klaviyo when
 * missing). `consented_at` makes the item a historical import (every channel of it).
 */
const subscriptionsSchema = z.strictObject({
  email_marketing: z.boolean().optional(),
  sms_marketing: z.boolean().optional(),
  sms_transactional: z.boolean().optional(),
  /** The Klaviyo list the subscription joins (else KLAVIYO_CONSENT_LIST_ID, when set). */
  list_id: text(64).optional(),
  consented_at: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time with a zone, e.g. 2026-07-01T12:00:00Z' }).optional(),
  custom_source: text(255).optional(),
});

const listIds = z.array(text(64)).min(1).max(100);

/** List membership (never consent): the lists the person joins and leaves. */
const listsSchema = z.strictObject({ add: listIds.optional(), remove: listIds.optional() });

/** One profile of POST /v1/profiles. Consent is explicit: only `true` subscribes. */
export function createProfileSchema(now: () => number, phoneRegion?: string) {
  return z
    .strictObject({ ...identityShapeFor(phoneRegion), ...profileAttributesShape, subscriptions: subscriptionsSchema.optional(), lists: listsSchema.optional() })
    .superRefine((profile, ctx) => {
      if (!hasIdentity(profile)) ctx.addIssue({ code: 'custom', message: IDENTITY_MESSAGE });
      const adding = new Set(profile.lists?.add ?? []);
      (profile.lists?.remove ?? []).forEach((id, index) => {
        if (adding.has(id)) ctx.addIssue({ code: 'custom', path: ['lists', 'remove', index], message: `list ${id} is also in lists.add: a person cannot join and leave one list in one update` });
      });
      const subscriptions = profile.subscriptions;
      if (subscriptions?.email_marketing === true && profile.email === undefined) {
        ctx.addIssue({ code: 'custom', path: ['subscriptions', 'email_marketing'], message: 'an opt-in needs the profile email' });
      }
      for (const channel of ['sms_marketing', 'sms_transactional'] as const) {
        if (subscriptions?.[channel] === true && profile.phone_number === undefined) {
          ctx.addIssue({ code: 'custom', path: ['subscriptions', channel], message: 'an opt-in needs the profile phone_number (E.164)' });
        }
      }
      const consentedAt = subscriptions?.consented_at;
      // Klaviyo takes consented_at only as a past time (when consent was collected).
      if (consentedAt !== undefined && Date.parse(consentedAt) > now()) {
        ctx.addIssue({ code: 'custom', path: ['subscriptions', 'consented_at'], message: 'must not be in the future' });
      }
    });
}

export type ProfileInput = z.output<ReturnType<typeof createProfileSchema>>;
