import { describe, expect, it, vi } from 'vitest';
import { allPages, buildEvent, buildListMembers, buildProfileDeletion, buildProfileImport, klaviyo, manualClock, startSandbox } from './klaviyo-support.js';
import type { KlaviyoSandbox } from '../../sandbox/klaviyo/index.js';

const DELETION_JOBS = '/api/data-privacy-deletion-jobs';
const byEmail = (email: string) => `/api/profiles?filter=${encodeURIComponent(`equals(email,"${email}")`)}`;

/** A seeded profile that placed at least one seeded order and belongs to at least one segment. */
function seededBuyerInSegment(sandbox: KlaviyoSandbox) {
  const { orders, segments } = sandbox.data.account;
  for (let i = 0; i < orders.count; i++) {
    const profile = orders.profileIndexOf(i);
    const segment = segments.segments.findIndex((_, s) => segments.isMember(s, profile));
    if (segment < 0) continue;
    let ordersOfProfile = 0;
    for (let j = 0; j < orders.count; j++) if (orders.profileIndexOf(j) === profile) ordersOfProfile++;
    return { profile, segmentId: segments.segments[segment]!.id, ordersOfProfile };
  }
  throw new Error('no seeded buyer in a segment');
}

describe('Klaviyo sandbox: data-privacy deletion', () => {
  it('when a profile is deleted by email, then 202 without a body, and once the job has run the profile, its events, memberships and consent are gone; the report names the identifier kind only', async () => {
    const sandbox = await startSandbox();
    const email = 'forget-me@example.org';
    const created = await klaviyo(sandbox, 'POST', '/api/profile-import', buildProfileImport({ email, phone_number: '+15005550006' }));
    const id = created.body.data.id as string;
    const index = sandbox.data.profiles.indexOfId(id)!;
    await klaviyo(sandbox, 'POST', '/api/events', buildEvent({ email, uniqueId: 'o-1' }));
    await klaviyo(sandbox, 'POST', '/api/events', buildEvent({ email: 'stays@example.org', uniqueId: 'o-2' }));
    const list = sandbox.data.account.lists[0]!.id;
    await klaviyo(sandbox, 'POST', `/api/lists/${list}/relationships/profiles`, buildListMembers([id]));
    sandbox.data.setConsent(index, 'email', 'SUBSCRIBED');

    const answer = await klaviyo(sandbox, 'POST', DELETION_JOBS, buildProfileDeletion({ email: email.toUpperCase() }));
    expect(answer.status).toBe(202);
    expect(answer.body).toBeUndefined();
    expect(answer.headers.get('ratelimit-limit')).toBe('3, 3;w=1, 60;w=60');
    await sandbox.data.privacyDeletions.settled();

    expect((await klaviyo(sandbox, 'GET', byEmail(email))).body.data).toEqual([]);
    expect((await klaviyo(sandbox, 'GET', `/api/profiles/${id}`)).status).toBe(404);
    expect(sandbox.data.profiles.lookup('phone_number', '+15005550006')).toBeNull();
    const report = sandbox.report();
    expect(report).toMatchObject({ eventsStored: 1, eventsByMetric: { 'Placed Order': 1 }, listMemberships: { [list]: 0 }, profilesStored: 1 });
    expect(sandbox.data.consents.has(index)).toBe(false);
    expect(report.privacyDeletions).toEqual({
      requested: 1,
      completed: 1,
      pending: 0,
      notFound: 0,
      byIdentifier: { email: 1, phone_number: 0, id: 0 },
      profilesDeleted: 1,
      eventsDeleted: 1,
      jobs: [{ identifier: 'email', status: 'complete', profilesDeleted: 1, eventsDeleted: 1, listMembershipsRemoved: 1 }],
    });
    expect(JSON.stringify(report)).not.toContain('forget-me');
  });

  it('when the deletion delay is 0 (default), then the profile goes without any further request', async () => {
    const sandbox = await startSandbox();
    const email = sandbox.data.profiles.attributes(8)!.email!;
    expect((await klaviyo(sandbox, 'POST', DELETION_JOBS, buildProfileDeletion({ email }))).status).toBe(202);
    await vi.waitFor(() => expect(sandbox.report().privacyDeletions).toMatchObject({ completed: 1, pending: 0 }));
    expect(sandbox.data.profiles.attributes(8)).toBeNull();
    expect(sandbox.received()).toHaveLength(1);
  });

  it('when a seeded profile is deleted by id, then its seeded Placed Orders and its segment membership are no longer served', async () => {
    const sandbox = await startSandbox();
    const { profile, segmentId, ordersOfProfile } = seededBuyerInSegment(sandbox);
    const id = sandbox.data.account.profiles.idOf(profile);
    const filter = encodeURIComponent(`equals(metric_id,"${sandbox.truth.placedOrderMetricId}")`);
    const eventsBefore = await allPages(sandbox, `/api/events?filter=${filter}`);
    const membersBefore = await allPages(sandbox, `/api/segments/${segmentId}/profiles?page[size]=100`);
    expect(membersBefore.map((member) => member.id)).toContain(id);
    const day = 86_400_000;
    const since = new Date(sandbox.truth.anchorTimeMs - 364 * day).toISOString().slice(0, 19);
    const until = new Date(sandbox.truth.anchorTimeMs + day).toISOString().slice(0, 19);
    const aggregate = { data: { type: 'metric-aggregate', attributes: { metric_id: sandbox.truth.placedOrderMetricId, measurements: ['count'], interval: 'month', filter: [`greater-or-equal(datetime,${since})`, `less-than(datetime,${until})`] } } };
    const countOf = async () => ((await klaviyo(sandbox, 'POST', '/api/metric-aggregates', aggregate)).body.data.attributes.data[0].measurements.count as number[]).reduce((a, b) => a + b, 0);
    const countBefore = await countOf();
    expect(countBefore).toBe(eventsBefore.length);

    expect((await klaviyo(sandbox, 'POST', DELETION_JOBS, buildProfileDeletion({ id }))).status).toBe(202);
    await sandbox.data.privacyDeletions.settled();

    const eventsAfter = await allPages(sandbox, `/api/events?filter=${filter}`);
    expect(eventsAfter).toHaveLength(eventsBefore.length - ordersOfProfile);
    expect(eventsAfter.some((event) => event.relationships.profile.data.id === id)).toBe(false);
    expect(await countOf()).toBe(countBefore - ordersOfProfile);
    const membersAfter = await allPages(sandbox, `/api/segments/${segmentId}/profiles?page[size]=100`);
    expect(membersAfter.map((member) => member.id)).toEqual(membersBefore.map((member) => member.id).filter((member) => member !== id));
    expect(sandbox.report().privacyDeletions).toMatchObject({ byIdentifier: { id: 1 }, eventsDeleted: ordersOfProfile });
  });

  it.each([
    ['two identifiers', { email: 'a@example.org', phone_number: '+15005550006' }, '/data/attributes/profile/data'],
    ['an id and an email', { id: '01SBXP00000000000000000001', email: 'a@example.org' }, '/data/attributes/profile/data'],
    ['no identifier', {}, '/data/attributes/profile/data'],
    ['only nulls', { email: null, phone_number: null, id: null }, '/data/attributes/profile/data'],
    ['a phone number not in E.164', { phone_number: '555-0100' }, '/data/attributes/profile/data/attributes/phone_number'],
  ])('when the job names %s, then 400 invalid on the profile and nothing is queued', async (_case, target, pointer) => {
    const sandbox = await startSandbox();
    const answer = await klaviyo(sandbox, 'POST', DELETION_JOBS, buildProfileDeletion(target));
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([expect.objectContaining({ status: 400, code: 'invalid', title: 'Invalid input.', source: { pointer } })]);
    expect(sandbox.report().privacyDeletions).toMatchObject({ requested: 0, notFound: 0 });
  });

  it('when the body is not a deletion job, then the schema refuses it (type, an unknown identifier field)', async () => {
    const sandbox = await startSandbox();
    const wrongType = buildProfileDeletion({ email: 'a@example.org' }) as { data: { type: string } };
    wrongType.data.type = 'data-privacy-deletion-jobs';
    expect((await klaviyo(sandbox, 'POST', DELETION_JOBS, wrongType)).status).toBe(400);
    const unknownField = await klaviyo(sandbox, 'POST', DELETION_JOBS, buildProfileDeletion({ external_id: 'cust-1' } as never));
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.errors[0].source.pointer).toBe('/data/attributes/profile/data/attributes/external_id');
  });

  it('when no profile has the identifier, then 404 not_found as recorded live; asked again after a deletion, too; with privacyDeletionUnknownProfile "accepted", then 202 deleting nothing', async () => {
    const sandbox = await startSandbox();
    const unknown = await klaviyo(sandbox, 'POST', DELETION_JOBS, buildProfileDeletion({ email: 'nobody@example.org' }));
    expect(unknown.status).toBe(404);
    expect(unknown.body.errors).toEqual([
      {
        id: expect.any(String),
        status: 404,
        code: 'not_found',
        title: 'Not found.',
        detail: 'No profile with email "nobody@example.org" found.  The profile may have already been deleted.',
        links: [],
        meta: [],
      },
    ]);
    const withPhone = Array.from({ length: 50 }, (_, i) => sandbox.data.profiles.attributes(i)!).find((profile) => profile.phone_number !== null);
    const phone = withPhone!.phone_number!;
    expect((await klaviyo(sandbox, 'POST', DELETION_JOBS, buildProfileDeletion({ phone_number: phone }))).status).toBe(202);
    await sandbox.data.privacyDeletions.settled();
    const again = await klaviyo(sandbox, 'POST', DELETION_JOBS, buildProfileDeletion({ phone_number: phone }));
    expect(again.status).toBe(404);
    expect(again.body.errors[0].detail).toBe(`No profile with phone_number "${phone}" found.  The profile may have already been deleted.`);
    expect(sandbox.report().privacyDeletions).toMatchObject({ requested: 1, notFound: 2 });

    const lenient = await startSandbox({ live: { privacyDeletionUnknownProfile: 'accepted' } });
    const accepted = await klaviyo(lenient, 'POST', DELETION_JOBS, buildProfileDeletion({ id: lenient.data.account.profiles.idOf(99_999) }));
    expect(accepted.status).toBe(202);
    await lenient.data.privacyDeletions.settled();
    expect(lenient.report().privacyDeletions).toMatchObject({
      requested: 1,
      completed: 1,
      notFound: 0,
      profilesDeleted: 0,
      jobs: [{ identifier: 'id', status: 'complete', profilesDeleted: 0, eventsDeleted: 0, listMembershipsRemoved: 0 }],
    });
  });

  it('when privacyDeletionMs delays the job, then the profile stays until the sandbox clock passes the delay, and the next request finds it gone', async () => {
    const clock = manualClock();
    const sandbox = await startSandbox({ now: clock.now, speedUp: 2, live: { privacyDeletionMs: 120_000 } });
    const id = sandbox.data.account.profiles.idOf(12);
    expect((await klaviyo(sandbox, 'POST', DELETION_JOBS, buildProfileDeletion({ id }))).status).toBe(202);
    clock.advance(59_999); // 120 s of Klaviyo time at speedUp 2: 60 s of sandbox time
    expect((await klaviyo(sandbox, 'GET', `/api/profiles/${id}`)).status).toBe(200);
    expect(sandbox.report().privacyDeletions).toMatchObject({ pending: 1, completed: 0, jobs: [{ status: 'pending' }] });
    clock.advance(1);
    expect((await klaviyo(sandbox, 'GET', `/api/profiles/${id}`)).status).toBe(404);
    expect(sandbox.report().privacyDeletions).toMatchObject({ pending: 0, completed: 1, profilesDeleted: 1 });
  });

  it('when the same profile is asked for twice before its deletion ran, then both are accepted and only the first job deletes it; the identifiers are free again afterwards', async () => {
    const clock = manualClock();
    const sandbox = await startSandbox({ now: clock.now, live: { privacyDeletionMs: 10_000 } });
    const email = sandbox.data.profiles.attributes(20)!.email!;
    expect((await klaviyo(sandbox, 'POST', DELETION_JOBS, buildProfileDeletion({ email }))).status).toBe(202);
    expect((await klaviyo(sandbox, 'POST', DELETION_JOBS, buildProfileDeletion({ id: sandbox.data.account.profiles.idOf(20) }))).status).toBe(202);
    clock.advance(10_000);
    const recreated = await klaviyo(sandbox, 'POST', '/api/profile-import', buildProfileImport({ email }));
    expect(recreated.status).toBe(201);
    expect(recreated.body.data.id).not.toBe(sandbox.data.account.profiles.idOf(20));
    expect(sandbox.report().privacyDeletions.jobs.map((job) => [job.identifier, job.profilesDeleted])).toEqual([
      ['email', 1],
      ['id', 0],
    ]);
  });

  it('when deletions come faster than 3/s, then request_profile_deletion throttles with its own class (3/s, 60/m)', async () => {
    const clock = manualClock();
    const sandbox = await startSandbox({ now: clock.now });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await klaviyo(sandbox, 'POST', DELETION_JOBS, buildProfileDeletion({ id: sandbox.data.account.profiles.idOf(30 + i) }))).status);
    expect(statuses).toEqual([202, 202, 202, 429]);
    expect(sandbox.report().limitClasses.request_profile_deletion).toMatchObject({ burst: 3, steady: 60, requests: 4, maxPerSecond: 4, throttled: 1 });
    expect(sandbox.report().privacyDeletions.requested).toBe(3);
  });

  it('when the sandbox closes with a deletion pending, then settled() resolves and the deletion never runs', async () => {
    const sandbox = await startSandbox({ live: { privacyDeletionMs: 3_600_000 } });
    expect((await klaviyo(sandbox, 'POST', DELETION_JOBS, buildProfileDeletion({ id: sandbox.data.account.profiles.idOf(40) }))).status).toBe(202);
    const settled = sandbox.data.privacyDeletions.settled();
    await sandbox.close();
    await settled;
    expect(sandbox.data.profiles.attributes(40)).not.toBeNull();
    expect(sandbox.report().privacyDeletions.pending).toBe(1);
  });
});
