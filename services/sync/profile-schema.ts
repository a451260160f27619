import { z } from 'zod';
import { profileAttributesShape } from './common-schema.js';
import { hasIdentity, IDENTITY_MESSAGE, identityShape } from './identity.js';

export const MAX_PROFILES_PER_REQUEST = 10_000;

/** One profile of POST /v1/profiles. Consent is explicit: only `true` subscribes (DESIGN §5). */
export const profileSchema = z
  .strictObject({
    ...identityShape,
    ...profileAttributesShape,
    subscriptions: z
      .strictObject({ email_marketing: z.boolean().optional(), sms_marketing: z.boolean().optional() })
      .optional(),
  })
  .superRefine((profile, ctx) => {
    if (!hasIdentity(profile)) ctx.addIssue({ code: 'custom', message: IDENTITY_MESSAGE });
    if (profile.subscriptions?.email_marketing !== undefined && profile.email === undefined) {
      ctx.addIssue({ code: 'custom', path: ['subscriptions', 'email_marketing'], message: 'needs the profile email' });
    }
    if (profile.subscriptions?.sms_marketing !== undefined && profile.phone_number === undefined) {
      ctx.addIssue({ code: 'custom', path: ['subscriptions', 'sms_marketing'], message: 'needs the profile phone_number (E.164)' });
    }
  });

export type ProfileInput = z.output<typeof profileSchema>;
