import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ADMIN, INGEST, startPrivacyHarness, type PrivacyHarness } from './support/privacy-harness.js';

/**
 * Privacy deletions end to end: the service as production builds it, on SQLite, against the Klaviyo
 * sandbox, its Klaviyo requests recorded (and held where a test needs a batch on the wire).
 */
const KATE = 'Kate.Doe@Example.com';
const kate = KATE.toLowerCase();

const deletionsOf = (h: PrivacyHarness) => h.wire.requests.filter((r) => r.path === '/api/data-privacy-deletion-jobs');
const naming = (text: string, identifier: string) => text.toLowerCase().includes(identifier.toLowerCase());

async function drained(h: PrivacyHarness) {
  await vi.waitFor(
    async () => {
      const { kinds } = await h.service.store.outbox.stats(new Date());
      const busy = Object.entries(kinds).filter(([, k]) => k.pending + k.in_flight + k.verifying > 0);
      expect(busy).toEqual([]);
    },
    { timeout: 10_000, interval: 20 },
  );
}

async function deletionIn(h: PrivacyHarness, id: string, status: 'sent' | 'failed') {
  return vi.waitFor(
    async () => {
      const { body } = await h.http.get(`/v1/privacy/deletions/${id}`).set('authorization', ADMIN).expect(200);
      expect(body.status).toBe(status);
      return body as Record<string, unknown>;
    },
    { timeout: 10_000, interval: 20 },
  );
}

/** Every file of the store (the database, its WAL and shared memory), as text, lower-cased. */
function storeFiles(h: PrivacyHarness): string {
  return readdirSync(h.dataDir)
    .map((name) => readFileSync(join(h.dataDir, name)).toString('latin1'))
    .join('\n')
    .toLowerCase();
}

/** What the /v1 read routes answer, as one text. */
async function v1Answers(h: PrivacyHarness, deletionId: string): Promise<string> {
  const paths = [`/v1/privacy/deletions/${deletionId}`, '/v1/sync', '/v1/sync/dead-letters', '/v1/webhooks/events', '/v1/webhooks/forwards/dead-letters'];
  const answers = await Promise.all(paths.map((path) => h.http.get(path).set('authorization', ADMIN).expect(200)));
  return answers.map((a) => a.text).join('\n');
}

describe('privacy deletions against the Klaviyo sandbox', () => {
  let h: PrivacyHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('when a person Klaviyo knows is deleted, then the store is purged, Klaviyo gets one deletion by email, and afterwards no store file, log line or /v1 answer names them', async () => {
    h = await startPrivacyHarness();
    await h.http.post('/v1/profiles').set('authorization', INGEST).send({ profiles: [{ email: KATE, first_name: 'Kate' }, { email: 'bob@example.com' }] }).expect(202);
    await h.http.post('/v1/events').set('authorization', INGEST).send({ events: [{ event_name: 'Viewed Product', email: KATE }, { event_name: 'Viewed Product', email: 'bob@example.com' }] }).expect(202);
    await drained(h);
    expect(h.sandbox.data.profiles.lookup('email', kate)).not.toBeNull();
    await h.service.store.inbox.storeDelivery(
      {
        klaviyoAccountId: 'ACCT',
        klaviyoWebhookId: 'wh-1',
        events: [
          { externalId: 'evt-kate', topic: 'event:klaviyo.opened_email', payload: { data: [{ type: 'event', attributes: { profile: { email: KATE } } }] } },
          { externalId: 'evt-bob', topic: 'event:klaviyo.opened_email', payload: { data: [{ type: 'event', attributes: { profile: { email: 'bob@example.com' } } }] } },
        ],
      },
      new Date(),
    );

    const posted = await h.http.post('/v1/privacy/deletions').set('authorization', ADMIN).send({ email: KATE }).expect(202);
    expect(posted.body).toEqual({ id: expect.any(String), status: 'queued', links: { self: `/v1/privacy/deletions/${posted.body.id}` } });
    expect(posted.headers.location).toBe(posted.body.links.self);
    const sent = await deletionIn(h, posted.body.id as string, 'sent');
    expect(sent).toEqual({ id: posted.body.id, status: 'sent', requested_at: expect.any(String), sent_at: expect.any(String), purged: { outbox: 0, webhook_events: 1, forwards: 0 } });

    expect(deletionsOf(h).map((r) => [r.status, JSON.parse(r.body)])).toEqual([
      [202, { data: { type: 'data-privacy-deletion-job', attributes: { profile: { data: { type: 'profile', attributes: { email: kate } } } } } }],
    ]);
    await h.sandbox.data.privacyDeletions.settled();
    expect(h.sandbox.data.profiles.lookup('email', kate)).toBeNull();
    expect(h.sandbox.data.profiles.lookup('email', 'bob@example.com')).not.toBeNull();
    expect((await h.service.store.inbox.list({ limit: 10 })).map((e) => e.externalId)).toEqual(['evt-bob']);

    expect(naming(storeFiles(h), kate)).toBe(false);
    expect(naming(storeFiles(h), 'bob@example.com')).toBe(true); // the search can find what is there
    expect(naming(h.logs.text(), kate)).toBe(false);
    expect(naming(await v1Answers(h, posted.body.id as string), kate)).toBe(false);
  });

  it('when the person’s events are on the wire, then they are not re-queued nor sent again, and Klaviyo’s deletion goes only after their batch has settled', async () => {
    h = await startPrivacyHarness();
    await h.http.post('/v1/profiles').set('authorization', INGEST).send({ email: KATE }).expect(202);
    await drained(h);
    const readyToSend = vi.spyOn(h.service.store.privacy, 'readyToSend');
    // Both attempts of the client's one retry layer are held, then fail: the batch settles as a failure.
    const hold = h.wire.hold(/\/api\/event-bulk-create-jobs$/, { requests: 2, status: 503 });
    await h.http.post('/v1/events').set('authorization', INGEST).send({ events: [{ event_name: 'Viewed Product', email: KATE, insert_id: 'k-1' }, { event_name: 'Viewed Product', email: 'bob@example.com', insert_id: 'b-1' }] }).expect(202);
    await vi.waitFor(() => expect(hold.caught).toBe(1), { timeout: 5_000, interval: 10 });

    const posted = await h.http.post('/v1/privacy/deletions').set('authorization', ADMIN).send({ email: KATE }).expect(202);
    const id = posted.body.id as string;
    const queued = await h.http.get(`/v1/privacy/deletions/${id}`).set('authorization', ADMIN).expect(200);
    expect(queued.body).toMatchObject({ status: 'queued', purged: { outbox: 1, webhook_events: 0, forwards: 0 } });
    // The worker has looked and found the batch still out: nothing goes to Klaviyo meanwhile.
    await vi.waitFor(async () => expect(await Promise.all(readyToSend.mock.results.map((r) => r.value))).toContain(false), { timeout: 5_000, interval: 10 });
    expect(deletionsOf(h)).toEqual([]);

    hold.release();
    await deletionIn(h, id, 'sent');
    await drained(h);

    const batches = h.wire.requests.filter((r) => r.path === '/api/event-bulk-create-jobs');
    const withKate = batches.filter((r) => naming(r.body, kate));
    const [deletion] = deletionsOf(h);
    expect(withKate.map((r) => r.status)).toEqual([503, 503]); // the held batch and its retry; never again
    for (const batch of withKate) expect(batch.answeredSeq).toBeLessThan(deletion!.sentSeq);
    expect(batches.filter((r) => r.status === 202).map((r) => naming(r.body, 'bob@example.com'))).toEqual([true]);
    expect(h.sandbox.data.events.events.some((e) => JSON.stringify(e).toLowerCase().includes(kate))).toBe(false);
    await h.sandbox.data.privacyDeletions.settled();
    expect(h.sandbox.data.profiles.lookup('email', kate)).toBeNull();
  });

  it('when the person’s profile is in a bulk import job Klaviyo is still running, then the deletion is sent only after that job has ended and been verified', async () => {
    h = await startPrivacyHarness({ sandbox: { live: { profileImportJobMs: 400 } } });
    const profiles = [{ email: KATE }, ...Array.from({ length: 11 }, (_, i) => ({ email: `bulk-${i}@example.com` }))];
    await h.http.post('/v1/profiles').set('authorization', INGEST).send({ profiles }).expect(202);
    await vi.waitFor(async () => expect((await h!.service.store.outbox.stats(new Date())).kinds.profile.verifying).toBe(12), { timeout: 5_000, interval: 10 });

    const posted = await h.http.post('/v1/privacy/deletions').set('authorization', ADMIN).send({ email: KATE }).expect(202);
    await deletionIn(h, posted.body.id as string, 'sent');
    await drained(h);
    const polls = h.wire.requests.filter((r) => r.path.startsWith('/api/profile-bulk-import-jobs/'));
    const [deletion] = deletionsOf(h);
    expect(polls.length).toBeGreaterThan(0);
    for (const poll of polls) expect(poll.answeredSeq).toBeLessThan(deletion!.sentSeq);
    expect((await h.service.store.outbox.stats(new Date())).kinds.profile).toMatchObject({ verifying: 0, dead: 0 });
    await h.sandbox.data.privacyDeletions.settled();
    expect(h.sandbox.data.profiles.lookup('email', kate)).toBeNull();
    expect(h.sandbox.data.profiles.lookup('email', 'bulk-0@example.com')).not.toBeNull();
  });

  it('when a distinct_id Klaviyo does not know is deleted, then the deletion fails with Klaviyo’s answer and the local purge is done', async () => {
    h = await startPrivacyHarness({ start: false });
    await h.http.post('/v1/events').set('authorization', INGEST).send({ event_name: 'Viewed Product', distinct_id: 'crm-ghost-7' }).expect(202);
    const posted = await h.http.post('/v1/privacy/deletions').set('authorization', ADMIN).send({ distinct_id: 'crm-ghost-7' }).expect(202);
    await h.service.start();
    const failed = await deletionIn(h, posted.body.id as string, 'failed');
    expect(failed).toEqual({
      id: posted.body.id,
      status: 'failed',
      requested_at: expect.any(String),
      purged: { outbox: 1, webhook_events: 0, forwards: 0 },
      error: { code: 'profile_not_found', detail: expect.any(String) },
    });
    expect(h.wire.requests.map((r) => r.path)).toEqual(['/api/profiles']);
    expect(naming(storeFiles(h), 'crm-ghost-7')).toBe(false);
    expect(naming(h.logs.text(), 'crm-ghost-7')).toBe(false);
    expect(naming(await v1Answers(h, posted.body.id as string), 'crm-ghost-7')).toBe(false);
  });

  it('when a distinct_id Klaviyo knows is deleted, then it is resolved to the profile id, and that profile is deleted', async () => {
    h = await startPrivacyHarness();
    await h.http.post('/v1/profiles').set('authorization', INGEST).send({ distinct_id: 'crm-55', email: 'dana@example.com' }).expect(202);
    await drained(h);
    const index = h.sandbox.data.profiles.lookup('external_id', 'crm-55');
    expect(index).not.toBeNull();
    const posted = await h.http.post('/v1/privacy/deletions').set('authorization', ADMIN).send({ distinct_id: 'crm-55' }).expect(202);
    await deletionIn(h, posted.body.id as string, 'sent');
    const [deletion] = deletionsOf(h);
    const body = JSON.parse(deletion!.body) as { data: { attributes: { profile: { data: { id: string; attributes: object } } } } };
    expect(body.data.attributes.profile.data).toEqual({ type: 'profile', id: expect.any(String), attributes: {} });
    await h.sandbox.data.privacyDeletions.settled();
    expect(h.sandbox.data.profiles.lookup('external_id', 'crm-55')).toBeNull();
    expect(naming(h.logs.text(), 'crm-55')).toBe(false);
  });

  it('when two identifiers are posted, then the 400 names the problem and nothing changes, in the store or at Klaviyo', async () => {
    h = await startPrivacyHarness();
    await h.http.post('/v1/events').set('authorization', INGEST).send({ event_name: 'Viewed Product', email: KATE }).expect(202);
    await drained(h);
    const before = h.wire.requests.length;
    const refused = await h.http.post('/v1/privacy/deletions').set('authorization', ADMIN).send({ email: KATE, phone_number: '+15005550006' }).expect(400);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body.errors).toEqual([{ path: '/phone_number', message: expect.stringMatching(/one identifier per deletion: got email and phone_number/) }]);
    expect(await h.service.store.privacy.due(new Date(Date.now() + 86_400_000), 10)).toEqual([]);
    expect(h.wire.requests.length).toBe(before);
    expect(naming(refused.text, kate)).toBe(false);
  });

  it('when a deletion is posted to the leader, then its worker is woken at once, not at its next poll', async () => {
    h = await startPrivacyHarness({ overrides: { privacyWorker: { pollIntervalMs: 600_000 } } });
    await h.http.post('/v1/profiles').set('authorization', INGEST).send({ email: 'erin@example.com' }).expect(202);
    await drained(h);
    const posted = await h.http.post('/v1/privacy/deletions').set('authorization', ADMIN).send({ email: 'erin@example.com' }).expect(202);
    await deletionIn(h, posted.body.id as string, 'sent');
  });
});
