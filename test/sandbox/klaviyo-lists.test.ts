import { describe, expect, it } from 'vitest';
import { buildBulkImport, buildListMembers, buildProfileImport, klaviyo, manualClock, startSandbox } from './klaviyo-support.js';

const membersPath = (listId: string) => `/api/lists/${listId}/relationships/profiles`;

describe('Klaviyo sandbox: list membership', () => {
  it('when profiles are added to a list, then 204 without a body, membership is stored once per profile, and consent is untouched', async () => {
    const sandbox = await startSandbox();
    const list = sandbox.data.account.lists[1]!.id;
    const created = await klaviyo(sandbox, 'POST', '/api/profile-import', buildProfileImport({ email: 'member@example.org' }));
    const ids = [created.body.data.id as string, sandbox.data.account.profiles.idOf(3), sandbox.data.account.profiles.idOf(0)];
    const before = await klaviyo(sandbox, 'GET', `/api/profiles/${ids[1]}?additional-fields[profile]=subscriptions`);

    const added = await klaviyo(sandbox, 'POST', membersPath(list), buildListMembers(ids));
    expect(added.status).toBe(204);
    expect(added.body).toBeUndefined();
    expect((await klaviyo(sandbox, 'POST', membersPath(list), buildListMembers([ids[1]!]))).status).toBe(204);

    expect(sandbox.data.listMemberIds(list)).toEqual([...ids].sort());
    expect(sandbox.data.listsOf(3)).toEqual([list]);
    expect(sandbox.report().listMemberships).toEqual({ [list]: 3 });
    const after = await klaviyo(sandbox, 'GET', `/api/profiles/${ids[1]}?additional-fields[profile]=subscriptions`);
    expect(after.body.data.attributes.subscriptions).toEqual(before.body.data.attributes.subscriptions);
    expect(sandbox.data.consents.size).toBe(0);
  });

  it('when profiles are removed with DELETE, then 204, they leave the list (a non-member is ignored) and their consent stays', async () => {
    const sandbox = await startSandbox();
    const list = sandbox.data.account.lists[0]!.id;
    const subscribe = {
      data: {
        type: 'profile-subscription-bulk-create-job',
        attributes: { profiles: { data: [{ type: 'profile', attributes: { email: 'optin@example.org', subscriptions: { email: { marketing: { consent: 'SUBSCRIBED' } } } } }] } },
        relationships: { list: { data: { type: 'list', id: list } } },
      },
    };
    expect((await klaviyo(sandbox, 'POST', '/api/profile-subscription-bulk-create-jobs', subscribe)).status).toBe(202);
    const index = sandbox.data.profiles.lookup('email', 'optin@example.org')!;
    const id = sandbox.data.account.profiles.idOf(index);
    const other = sandbox.data.account.profiles.idOf(5);
    await klaviyo(sandbox, 'POST', membersPath(list), buildListMembers([other]));
    expect(sandbox.report().listMemberships).toEqual({ [list]: 2 });

    const removed = await klaviyo(sandbox, 'DELETE', membersPath(list), buildListMembers([id, sandbox.data.account.profiles.idOf(6)]));
    expect(removed.status).toBe(204);
    expect(removed.body).toBeUndefined();
    expect(sandbox.data.listMemberIds(list)).toEqual([other]);
    expect(sandbox.report().listMemberships).toEqual({ [list]: 1 });
    expect(sandbox.data.consents.get(index)).toEqual({ email: 'SUBSCRIBED' });
    expect(sandbox.report().subscriptions).toMatchObject({ emailSubscribed: 1, unsubscribed: 0 });
  });

  it.each(['POST', 'DELETE'])('when %s names a list that does not exist, then 404 not_found in the error document of every 404; a malformed list id is a 400', async (method) => {
    const sandbox = await startSandbox();
    const body = buildListMembers([sandbox.data.account.profiles.idOf(1)]);
    const unknown = await klaviyo(sandbox, method, membersPath('NoSuch'), body);
    expect(unknown.status).toBe(404);
    expect(unknown.body.errors).toEqual([
      { id: expect.any(String), status: 404, code: 'not_found', title: 'Not found.', detail: 'A list with id `NoSuch` does not exist.', links: [], meta: [] },
    ]);
    const malformed = await klaviyo(sandbox, method, membersPath('not-a-list-id'), body);
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors[0]).toMatchObject({ code: 'invalid', detail: "Invalid List ID: 'not-a-list-id'", source: { pointer: '/data/id' } });
    expect(sandbox.report().listMemberships).toEqual({});
  });

  it.each(['POST', 'DELETE'])('when %s carries a malformed or an unknown profile id, then 400 or 404 and nothing changes', async (method) => {
    const sandbox = await startSandbox({ scale: { profiles: 300 } });
    const list = sandbox.data.account.lists[2]!.id;
    const member = sandbox.data.account.profiles.idOf(1);
    await klaviyo(sandbox, 'POST', membersPath(list), buildListMembers([member]));

    const malformed = await klaviyo(sandbox, method, membersPath(list), buildListMembers([sandbox.data.account.profiles.idOf(2), 'NOPE01']));
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors[0]).toMatchObject({ code: 'invalid', detail: "Invalid Profile ID: 'NOPE01'", source: { pointer: '/data/1/id' } });
    const neverCreated = sandbox.data.account.profiles.idOf(10_000);
    const unknown = await klaviyo(sandbox, method, membersPath(list), buildListMembers([member, sandbox.data.account.profiles.idOf(2), neverCreated]));
    expect(unknown.status).toBe(404);
    expect(unknown.body.errors[0]).toMatchObject({ code: 'not_found', detail: `A profile with id ${neverCreated} does not exist.` });
    expect(sandbox.data.listMemberIds(list)).toEqual([member]);
  });

  it.each(['POST', 'DELETE'])('when %s carries more than 1,000 ids, then 400 on /data', async (method) => {
    const sandbox = await startSandbox();
    const list = sandbox.data.account.lists[0]!.id;
    const ids = Array.from({ length: 1001 }, (_, i) => sandbox.data.account.profiles.idOf(i % 300));
    const answer = await klaviyo(sandbox, method, membersPath(list), buildListMembers(ids));
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0]).toMatchObject({ code: 'invalid', source: { pointer: '/data' } });
    expect((await klaviyo(sandbox, method, membersPath(list), buildListMembers(ids.slice(0, 1000)))).status).toBe(204);
  });

  it('when the DELETE body is not a list of profile identifiers, then 400 from the schema', async () => {
    const sandbox = await startSandbox();
    const list = sandbox.data.account.lists[0]!.id;
    const answer = await klaviyo(sandbox, 'DELETE', membersPath(list), { data: [{ type: 'list', id: sandbox.data.account.profiles.idOf(1) }] });
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].source.pointer).toBe('/data/0/type');
    expect((await klaviyo(sandbox, 'DELETE', membersPath(list))).status).toBe(400);
  });

  it('when a bulk import job names lists, then its profiles join them on completion; an unknown list is a 404 at job creation', async () => {
    const clock = manualClock();
    const sandbox = await startSandbox({ now: clock.now, live: { profileImportJobMs: 1_000 } });
    const [first, second] = sandbox.data.account.lists.map((list) => list.id);
    const body = buildBulkImport([{ email: 'bulk1@example.org' }, { email: 'bulk2@example.org' }]) as { data: Record<string, unknown> };
    body.data.relationships = { lists: { data: [{ type: 'list', id: first }, { type: 'list', id: second }] } };
    const created = await klaviyo(sandbox, 'POST', '/api/profile-bulk-import-jobs', body);
    expect(created.status).toBe(202);
    const job = `/api/profile-bulk-import-jobs/${created.body.data.id}`;
    await klaviyo(sandbox, 'GET', job); // live: the first poll still answers queued
    clock.advance(1_000);
    expect((await klaviyo(sandbox, 'GET', job)).body.data.attributes.status).toBe('complete');
    expect(sandbox.report().listMemberships).toEqual({ [first!]: 2, [second!]: 2 });

    body.data.relationships = { lists: { data: [{ type: 'list', id: first }, { type: 'list', id: 'Zz9Zz9' }] } };
    const unknown = await klaviyo(sandbox, 'POST', '/api/profile-bulk-import-jobs', body);
    expect(unknown.status).toBe(404);
    expect(unknown.body.errors[0]).toMatchObject({ code: 'not_found', detail: 'A list with id `Zz9Zz9` does not exist.' });
    expect(sandbox.report().bulkJobs).toHaveLength(1);
  });

  it('when list writes come faster than 10/s, then remove_profiles_from_list has its own class, as the subset states it', async () => {
    const clock = manualClock();
    const sandbox = await startSandbox({ now: clock.now });
    const list = sandbox.data.account.lists[0]!.id;
    const body = buildListMembers([sandbox.data.account.profiles.idOf(1)]);
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await klaviyo(sandbox, 'DELETE', membersPath(list), body)).status);
    expect(statuses.slice(0, 10).every((status) => status === 204)).toBe(true);
    expect(statuses[10]).toBe(429);
    // The add class is separate, and its budget untouched.
    const add = await klaviyo(sandbox, 'POST', membersPath(list), body);
    expect(add.status).toBe(204);
    expect(add.headers.get('ratelimit-limit')).toBe('10, 10;w=1, 150;w=60');
    const classes = sandbox.report().limitClasses;
    expect(classes.remove_profiles_from_list).toMatchObject({ burst: 10, steady: 150, requests: 11, throttled: 1 });
    expect(classes.add_profiles_to_list).toMatchObject({ requests: 1, throttled: 0 });
  });
});
