import { describe, expect, it } from 'vitest';
import { buildSubscribeBody } from '../../services/klaviyo/bodies/subscription.js';
import type { KlaviyoConsentProfile } from '../../services/klaviyo/bodies/subscription.js';
import { deliverConsent } from '../../services/sync/consent-delivery.js';
import type { ConsentJobOptions, SyncKlaviyoApi } from '../../services/sync/klaviyo-sync-api.js';
import { mapProfile } from '../../services/sync/profile-mapping.js';
import { createProfileSchema } from '../../services/sync/profile-schema.js';
import type { OutboxItem } from '../../src/store/outbox.js';

const NOW = Date.UTC(2026, 6, 1);
const ctx = { now: () => new Date(NOW), random: () => 0.5, backoff: { baseDelayMs: 10, maxDelayMs: 100 } };

/** The consent items /v1/profiles stores for one profile, as the worker would claim them. */
function consentItems(profile: Record<string, unknown>, consentListId?: string): OutboxItem[] {
  const parsed = createProfileSchema(() => NOW).parse(profile);
  return mapProfile(parsed, { consentListId })
    .items.filter((i) => i.kind === 'consent')
    .map((i, n) => ({ id: String(n + 1), kind: 'consent', payload: i.payload, mergeKey: i.mergeKey, attempts: 0, createdAt: new Date(NOW), sizeBytes: 1 }));
}

function recordingApi() {
  const subscribed: Array<{ profiles: readonly KlaviyoConsentProfile[]; options: ConsentJobOptions | undefined }> = [];
  const api = {
    subscribe: async (profiles: readonly KlaviyoConsentProfile[], options?: ConsentJobOptions) => void subscribed.push({ profiles, options }),
    unsubscribe: async () => undefined,
  } as unknown as SyncKlaviyoApi;
  return { api, subscribed };
}

describe('consent delivery', () => {
  it('when a profile carries list_id, consented_at, custom_source and sms_transactional, then they reach the subscribe job as a historical import', async () => {
    const { api, subscribed } = recordingApi();
    const items = consentItems({
      email: 'ada@example.com',
      phone_number: '+15005550006',
      subscriptions: { email_marketing: true, sms_transactional: true, list_id: 'Y6nRLr', consented_at: '2025-02-03T04:05:06Z', custom_source: 'CRM import' },
    });
    const result = await deliverConsent(api, items, ctx);
    expect(result.outcomes.every((o) => o.status === 'delivered')).toBe(true);
    expect(subscribed).toEqual([
      {
        profiles: [{ email: 'ada@example.com', phone_number: '+15005550006', channels: { email_marketing: true, sms_transactional: true }, consented_at: '2025-02-03T04:05:06Z' }],
        options: { listId: 'Y6nRLr', customSource: 'CRM import', historicalImport: true },
      },
    ]);
    const body = buildSubscribeBody({ profiles: subscribed[0]!.profiles, ...subscribed[0]!.options });
    expect(body.data).toMatchObject({
      attributes: { custom_source: 'CRM import', historical_import: true },
      relationships: { list: { data: { type: 'list', id: 'Y6nRLr' } } },
    });
    expect(body.data.attributes.profiles.data[0]!.attributes.subscriptions).toEqual({
      email: { marketing: { consent: 'SUBSCRIBED', consented_at: '2025-02-03T04:05:06Z' } },
      sms: { transactional: { consent: 'SUBSCRIBED', consented_at: '2025-02-03T04:05:06Z' } },
    });
  });

  it('when no list is named, then KLAVIYO_CONSENT_LIST_ID is used for opt-ins only, and opt-ins without list wait for the profile', () => {
    const withDefault = consentItems({ email: 'b@example.com', phone_number: '+15005550006', subscriptions: { email_marketing: true, sms_marketing: false } }, 'DefList');
    expect(withDefault.map((i) => i.payload.list_id)).toEqual(['DefList', undefined]);
    const parsed = createProfileSchema(() => NOW).parse({ email: 'c@example.com', subscriptions: { email_marketing: true } });
    const [, consent] = mapProfile(parsed).items;
    expect(consent?.waitFor).toEqual({ kind: 'profile', mergeKey: 'email:c@example.com' });
    expect(mapProfile(parsed, { consentListId: 'DefList' }).items[1]?.waitFor).toBeUndefined();
  });

  it('when consented_at lies in the future, then the profile is refused with that path', () => {
    const result = createProfileSchema(() => NOW).safeParse({ email: 'd@example.com', subscriptions: { email_marketing: true, consented_at: '2027-01-01T00:00:00Z' } });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['subscriptions.consented_at']);
  });
});
