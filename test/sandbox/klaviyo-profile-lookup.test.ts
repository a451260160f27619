import { describe, expect, it } from 'vitest';
import { allPages, buildProfileImport, klaviyo, startSandbox } from './klaviyo-support.js';

const quoted = (values: string[]) => values.map((value) => `"${value}"`).join(',');
const profilesWhere = (filter: string, extra = '') => `/api/profiles?filter=${encodeURIComponent(filter)}${extra}`;

describe('Klaviyo sandbox: resolving profiles by identifier', () => {
  it('when 100 emails are resolved with any(email,[…]) and page[size]=100, then one page holds each known profile once, in id order, whatever the case of the email', async () => {
    const sandbox = await startSandbox();
    const indexes = Array.from({ length: 100 }, (_, i) => 299 - i * 3);
    const emails = indexes.map((index, i) => {
      const email = sandbox.data.profiles.attributes(index)!.email!;
      return i % 2 === 0 ? email.toUpperCase() : email;
    });
    const unknown = ['nobody@example.org', 'ada.lovelace.99999@example.com'];
    const answer = await klaviyo(sandbox, 'GET', profilesWhere(`any(email,[${quoted([...emails.slice(0, 98), ...unknown])}])`, '&page[size]=100'));
    expect(answer.status).toBe(200);
    const expected = indexes.slice(0, 98).sort((a, b) => a - b).map((index) => sandbox.data.account.profiles.idOf(index));
    expect(answer.body.data.map((profile: { id: string }) => profile.id)).toEqual(expected);
    expect(answer.body.links.next).toBeNull();
    expect(answer.body.data[0].attributes.email).toBe(sandbox.data.profiles.attributes(indexes[97]!)!.email);
  });

  it('when the same 100 are asked at the default page size, then links.next pages through all of them exactly once', async () => {
    const sandbox = await startSandbox();
    const emails = Array.from({ length: 100 }, (_, i) => sandbox.data.profiles.attributes(i * 2)!.email!);
    const first = await klaviyo(sandbox, 'GET', profilesWhere(`any(email,[${quoted(emails)}])`));
    expect(first.body.data).toHaveLength(20);
    const all = await allPages(sandbox, profilesWhere(`any(email,[${quoted(emails)}])`));
    expect(all.map((profile) => profile.id)).toEqual(Array.from({ length: 100 }, (_, i) => sandbox.data.account.profiles.idOf(i * 2)));
  });

  it('when one profile is looked up by equals on email, external_id, phone_number or id, then exactly that profile comes back; a written profile resolves too', async () => {
    const sandbox = await startSandbox();
    const index = Array.from({ length: 50 }, (_, i) => i).find((i) => sandbox.data.profiles.attributes(i)!.phone_number !== null)!;
    const seeded = sandbox.data.profiles.attributes(index)!;
    const id = sandbox.data.account.profiles.idOf(index);
    for (const filter of [
      `equals(email,"${seeded.email}")`,
      `equals(external_id,"${seeded.external_id}")`,
      `equals(phone_number,"${seeded.phone_number}")`,
      `equals(id,"${id}")`,
      `equals(phone_number,["${seeded.phone_number}"])`,
    ]) {
      const answer = await klaviyo(sandbox, 'GET', profilesWhere(filter));
      expect(answer.body.data.map((profile: { id: string }) => profile.id), filter).toEqual([id]);
    }
    const written = await klaviyo(sandbox, 'POST', '/api/profile-import', buildProfileImport({ email: 'Mixed.Case@Example.org', external_id: 'crm-77', phone_number: '+15005550009' }));
    for (const filter of ['equals(email,"mixed.case@example.org")', 'any(external_id,["crm-77","crm-78"])', 'equals(phone_number,"+15005550009")']) {
      const answer = await klaviyo(sandbox, 'GET', profilesWhere(filter));
      expect(answer.body.data.map((profile: { id: string }) => profile.id), filter).toEqual([written.body.data.id]);
    }
  });

  it('when a profile\'s email changes, then the old email resolves to nothing and the new one to the profile', async () => {
    const sandbox = await startSandbox();
    const id = sandbox.data.account.profiles.idOf(4);
    const old = sandbox.data.profiles.attributes(4)!.email!;
    await klaviyo(sandbox, 'PATCH', `/api/profiles/${id}`, { data: { type: 'profile', id, attributes: { email: 'renamed@example.org' } } });
    expect((await klaviyo(sandbox, 'GET', profilesWhere(`equals(email,"${old}")`))).body.data).toEqual([]);
    expect((await klaviyo(sandbox, 'GET', profilesWhere('equals(email,"renamed@example.org")'))).body.data.map((p: { id: string }) => p.id)).toEqual([id]);
  });

  it('when a filter names a field or operator get_profiles does not allow, then 400 on the filter parameter', async () => {
    const sandbox = await startSandbox();
    for (const filter of ['any(first_name,["Ada"])', 'contains(email,"example")']) {
      const answer = await klaviyo(sandbox, 'GET', profilesWhere(filter));
      expect(answer.status, filter).toBe(400);
      expect(answer.body.errors[0].source).toEqual({ parameter: 'filter' });
    }
  });
});
