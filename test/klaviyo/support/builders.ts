import type { KlaviyoEventInput, KlaviyoEventProfile } from '../../../services/klaviyo/bodies/event.js';
import type { KlaviyoProfileInput } from '../../../services/klaviyo/bodies/profile.js';
import type { KlaviyoConsentProfile } from '../../../services/klaviyo/bodies/subscription.js';

export function buildProfileInput(overrides: Partial<KlaviyoProfileInput> = {}): KlaviyoProfileInput {
  return {
    attributes: {
      email: 'ada@example.com',
      phone_number: '+15005550006',
      external_id: 'crm-123',
      first_name: 'Ada',
      last_name: null,
      location: { city: 'Boston', country: 'US', zip: '02110', ip: undefined },
      properties: { plan: 'pro' },
    },
    ...overrides,
  };
}

export function buildEventInput(overrides: Partial<KlaviyoEventInput> = {}): KlaviyoEventInput {
  return {
    metric: 'Placed Order',
    properties: { OrderId: '1234', Items: ['A', 'B'] },
    time: '2026-07-20T12:00:00Z',
    value: 99.99,
    value_currency: 'USD',
    unique_id: 'order:1234:placed',
    ...overrides,
  };
}

export function buildEventProfile(overrides: Partial<KlaviyoEventProfile> = {}): KlaviyoEventProfile {
  return { attributes: { email: 'ada@example.com', external_id: 'crm-123' }, ...overrides };
}

export function buildConsentProfile(overrides: Partial<KlaviyoConsentProfile> = {}): KlaviyoConsentProfile {
  return { email: 'ada@example.com', phone_number: '+15005550006', channels: { email_marketing: true }, ...overrides };
}
