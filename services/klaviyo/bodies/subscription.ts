import { assertBatchSize, compact } from './compact.js';

/** Which consents to record. Only what is `true` is sent: consent that was not given never is. */
export interface KlaviyoConsentChannels {
  email_marketing?: boolean;
  sms_marketing?: boolean;
  sms_transactional?: boolean;
}

export interface KlaviyoConsentProfile {
  email?: string;
  /** E.164; required for SMS channels. */
  phone_number?: string;
  channels: KlaviyoConsentChannels;
  /** When consent was collected (past); sent only with `historicalImport`, as Klaviyo requires. */
  consented_at?: string;
}

export interface KlaviyoSubscribeInput {
  profiles: readonly KlaviyoConsentProfile[];
  listId?: string;
  customSource?: string;
  /** Skips double opt-in and "Added to list" flows; then `consented_at` is required by Klaviyo. */
  historicalImport?: boolean;
}

export interface KlaviyoUnsubscribeInput {
  profiles: readonly KlaviyoConsentProfile[];
  listId?: string;
}

export const MAX_PROFILES_PER_SUBSCRIBE_JOB = 1_000;
export const MAX_PROFILES_PER_UNSUBSCRIBE_JOB = 100;

function channelsOf(profile: KlaviyoConsentProfile, consent: 'SUBSCRIBED' | 'UNSUBSCRIBED', consentedAt?: string) {
  const state = compact({ consent, consented_at: consentedAt });
  const { email_marketing, sms_marketing, sms_transactional } = profile.channels;
  const sms = compact({ marketing: sms_marketing ? state : undefined, transactional: sms_transactional ? state : undefined });
  const channels = compact({
    email: email_marketing ? { marketing: state } : undefined,
    sms: Object.keys(sms).length > 0 ? sms : undefined,
  });
  if (Object.keys(channels).length === 0) throw new RangeError('a consent profile must name at least one channel');
  return channels;
}

function listRelationship(listId: string | undefined) {
  return listId ? { list: { data: { type: 'list' as const, id: listId } } } : undefined;
}

/** POST /api/profile-subscription-bulk-create-jobs: ≤ 1,000 profiles, consent SUBSCRIBED. */
export function buildSubscribeBody(input: KlaviyoSubscribeInput) {
  assertBatchSize('subscribe', input.profiles.length, MAX_PROFILES_PER_SUBSCRIBE_JOB);
  return {
    data: compact({
      type: 'profile-subscription-bulk-create-job' as const,
      attributes: compact({
        custom_source: input.customSource,
        historical_import: input.historicalImport,
        profiles: {
          data: input.profiles.map((p) => ({
            type: 'profile' as const,
            attributes: compact({
              email: p.email,
              phone_number: p.phone_number,
              subscriptions: channelsOf(p, 'SUBSCRIBED', input.historicalImport ? p.consented_at : undefined),
            }),
          })),
        },
      }),
      relationships: listRelationship(input.listId),
    }),
  };
}

/** POST /api/profile-subscription-bulk-delete-jobs: ≤ 100 profiles, consent UNSUBSCRIBED. */
export function buildUnsubscribeBody(input: KlaviyoUnsubscribeInput) {
  assertBatchSize('unsubscribe', input.profiles.length, MAX_PROFILES_PER_UNSUBSCRIBE_JOB);
  return {
    data: compact({
      type: 'profile-subscription-bulk-delete-job' as const,
      attributes: {
        profiles: {
          data: input.profiles.map((p) => ({
            type: 'profile' as const,
            attributes: compact({ email: p.email, phone_number: p.phone_number, subscriptions: channelsOf(p, 'UNSUBSCRIBED') }),
          })),
        },
      },
      relationships: listRelationship(input.listId),
    }),
  };
}
