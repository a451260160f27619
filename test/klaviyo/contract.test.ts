import { describe, expect, it } from 'vitest';
import { buildEventBulkCreateBody, buildEventCreateBody, serializeEventBulkCreateBody } from '../../services/klaviyo/bodies/event.js';
import { buildAddProfilesToListBody, buildRemoveProfilesFromListBody } from '../../services/klaviyo/bodies/list.js';
import { buildProfileDeletionBody } from '../../services/klaviyo/endpoints/privacy.js';
import {
  buildProfileBulkImportBody,
  buildProfileCreateBody,
  buildProfilePatchBody,
  buildProfileUpsertBody,
} from '../../services/klaviyo/bodies/profile.js';
import {
  buildCampaignValuesBody,
  buildFlowValuesBody,
  buildMetricAggregateBody,
} from '../../services/klaviyo/bodies/reporting.js';
import { buildSubscribeBody, buildUnsubscribeBody } from '../../services/klaviyo/bodies/subscription.js';
import { buildWebhookCreateBody } from '../../services/klaviyo/bodies/webhook.js';
import { buildConsentProfile, buildEventInput, buildEventProfile, buildProfileInput } from './support/builders.js';
import { createRequestValidator, loadSubset, operations } from './support/openapi-validator.js';

const spec = loadSubset();
const validatorFor = createRequestValidator(spec);

/** Every body our builders can produce, in its variants, by the operation it is sent to. */
const bodies: Array<[operationId: string, variant: string, body: unknown]> = [
  ['create_or_update_profile', 'full profile', buildProfileUpsertBody(buildProfileInput())],
  ['create_or_update_profile', 'by id with patch_properties', buildProfileUpsertBody(buildProfileInput({ id: '01GDD', patchProperties: { append: { tags: 'vip' }, unset: ['old'] } }))],
  ['create_or_update_profile', 'email only', buildProfileUpsertBody({ attributes: { email: 'a@b.com' } })],
  ['create_profile', 'full profile', buildProfileCreateBody(buildProfileInput())],
  ['update_profile', 'clears a field', buildProfilePatchBody('01GDD', { attributes: { first_name: null, properties: { x: 1 } } })],
  ['bulk_import_profiles', 'without lists', buildProfileBulkImportBody([buildProfileInput(), { attributes: { email: 'b@c.com' } }])],
  ['bulk_import_profiles', 'with lists', buildProfileBulkImportBody([buildProfileInput()], { listIds: ['Y6nRLr'] })],
  ['create_event', 'order with value', buildEventCreateBody(buildEventInput(), buildEventProfile())],
  ['create_event', 'minimal', buildEventCreateBody({ metric: 'Viewed Product', properties: {} }, { attributes: { phone_number: '+15005550006' } })],
  ['create_event', 'backfill', buildEventCreateBody(buildEventInput({ backfill: true }), buildEventProfile())],
  ['bulk_create_events', 'backfill on some events', buildEventBulkCreateBody([{ profile: buildEventProfile(), events: [buildEventInput({ backfill: true }), buildEventInput({ unique_id: 'x-2' })] }])],
  ['bulk_create_events', 'two profiles', buildEventBulkCreateBody([
    { profile: buildEventProfile(), events: [buildEventInput(), buildEventInput({ unique_id: 'order:1234:line:0', value: 10 })] },
    { profile: { attributes: { external_id: 'crm-9' } }, events: [buildEventInput({ value: undefined, value_currency: undefined })] },
  ])],
  ['bulk_subscribe_profiles', 'email + sms with list', buildSubscribeBody({ profiles: [buildConsentProfile({ channels: { email_marketing: true, sms_marketing: true, sms_transactional: true } })], listId: 'Y6nRLr', customSource: 'Checkout' })],
  ['bulk_subscribe_profiles', 'historical import', buildSubscribeBody({ profiles: [buildConsentProfile({ consented_at: '2024-01-01T00:00:00Z' })], historicalImport: true })],
  ['bulk_unsubscribe_profiles', 'email only', buildUnsubscribeBody({ profiles: [buildConsentProfile({ phone_number: undefined })] })],
  ['bulk_unsubscribe_profiles', 'sms with list', buildUnsubscribeBody({ profiles: [buildConsentProfile({ email: undefined, channels: { sms_marketing: true } })], listId: 'Y6nRLr' })],
  ['add_profiles_to_list', 'two ids', buildAddProfilesToListBody(['01A', '01B'])],
  ['remove_profiles_from_list', 'two ids', buildRemoveProfilesFromListBody(['01A', '01B'])],
  ['request_profile_deletion', 'by email', buildProfileDeletionBody({ email: 'ada@example.com' })],
  ['request_profile_deletion', 'by phone', buildProfileDeletionBody({ phone_number: '+15005550006' })],
  ['request_profile_deletion', 'by profile id', buildProfileDeletionBody({ profileId: '01GDDKASAP8TKDDA2GRZDSVP4H' })],
  ['query_metric_aggregates', 'by flow, daily', buildMetricAggregateBody({
    metric_id: 'RESQ6t', measurements: ['count', 'sum_value', 'unique'], interval: 'day', by: ['$attributed_flow'],
    filter: ['greater-or-equal(datetime,2024-09-01T00:00:00)', 'less-than(datetime,2024-10-01T00:00:00)'], timezone: 'America/New_York', page_size: 500,
  })],
  ['query_campaign_values', 'keyed timeframe', buildCampaignValuesBody({
    statistics: ['recipients', 'open_rate', 'click_rate', 'conversion_rate', 'revenue_per_recipient'],
    timeframe: { key: 'last_90_days' }, conversion_metric_id: 'RESQ6t', filter: 'equals(send_channel,"email")',
  })],
  ['query_flow_values', 'custom timeframe', buildFlowValuesBody({
    statistics: ['recipients', 'open_rate'], timeframe: { start: '2026-01-01T00:00:00Z', end: '2026-03-01T00:00:00Z' }, conversion_metric_id: 'RESQ6t',
  })],
  ['create_webhook', 'two topics', buildWebhookCreateBody({
    name: 'analysis-sink', endpoint_url: 'https://example.com/webhooks/klaviyo', secret_key: 'a-secret-of-24-characters',
    topics: ['event:klaviyo.opened_email', 'event:klaviyo.sent_sms'],
  })],
];

describe('Klaviyo request bodies against the shipped OpenAPI subset', () => {
  it.each(bodies)('when %s is built (%s), then its schema accepts it', (operationId, _variant, body) => {
    const validate = validatorFor(operationId);
    const ok = validate(body);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('when the subset has a request body, then a builder covers that operation', () => {
    const withBodies = operations(spec).filter((o) => o.operation.requestBody).map((o) => o.operation.operationId);
    expect(new Set(bodies.map(([id]) => id))).toEqual(new Set(withBodies));
  });

  const wrong: Array<[string, string, unknown]> = [
    ['create_event', 'metric name missing', { data: { type: 'event', attributes: { properties: {}, metric: { data: { type: 'metric', attributes: {} } }, profile: { data: { type: 'profile', attributes: { email: 'a@b.com' } } } } } }],
    ['create_event', 'value as a string', buildEventCreateBody(buildEventInput({ value: '99.99' as unknown as number }), buildEventProfile())],
    ['create_or_update_profile', 'wrong resource type', { data: { type: 'profiles', attributes: { email: 'a@b.com' } } }],
    ['bulk_subscribe_profiles', 'consent not SUBSCRIBED', { data: { type: 'profile-subscription-bulk-create-job', attributes: { profiles: { data: [{ type: 'profile', attributes: { email: 'a@b.com', subscriptions: { email: { marketing: { consent: 'UNSUBSCRIBED' } } } } }] } } } }],
    ['update_profile', 'id missing', { data: { type: 'profile', attributes: { first_name: 'A' } } }],
    ['request_profile_deletion', 'wrong job type', { data: { type: 'data-privacy-deletion-jobs', attributes: { profile: { data: { type: 'profile', attributes: { email: 'a@b.com' } } } } } }],
    ['query_campaign_values', 'unknown statistic', buildCampaignValuesBody({ statistics: ['vibes'], timeframe: { key: 'last_30_days' }, conversion_metric_id: 'X' })],
  ];

  it('when an event bulk body is written as text, then it is the document the builder makes', () => {
    const groups = [
      { profile: buildEventProfile({ id: '01P', attributes: { email: 'ada@example.com', first_name: undefined, location: { city: 'Paris', zip: undefined } } }), events: [buildEventInput(), buildEventInput({ unique_id: 'u"2', properties: { quote: 'say "hi"\n', nested: { a: [1, null] } } })] },
      { profile: { attributes: { external_id: 'crm-9', location: null, properties: { tier: 'gold' } } }, events: [buildEventInput({ time: undefined, value: undefined, value_currency: undefined, unique_id: undefined }), buildEventInput({ unique_id: 'b-1', backfill: true })] },
    ];
    const text = serializeEventBulkCreateBody(groups);
    expect(JSON.parse(text)).toStrictEqual(JSON.parse(JSON.stringify(buildEventBulkCreateBody(groups))));
    expect(validatorFor('bulk_create_events')(JSON.parse(text))).toBe(true);
    expect(() => serializeEventBulkCreateBody([])).toThrow(RangeError);
  });

  it.each(wrong)('when a %s body is wrong (%s), then the schema rejects it', (operationId, _variant, body) => {
    expect(validatorFor(operationId)(body)).toBe(false);
  });
});
