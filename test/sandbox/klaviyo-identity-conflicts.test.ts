import { describe, expect, it } from 'vitest';
import { buildBulkImport, buildProfileImport, klaviyo, manualClock, startSandbox } from './klaviyo-support.js';
import type { KlaviyoSandbox } from '../../sandbox/klaviyo/index.js';

/** Klaviyo's 409 document (klaviyo/NOTES.md §1.2; the recorded live create_profile 409 has `links: []`). */
const duplicateProfile = (otherId: string) => ({
  errors: [
    {
      id: expect.any(String),
      status: 409,
      code: 'duplicate_profile',
      title: 'Conflict.',
      detail: 'A profile already exists with one of these identifiers.',
      source: { pointer: '/data/attributes' },
      links: [],
      meta: { duplicate_profile_id: otherId },
    },
  ],
});

/** Two profiles: A has an email, B an email and a phone number. */
async function twoProfiles(sandbox: KlaviyoSandbox) {
  const a = await klaviyo(sandbox, 'POST', '/api/profile-import', buildProfileImport({ email: 'a@example.org', first_name: 'Ada' }));
  const b = await klaviyo(sandbox, 'POST', '/api/profile-import', buildProfileImport({ email: 'b@example.org', phone_number: '+15005550006', first_name: 'Bea' }));
  return { a: a.body.data.id as string, b: b.body.data.id as string };
}

describe('Klaviyo sandbox: 409 duplicate_profile', () => {
  it('when profile-import carries the email of A and the phone number of B, then 409 naming B in Klaviyo\'s document, and neither profile changes', async () => {
    const sandbox = await startSandbox();
    const { a, b } = await twoProfiles(sandbox);
    const answer = await klaviyo(sandbox, 'POST', '/api/profile-import', buildProfileImport({ email: 'a@example.org', phone_number: '+15005550006', first_name: 'Changed' }));
    expect(answer.status).toBe(409);
    expect(answer.body).toEqual(duplicateProfile(b));
    expect((await klaviyo(sandbox, 'GET', `/api/profiles/${a}`)).body.data.attributes).toMatchObject({ first_name: 'Ada', phone_number: null });
    expect((await klaviyo(sandbox, 'GET', `/api/profiles/${b}`)).body.data.attributes).toMatchObject({ first_name: 'Bea', phone_number: '+15005550006' });
    expect(sandbox.data.account.profiles.idOf(sandbox.data.profiles.lookup('phone_number', '+15005550006')!)).toBe(b);
    expect(sandbox.report()).toMatchObject({ profilesCreated: 2, profilesUpdated: 0 });
  });

  it('when a seeded external_id and another seeded profile\'s email meet in one upsert, then 409 naming the email\'s profile', async () => {
    const sandbox = await startSandbox();
    const other = sandbox.data.profiles.attributes(9)!.email!;
    const answer = await klaviyo(sandbox, 'POST', '/api/profile-import', buildProfileImport({ external_id: 'cust-4', email: other }));
    expect(answer.status).toBe(409);
    expect(answer.body).toEqual(duplicateProfile(sandbox.data.account.profiles.idOf(9)));
  });

  it('when profile-import names A by data.id but carries B\'s email, then 409 naming B', async () => {
    const sandbox = await startSandbox();
    const { a, b } = await twoProfiles(sandbox);
    const answer = await klaviyo(sandbox, 'POST', '/api/profile-import', { data: { type: 'profile', id: a, attributes: { email: 'b@example.org' } } });
    expect(answer.status).toBe(409);
    expect(answer.body).toEqual(duplicateProfile(b));
  });

  it('when every identifier belongs to one profile, or one is new, then the upsert updates that profile (no false conflict)', async () => {
    const sandbox = await startSandbox();
    const { a, b } = await twoProfiles(sandbox);
    const same = await klaviyo(sandbox, 'POST', '/api/profile-import', buildProfileImport({ email: 'B@example.org', phone_number: '+15005550006', last_name: 'L' }));
    expect([same.status, same.body.data.id]).toEqual([200, b]);
    const newPhone = await klaviyo(sandbox, 'POST', '/api/profile-import', buildProfileImport({ email: 'a@example.org', phone_number: '+15005550007' }));
    expect([newPhone.status, newPhone.body.data.id, newPhone.body.data.attributes.phone_number]).toEqual([200, a, '+15005550007']);
  });

  it('when PATCH gives A the phone number of B, or POST /api/profiles reuses an identifier, then 409 naming the holder', async () => {
    const sandbox = await startSandbox();
    const { a, b } = await twoProfiles(sandbox);
    const patch = await klaviyo(sandbox, 'PATCH', `/api/profiles/${a}`, { data: { type: 'profile', id: a, attributes: { phone_number: '+15005550006' } } });
    expect(patch.status).toBe(409);
    expect(patch.body).toEqual(duplicateProfile(b));
    const create = await klaviyo(sandbox, 'POST', '/api/profiles', buildProfileImport({ email: 'new@example.org', phone_number: '+15005550006' }));
    expect(create.status).toBe(409);
    expect(create.body).toEqual(duplicateProfile(b));
  });

  it('when a bulk import item\'s identifiers belong to different profiles, then that item is a duplicate_profile import error and the others are imported', async () => {
    const clock = manualClock();
    const sandbox = await startSandbox({ now: clock.now, live: { profileImportJobMs: 1_000 } });
    const { a, b } = await twoProfiles(sandbox);
    const created = await klaviyo(sandbox, 'POST', '/api/profile-bulk-import-jobs', buildBulkImport([
      { email: 'fresh@example.org' },
      { email: 'a@example.org', phone_number: '+15005550006', first_name: 'Changed' },
      { email: 'b@example.org', last_name: 'Updated' },
    ]));
    const job = `/api/profile-bulk-import-jobs/${created.body.data.id}`;
    await klaviyo(sandbox, 'GET', job);
    clock.advance(1_000);
    expect((await klaviyo(sandbox, 'GET', job)).body.data.attributes).toMatchObject({ status: 'complete', completed_count: 2, failed_count: 1 });
    const errors = await klaviyo(sandbox, 'GET', `${job}/import-errors`);
    expect(errors.body.data).toEqual([
      {
        type: 'import-error',
        id: expect.any(String),
        attributes: {
          code: 'duplicate_profile',
          title: 'Conflict.',
          detail: 'A profile already exists with one of these identifiers.',
          source: { pointer: '/data/attributes/profiles/data/1/attributes' },
          original_payload: { email: 'a@example.org', phone_number: '+15005550006', first_name: 'Changed' },
        },
      },
    ]);
    expect((await klaviyo(sandbox, 'GET', `/api/profiles/${a}`)).body.data.attributes).toMatchObject({ first_name: 'Ada', phone_number: null });
    expect((await klaviyo(sandbox, 'GET', `/api/profiles/${b}`)).body.data.attributes).toMatchObject({ first_name: 'Bea', last_name: 'Updated' });
    expect(sandbox.data.profiles.lookup('email', 'fresh@example.org')).not.toBeNull();
  });
});
