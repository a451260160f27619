import { describe, expect, it } from 'vitest';
import { allPages, buildBulkImport, buildProfileImport, klaviyo, manualClock, startSandbox } from './klaviyo-support.js';

describe('Klaviyo sandbox: profiles', () => {
  it('when a profile is imported twice by email, then 201 then 200 with the same id, fields merged', async () => {
    const sandbox = await startSandbox();
    const first = await klaviyo(sandbox, 'POST', '/api/profile-import', buildProfileImport({ email: 'new@example.org', first_name: 'Ada', properties: { plan: 'pro' } }));
    expect(first.status).toBe(201);
    const second = await klaviyo(sandbox, 'POST', '/api/profile-import', buildProfileImport({ email: 'NEW@example.org', last_name: 'L', properties: { tier: 2 } }));
    expect(second.status).toBe(200);
    expect(second.body.data.id).toBe(first.body.data.id);
    expect(second.body.data.attributes).toMatchObject({ first_name: 'Ada', last_name: 'L', properties: { plan: 'pro', tier: 2 } });
    expect(sandbox.report()).toMatchObject({ profilesCreated: 1, profilesUpdated: 1, profilesStored: 1 });
  });

  it('when a seeded profile is upserted by external_id, then it is updated in place', async () => {
    const sandbox = await startSandbox();
    const answer = await klaviyo(sandbox, 'POST', '/api/profile-import', buildProfileImport({ external_id: 'cust-5', first_name: 'Renamed' }));
    expect(answer.status).toBe(200);
    const listed = await klaviyo(sandbox, 'GET', `/api/profiles?filter=${encodeURIComponent('equals(external_id,"cust-5")')}`);
    expect(listed.body.data).toHaveLength(1);
    expect(listed.body.data[0]).toMatchObject({ id: answer.body.data.id, attributes: { first_name: 'Renamed', email: expect.stringMatching(/\.5@example\.com$/) } });
  });

  it('when POST /api/profiles names an existing identity, then 409 duplicate_profile with its id', async () => {
    const sandbox = await startSandbox();
    const email = sandbox.data.profiles.attributes(3)!.email!;
    const answer = await klaviyo(sandbox, 'POST', '/api/profiles', buildProfileImport({ email }));
    expect(answer.status).toBe(409);
    expect(answer.body.errors[0]).toMatchObject({ code: 'duplicate_profile', meta: { duplicate_profile_id: sandbox.data.account.profiles.idOf(3) } });
  });

  it('when PATCH carries an id other than the path, then 400 on /data/id; with the same id, then 200', async () => {
    const sandbox = await startSandbox();
    const id = sandbox.data.account.profiles.idOf(1);
    const other = sandbox.data.account.profiles.idOf(2);
    const mismatch = await klaviyo(sandbox, 'PATCH', `/api/profiles/${id}`, { data: { type: 'profile', id: other, attributes: { title: 'CEO' } } });
    expect(mismatch.body.errors[0].source.pointer).toBe('/data/id');
    const ok = await klaviyo(sandbox, 'PATCH', `/api/profiles/${id}`, { data: { type: 'profile', id, attributes: { title: 'CEO' } } });
    expect(ok.status).toBe(200);
    expect((await klaviyo(sandbox, 'GET', `/api/profiles/${id}`)).body.data.attributes.title).toBe('CEO');
  });

  it('when profiles are paged to the end, then every profile is served exactly once via absolute links.next', async () => {
    const sandbox = await startSandbox({ scale: { profiles: 250 } });
    await klaviyo(sandbox, 'POST', '/api/profile-import', buildProfileImport({ email: 'late@example.org' }));
    const first = await klaviyo(sandbox, 'GET', '/api/profiles?page[size]=100');
    expect(first.body.links.next).toMatch(new RegExp(`^${sandbox.url}/api/profiles\\?`));
    const all = await allPages(sandbox, '/api/profiles?page[size]=100');
    const ids = all.map((profile) => profile.id);
    expect(ids).toHaveLength(251);
    expect(new Set(ids).size).toBe(251);
  });

  it('when a bulk import job is polled, then it answers queued (zero counts) at first, runs for its live duration, and only then completes and lists invalid profiles as import errors', async () => {
    const clock = manualClock();
    const sandbox = await startSandbox({ now: clock.now, live: { profileImportJobMs: 90_000 } });
    const created = await klaviyo(sandbox, 'POST', '/api/profile-bulk-import-jobs', buildBulkImport([
      { email: 'ok1@example.org' },
      { email: 'not-an-email' },
      { email: 'ok2@example.org', phone_number: '555-0100' },
      { external_id: 'crm-9' },
    ]));
    expect(created.status).toBe(202);
    expect(created.body.data).toMatchObject({ type: 'profile-bulk-import-job', attributes: { status: 'queued', total_count: 4 } });
    const jobPath = `/api/profile-bulk-import-jobs/${created.body.data.id}`;
    clock.advance(60_000);
    // Live: the first poll still answers queued with zero counts, however late it comes.
    expect((await klaviyo(sandbox, 'GET', jobPath)).body.data.attributes).toMatchObject({ status: 'queued', completed_count: 0, failed_count: 0 });
    expect((await klaviyo(sandbox, 'GET', jobPath)).body.data.attributes.status).toBe('processing');
    expect(sandbox.data.profiles.lookup('email', 'ok1@example.org')).toBeNull();
    clock.advance(30_000);
    const done = await klaviyo(sandbox, 'GET', jobPath);
    expect(done.body.data.attributes).toMatchObject({ status: 'complete', completed_count: 2, failed_count: 2 });
    const errors = await klaviyo(sandbox, 'GET', `${jobPath}/import-errors`);
    expect(errors.body.data.map((error: { attributes: { source: { pointer: string } } }) => error.attributes.source.pointer)).toEqual([
      '/data/attributes/profiles/data/1/attributes/email',
      '/data/attributes/profiles/data/2/attributes/phone_number',
    ]);
    expect(errors.body.data[0]).toMatchObject({ type: 'import-error', attributes: { code: 'invalid', title: expect.any(String), detail: expect.any(String), original_payload: { email: 'not-an-email' } } });
    expect(sandbox.data.profiles.lookup('email', 'ok1@example.org')).not.toBeNull();
    expect(sandbox.data.profiles.lookup('external_id', 'crm-9')).not.toBeNull();
    expect(sandbox.report().bulkJobs).toEqual([{ kind: 'profile-bulk-import', id: created.body.data.id, items: 4, status: 'complete', failed: 2 }]);
  });

  it('when a bulk import carries more than 10,000 profiles, then 400 on the profiles array', async () => {
    const sandbox = await startSandbox();
    const profiles = Array.from({ length: 10_001 }, (_, i) => ({ email: `p${i}@example.org` }));
    const answer = await klaviyo(sandbox, 'POST', '/api/profile-bulk-import-jobs', buildBulkImport(profiles));
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].source.pointer).toBe('/data/attributes/profiles/data');
  });

  const subscribeJob = (profiles: Record<string, unknown>[], extra: { listId?: string; historical?: boolean } = {}) => ({
    data: {
      type: 'profile-subscription-bulk-create-job',
      attributes: {
        ...(extra.historical ? { historical_import: true } : {}),
        profiles: { data: profiles.map((attributes) => ({ type: 'profile', attributes })) },
      },
      ...(extra.listId ? { relationships: { list: { data: { type: 'list', id: extra.listId } } } } : {}),
    },
  });

  it('when an unknown email subscribes with no list and no historical import, then nothing is created (live); a known one is subscribed', async () => {
    const sandbox = await startSandbox();
    const known = sandbox.data.profiles.attributes(4)!.email!;
    const marketing = { email: { marketing: { consent: 'SUBSCRIBED' } } };
    const answer = await klaviyo(sandbox, 'POST', '/api/profile-subscription-bulk-create-jobs', subscribeJob([
      { email: 'stranger@example.org', subscriptions: marketing },
      { email: known, subscriptions: marketing },
    ]));
    expect(answer.status).toBe(202);
    expect(sandbox.data.profiles.lookup('email', 'stranger@example.org')).toBeNull();
    expect(sandbox.report().subscriptions.emailSubscribed).toBe(1);
    expect(sandbox.report().bulkJobs).toEqual([expect.objectContaining({ kind: 'subscription-bulk-create', items: 2, dropped: 1 })]);
  });

  it('when an unknown email subscribes as a historical import with consented_at, then it is created and subscribed', async () => {
    const sandbox = await startSandbox();
    const consent = { email: { marketing: { consent: 'SUBSCRIBED', consented_at: '2025-01-02T03:04:05Z' } } };
    expect((await klaviyo(sandbox, 'POST', '/api/profile-subscription-bulk-create-jobs', subscribeJob([{ email: 'old-optin@example.org', subscriptions: consent }], { historical: true }))).status).toBe(202);
    const index = sandbox.data.profiles.lookup('email', 'old-optin@example.org');
    expect(index).not.toBeNull();
    expect(sandbox.data.consents.get(index!)).toEqual({ email: 'SUBSCRIBED' });
  });

  it('when profiles subscribe and join a list, then consent and membership are reported', async () => {
    const sandbox = await startSandbox();
    const list = sandbox.data.account.lists[0]!.id;
    const body = {
      data: {
        type: 'profile-subscription-bulk-create-job',
        attributes: {
          profiles: {
            data: [
              { type: 'profile', attributes: { email: 's1@example.org', subscriptions: { email: { marketing: { consent: 'SUBSCRIBED' } } } } },
              { type: 'profile', attributes: { email: 's2@example.org', phone_number: '+15005550006', subscriptions: { sms: { marketing: { consent: 'SUBSCRIBED' } } } } },
            ],
          },
        },
        relationships: { list: { data: { type: 'list', id: list } } },
      },
    };
    expect((await klaviyo(sandbox, 'POST', '/api/profile-subscription-bulk-create-jobs', body)).status).toBe(202);
    const member = sandbox.data.account.profiles.idOf(0);
    expect((await klaviyo(sandbox, 'POST', `/api/lists/${list}/relationships/profiles`, { data: [{ type: 'profile', id: member }] })).status).toBe(204);
    const report = sandbox.report();
    expect(report.subscriptions).toEqual({ emailSubscribed: 1, smsSubscribed: 1, unsubscribed: 0 });
    expect(report.listMemberships).toEqual({ [list]: 3 });
  });
});
