import supertest from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, buildFoundationApp, INGEST_TOKEN } from '../helpers/foundation-app.js';

/**
 * The privacy routes through the real app (the composition root's, on SQLite), no worker running:
 * what the edge accepts, refuses and answers, and that a refused request changes nothing.
 */
const ADMIN = `Bearer ${ADMIN_TOKEN}`;
const FAR_FUTURE = new Date('2100-01-01T00:00:00Z');

describe('privacy routes', () => {
  let built: ReturnType<typeof buildFoundationApp> | undefined;
  afterEach(async () => {
    await built?.service.stop(1_000);
    built = undefined;
  });
  const start = () => {
    built = buildFoundationApp();
    return { http: supertest(built.app), store: built.store, logs: built.logs };
  };

  it('when one identifier is posted with the admin token, then 202 links the deletion, the purge is done at once, and GET shows it queued', async () => {
    const { http, store } = start();
    await http.post('/v1/events').set('authorization', `Bearer ${INGEST_TOKEN}`).send({ events: [{ event_name: 'Viewed Product', email: 'ada@example.com' }, { event_name: 'Viewed Product', email: 'bob@example.com' }] }).expect(202);
    const posted = await http.post('/v1/privacy/deletions').set('authorization', ADMIN).send({ email: 'Ada@Example.com' }).expect(202);
    expect(posted.body).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 'queued', links: { self: `/v1/privacy/deletions/${posted.body.id}` } });
    expect(posted.headers.location).toBe(posted.body.links.self);
    expect((await store.outbox.stats(new Date())).kinds.event.pending).toBe(1);

    const got = await http.get(posted.body.links.self).set('authorization', ADMIN).expect(200);
    expect(got.body).toEqual({ id: posted.body.id, status: 'queued', requested_at: expect.any(String), purged: { outbox: 1, webhook_events: 0, forwards: 0 } });
    expect(got.text.toLowerCase()).not.toContain('ada@example.com');
  });

  it.each([
    ['no identifier', {}, '/', /exactly one of email, phone_number, distinct_id/],
    ['two identifiers', { email: 'ada@example.com', distinct_id: 'crm-1' }, '/distinct_id', /one identifier per deletion: got email and distinct_id/],
    ['three identifiers', { email: 'ada@example.com', phone_number: '+15005550006', distinct_id: 'crm-1' }, '/phone_number', /got email and phone_number and distinct_id/],
    ['an unknown member', { email: 'ada@example.com', reason: 'gdpr' }, '/', /Unrecognized key: "reason"/],
    ['an invalid email', { email: 'ada-at-example.com' }, '/email', /email/],
    ['a phone number not in E.164', { phone_number: '(500) 555-0006' }, '/phone_number', /E\.164/],
    ['an empty distinct_id', { distinct_id: '' }, '/distinct_id', /./],
    ['an array', [{ email: 'ada@example.com' }], '/', /expected object/],
  ])('when the body has %s, then 400 problem+json names it and nothing is stored or purged', async (_case, body, path, message) => {
    const { http, store } = start();
    await http.post('/v1/events').set('authorization', `Bearer ${INGEST_TOKEN}`).send({ event_name: 'Viewed Product', email: 'ada@example.com' }).expect(202);
    const refused = await http.post('/v1/privacy/deletions').set('authorization', ADMIN).send(body).expect(400);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ status: 400, type: 'urn:klaviyo-bridge:problem:validation_failed' });
    expect(refused.body.errors).toContainEqual({ path, message: expect.stringMatching(message) });
    for (const value of ['ada-at-example.com', '(500) 555-0006']) expect(refused.text).not.toContain(value);
    expect(await store.privacy.due(FAR_FUTURE, 10)).toEqual([]);
    expect((await store.outbox.stats(new Date())).kinds.event.pending).toBe(1);
  });

  it('when the body is not JSON, then 415; without a token 401; with an ingest token 403; and nothing is stored', async () => {
    const { http, store } = start();
    await http.post('/v1/privacy/deletions').set('authorization', ADMIN).set('content-type', 'text/plain').send('email=ada@example.com').expect(415);
    await http.post('/v1/privacy/deletions').send({ email: 'ada@example.com' }).expect(401);
    await http.post('/v1/privacy/deletions').set('authorization', `Bearer ${INGEST_TOKEN}`).send({ email: 'ada@example.com' }).expect(403);
    await http.get('/v1/privacy/deletions/whatever').expect(401);
    expect(await store.privacy.due(FAR_FUTURE, 10)).toEqual([]);
  });

  it('when an unknown id is asked for, then 404 problem+json without echoing it', async () => {
    const { http } = start();
    const missing = await http.get('/v1/privacy/deletions/ada%40example.com').set('authorization', ADMIN).expect(404);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(missing.body).toMatchObject({ status: 404, type: 'urn:klaviyo-bridge:problem:not_found' });
    expect(missing.text).not.toContain('ada');
  });

  it('when deletions are requested and read, then no log line names the person', async () => {
    const { http, logs } = start();
    await http.post('/v1/events').set('authorization', `Bearer ${INGEST_TOKEN}`).send({ event_name: 'Viewed Product', distinct_id: 'crm-secret-9' }).expect(202);
    const posted = await http.post('/v1/privacy/deletions').set('authorization', ADMIN).send({ distinct_id: 'crm-secret-9' }).expect(202);
    await http.get(posted.body.links.self).set('authorization', ADMIN).expect(200);
    await http.post('/v1/privacy/deletions').set('authorization', ADMIN).send({ distinct_id: 'crm-secret-9', email: 'x' }).expect(400);
    expect(logs.lines.length).toBeGreaterThan(0);
    expect(logs.text()).not.toContain('crm-secret-9');
  });

  it('when /openapi.json is read, then both routes are there, with the request schema the route validates with', async () => {
    const { http } = start();
    const { body } = await http.get('/openapi.json').expect(200);
    const post = body.paths['/v1/privacy/deletions'].post;
    expect(post.security).toEqual([{ adminToken: [] }]);
    const schema = post.requestBody.content['application/json'].schema;
    expect(Object.keys(schema.properties).sort()).toEqual(['distinct_id', 'email', 'phone_number']);
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(post.responses).sort()).toEqual(['202', '400']);
    const get = body.paths['/v1/privacy/deletions/{id}'].get;
    expect(get.parameters).toEqual([{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }]);
    expect(get.responses['200'].content['application/json'].schema.properties.status.enum).toEqual(['queued', 'sent', 'failed']);
  });
});
