import { describe, expect, it } from 'vitest';
import { buildBulkEvents, buildEvent, buildProfileImport, klaviyo, manualClock, startSandbox } from './klaviyo-support.js';

describe('Klaviyo sandbox: auth, revision and body validation', () => {
  it('when the Authorization header is missing, then 401 not_authenticated in Klaviyo error shape', async () => {
    const sandbox = await startSandbox();
    const answer = await klaviyo(sandbox, 'GET', '/api/metrics', undefined, { authorization: undefined });
    expect(answer.status).toBe(401);
    expect(answer.body.errors[0]).toMatchObject({ status: 401, code: 'not_authenticated', title: expect.any(String), detail: expect.any(String), id: expect.any(String) });
  });

  it('when the key is wrong or uses the Bearer scheme, then 401', async () => {
    const sandbox = await startSandbox();
    expect((await klaviyo(sandbox, 'GET', '/api/metrics', undefined, { authorization: 'Klaviyo-API-Key pk_wrong' })).body.errors[0].code).toBe('authentication_failed');
    expect((await klaviyo(sandbox, 'GET', '/api/metrics', undefined, { authorization: 'Bearer pk_sandbox_test_key_0001' })).status).toBe(401);
  });

  it('when the revision header is missing or malformed, then 400 naming the parameter', async () => {
    const sandbox = await startSandbox();
    const missing = await klaviyo(sandbox, 'GET', '/api/metrics', undefined, { revision: undefined });
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0]).toMatchObject({ code: 'invalid', source: { parameter: 'revision' } });
    const malformed = await klaviyo(sandbox, 'GET', '/api/metrics', undefined, { revision: '15-07-2026' });
    expect(malformed.status).toBe(400);
    const older = await klaviyo(sandbox, 'GET', '/api/metrics', undefined, { revision: '2024-10-15' });
    expect(older.status).toBe(200);
    expect(sandbox.report().revisionsSeen).toEqual({ '2024-10-15': 1 });
  });

  it('when an event body misses a required field and has an unknown one, then 400 with a pointer to each', async () => {
    const sandbox = await startSandbox();
    const body = buildEvent();
    const attributes = body.data.attributes as Record<string, unknown>;
    delete attributes.metric;
    attributes.uniqueId = 'camelCase';
    const answer = await klaviyo(sandbox, 'POST', '/api/events', body);
    expect(answer.status).toBe(400);
    const pointers = answer.body.errors.map((error: { source: { pointer: string } }) => error.source.pointer);
    expect(pointers).toEqual(expect.arrayContaining(['/data/attributes/metric', '/data/attributes/uniqueId']));
    expect(answer.body.errors[0]).toMatchObject({ status: 400, code: 'invalid', title: 'Invalid input.' });
    expect(sandbox.report().eventsStored).toBe(0);
  });

  it('when a value has the wrong type or format, then the pointer names that value', async () => {
    const sandbox = await startSandbox();
    const answer = await klaviyo(sandbox, 'POST', '/api/events', buildEvent({ time: 'yesterday' }));
    expect(answer.status).toBe(400);
    expect(answer.body.errors.map((error: { source: { pointer: string } }) => error.source.pointer)).toEqual(['/data/attributes/time']);
    const wrongType = await klaviyo(sandbox, 'POST', '/api/profile-import', buildProfileImport({ email: 42 }));
    expect(wrongType.body.errors[0].source.pointer).toBe('/data/attributes/email');
  });

  it('when a bulk event job carries more than 1,000 events, then 400 and nothing is stored', async () => {
    const sandbox = await startSandbox();
    const events = Array.from({ length: 1001 }, (_, i) => ({ uniqueId: `e-${i}` }));
    const answer = await klaviyo(sandbox, 'POST', '/api/event-bulk-create-jobs', buildBulkEvents([{ email: 'many@example.org', events }]));
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].source.pointer).toBe('/data/attributes/events-bulk-create/data');
    expect(sandbox.report().eventsStored).toBe(0);
  });

  it('when the body is over 5 MB, not JSON, or of another media type, then 413, 400, 415', async () => {
    const sandbox = await startSandbox();
    const huge = buildEvent({ properties: { blob: 'x'.repeat(5 * 1024 * 1024) } });
    expect((await klaviyo(sandbox, 'POST', '/api/events', huge)).status).toBe(413);
    expect((await klaviyo(sandbox, 'POST', '/api/events', '{"data":')).status).toBe(400);
    expect((await klaviyo(sandbox, 'POST', '/api/events', buildEvent(), { 'content-type': 'text/plain' })).status).toBe(415);
  });

  it('when a path or method is unknown, then 404 or 405 in Klaviyo error shape', async () => {
    const sandbox = await startSandbox();
    expect((await klaviyo(sandbox, 'GET', '/api/nothing-here')).body.errors[0].code).toBe('not_found');
    expect((await klaviyo(sandbox, 'DELETE', '/api/metrics')).status).toBe(405);
  });

  it('when campaigns are listed without the channel filter, then 400 on the filter parameter', async () => {
    const sandbox = await startSandbox();
    const answer = await klaviyo(sandbox, 'GET', '/api/campaigns');
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].source).toEqual({ parameter: 'filter' });
    const badField = await klaviyo(sandbox, 'GET', `/api/campaigns?filter=${encodeURIComponent("equals(messages.channel,'email'),equals(color,'red')")}`);
    expect(badField.status).toBe(400);
  });

  it('when page[size] exceeds the endpoint maximum, then 400', async () => {
    const sandbox = await startSandbox();
    expect((await klaviyo(sandbox, 'GET', '/api/segments?page[size]=11')).status).toBe(400);
    expect((await klaviyo(sandbox, 'GET', '/api/profiles?page[size]=101')).status).toBe(400);
  });

  it('when a webhook is created with a description and an https endpoint, then 201; with http, then 400 on endpoint_url', async () => {
    const clock = manualClock();
    const sandbox = await startSandbox({ now: clock.now, live: { advancedKdp: true } });
    const webhook = (endpoint: string) => ({
      data: {
        type: 'webhook',
        attributes: { name: 'sink', description: 'all sms', endpoint_url: endpoint, secret_key: 'a-secret-of-16-chars' },
        relationships: { 'webhook-topics': { data: [{ type: 'webhook-topic', id: 'event:klaviyo.sent_sms' }] } },
      },
    });
    expect((await klaviyo(sandbox, 'POST', '/api/webhooks', webhook('https://example.org/hook'))).status).toBe(201);
    clock.advance(1000); // webhooks allow 1 request per second
    const insecure = await klaviyo(sandbox, 'POST', '/api/webhooks', webhook('http://example.org/hook'));
    expect(insecure.body.errors[0].source.pointer).toBe('/data/attributes/endpoint_url');
  });
});
