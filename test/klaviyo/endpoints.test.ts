import { describe, expect, it } from 'vitest';
import { createKlaviyoService, KlaviyoNotFoundError, KlaviyoValidationError } from '../../services/klaviyo/index.js';
import { createFakeFetch, type ScriptedAnswer } from './support/fake-fetch.js';
import { createFakeTime } from './support/fake-time.js';
import { settle } from './support/settle.js';
import { buildEventInput, buildEventProfile } from './support/builders.js';

const BASE = 'https://a.klaviyo.test';

function setup(script: ScriptedAnswer[]) {
  const time = createFakeTime();
  const { fetch, sent } = createFakeFetch(script);
  const service = createKlaviyoService({
    apiKey: 'pk_test_0123456789abcdef',
    baseUrl: BASE,
    revision: '2026-07-15',
    fetch,
    clock: time.clock,
    sleep: time.sleep,
    random: () => 0,
    retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 10 },
  });
  const run = <T>(promise: Promise<T>) => settle(promise, time);
  return { service, sent, run };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

const page = (ids: string[], next: string | null): ScriptedAnswer => ({
  status: 200,
  body: { data: ids.map((id) => ({ type: 'profile', id, attributes: {} })), links: { next } },
});

describe('Klaviyo endpoints', () => {
  it('when profiles are listed with predictive analytics, then every page is read in the lower class', async () => {
    const { service, sent, run } = setup([
      page(['p1', 'p2'], `${BASE}/api/profiles?page%5Bcursor%5D=c2&additional-fields%5Bprofile%5D=predictive_analytics`),
      page(['p3'], null),
    ]);
    const profiles = await run(collect(service.profiles.list({ additionalFields: ['predictive_analytics'], pageSize: 100 })));
    expect(profiles.map((p) => p.id)).toEqual(['p1', 'p2', 'p3']);
    expect(sent.map((r) => r.url.searchParams.get('page[cursor]'))).toEqual([null, 'c2']);
    expect(sent[0]?.url.searchParams.get('page[size]')).toBe('100');
    expect(Object.keys(service.limiters.stats())).toEqual(['get_profiles:predictive_analytics']);
  });

  it('when a server repeats the same next link, then pagination stops with an error instead of looping', async () => {
    const loop = `${BASE}/api/profiles?page%5Bcursor%5D=same`;
    const { service, run } = setup([page(['p1'], loop), page(['p2'], loop), page(['p3'], loop)]);
    await expect(run(collect(service.profiles.list()))).rejects.toThrow(/same next link/);
  });

  it('when a segment is read with its profile count, then the 1/s class and the additional field are used', async () => {
    const { service, sent, run } = setup([{ status: 200, body: { data: { type: 'segment', id: 'S1', attributes: { profile_count: 42 } } } }]);
    const segment = await run(service.segments.get('S1', { withProfileCount: true }));
    expect(segment.attributes.profile_count).toBe(42);
    expect(sent[0]?.url.searchParams.get('additional-fields[segment]')).toBe('profile_count');
    expect(Object.keys(service.limiters.stats())).toEqual(['get_segment:profile_count']);
  });

  it('when campaigns are listed, then the channel filter is always sent, and-ed with any other clause', async () => {
    const { service, sent, run } = setup([page([], null), page([], null)]);
    await run(collect(service.campaigns.list({ channel: 'sms' })));
    await run(collect(service.campaigns.list({ channel: 'email', filter: 'equals(status,"Sent")' })));
    expect(sent.map((r) => r.url.searchParams.get('filter'))).toEqual([
      'equals(messages.channel,"sms")',
      'and(equals(messages.channel,"email"),equals(status,"Sent"))',
    ]);
  });

  it('when an id holds path characters, then it is escaped into one path segment', async () => {
    const { service, sent, run } = setup([{ status: 200, body: { data: { type: 'template', id: 'T', attributes: {} } } }]);
    await run(service.flows.messageTemplate('../../api/webhooks'));
    expect(sent[0]?.url.pathname).toBe('/api/flow-messages/..%2F..%2Fapi%2Fwebhooks/template');
  });

  it('when every event of a bulk job has a unique_id, then a 503 is retried', async () => {
    const { service, sent, run } = setup([{ status: 503 }, { status: 202 }]);
    await run(service.events.bulkCreate([{ profile: buildEventProfile(), events: [buildEventInput()] }]));
    expect(sent).toHaveLength(2);
  });

  it('when one event of a bulk job lacks a unique_id, then a 503 is not retried (a repeat could double it)', async () => {
    const { service, sent, run } = setup([{ status: 503 }, { status: 202 }]);
    const events = [buildEventInput(), buildEventInput({ unique_id: undefined })];
    await expect(run(service.events.bulkCreate([{ profile: buildEventProfile(), events }]))).rejects.toMatchObject({ status: 503 });
    expect(sent).toHaveLength(1);
  });

  it('when a profile PATCH appends to a list property, then it is not retried', async () => {
    const { service, sent, run } = setup([{ status: 503 }, { status: 200, body: { data: {} } }]);
    await expect(run(service.profiles.update('01P', { attributes: {}, patchProperties: { append: { tags: 'vip' } } }))).rejects.toMatchObject({ status: 503 });
    expect(sent).toHaveLength(1);
  });

  it('when a profile is upserted, then created tells 201 from 200', async () => {
    const answer = (status: number): ScriptedAnswer => ({ status, body: { data: { type: 'profile', id: '01P', attributes: {} } } });
    const { service, run } = setup([answer(201), answer(200)]);
    await expect(run(service.profiles.upsert({ attributes: { email: 'a@b.com' } }))).resolves.toMatchObject({ created: true });
    await expect(run(service.profiles.upsert({ attributes: { email: 'a@b.com' } }))).resolves.toMatchObject({ created: false });
  });

  it('when a values report has another page, then its cursor is returned and sent back as page_cursor', async () => {
    const report = { data: { type: 'campaign-values-report', id: 'r', attributes: { results: [] } } };
    const { service, sent, run } = setup([
      { status: 200, body: { ...report, links: { next: `${BASE}/api/campaign-values-reports?page_cursor=abc` } } },
      { status: 200, body: report },
    ]);
    const query = { statistics: ['recipients'], timeframe: { key: 'last_90_days' }, conversion_metric_id: 'M1' };
    const first = await run(service.reports.campaignValues(query));
    expect(first.nextCursor).toBe('abc');
    const second = await run(service.reports.campaignValues(query, { pageCursor: first.nextCursor }));
    expect(second.nextCursor).toBeUndefined();
    expect(sent[1]?.url.searchParams.get('page_cursor')).toBe('abc');
  });

  it('when a read asks for more than its endpoint serves, then it asks for the live maximum and reads more pages', async () => {
    const { service, sent, run } = setup(Array.from({ length: 7 }, () => page([], null)));
    await run(collect(service.flows.list({ pageSize: 500 })));
    await run(collect(service.segments.list({ pageSize: 100 })));
    await run(collect(service.events.list({ pageSize: 1_000 })));
    await run(collect(service.profiles.list({ pageSize: 250 })));
    await run(collect(service.segments.profiles('Sg1234', { pageSize: 500 })));
    await run(collect(service.flows.messages('90000001', { pageSize: 0 })));
    await run(collect(service.campaigns.list({ channel: 'email' })));
    expect(sent.map((r) => r.url.searchParams.get('page[size]'))).toEqual(['50', '10', '200', '100', '100', '1', null]);
  });

  it('when an endpoint takes no page[size] (metrics, campaign messages), then none is sent', async () => {
    const { service, sent, run } = setup([page([], null), page([], null)]);
    await run(collect(service.metrics.list()));
    await run(collect(service.campaigns.messages('01CAMPAIGN')));
    expect(sent.every((r) => !r.url.searchParams.has('page[size]'))).toBe(true);
  });

  it('when a read by id is answered 400 for a malformed id (live, instead of 404), then it is KlaviyoNotFoundError', async () => {
    const malformed: ScriptedAnswer = {
      status: 400,
      body: { errors: [{ id: 'e', status: 400, code: 'invalid', title: 'Invalid input.', detail: "Invalid Flow Message ID: 'nope'", source: { pointer: '/data/id' }, links: [], meta: [] }] },
    };
    const { service, sent, run } = setup([malformed, malformed, malformed, malformed]);
    await expect(run(service.flows.message('nope'))).rejects.toBeInstanceOf(KlaviyoNotFoundError);
    await expect(run(service.segments.get('nope'))).rejects.toMatchObject({ constructor: KlaviyoNotFoundError, status: 400, code: 'not_found' });
    await expect(run(collect(service.segments.profiles('nope')))).rejects.toBeInstanceOf(KlaviyoNotFoundError);
    await expect(run(service.profileImports.get('nope'))).rejects.toBeInstanceOf(KlaviyoNotFoundError);
    expect(sent).toHaveLength(4); // not retried
  });

  it('when a read by id is answered 400 about a query parameter, then it stays a validation error', async () => {
    const badParameter: ScriptedAnswer = {
      status: 400,
      body: { errors: [{ code: 'invalid', title: 'Invalid input.', detail: "'x' is not a valid field", source: { parameter: 'additional-fields[profile]' } }] },
    };
    const { service, run } = setup([badParameter]);
    await expect(run(service.profiles.get('01PROFILE'))).rejects.toBeInstanceOf(KlaviyoValidationError);
  });
});
