import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKlaviyoService, KlaviyoForeignLinkError, type KlaviyoService } from '../../services/klaviyo/index.js';

/**
 * The API key goes to the configured Klaviyo origin and nowhere else, whatever URL Klaviyo hands
 * back (`links.next`): each request URL is built on the configured origin, and an absolute link on
 * another origin is refused before anything is sent.
 */
const API_KEY = 'pk_origin_test_0123456789abcdef';
const BASE = 'https://a.klaviyo.com';
const EVIL = 'https://evil.example';

interface Seen {
  host: string;
  path: string;
  authorization: string | undefined;
}

let seen: Seen[];
let service: KlaviyoService;

/** Records every request to either host (nock answers both; nothing reaches the network). */
function serve(host: string, answer: (path: string) => unknown) {
  nock(host)
    .persist()
    .get(/.*/)
    .reply(function (path) {
      const authorization = this.req.headers['authorization'];
      seen.push({ host, path, authorization: Array.isArray(authorization) ? authorization[0] : authorization });
      return [200, answer(path), { 'content-type': 'application/vnd.api+json' }];
    });
}

/** Klaviyo's first page of profiles carries `next`; any later page is the last one. */
const firstPageLinkingTo = (next: string) => (path: string) =>
  path.includes('page%5Bcursor%5D') || path.includes('page[cursor]')
    ? { data: [{ type: 'profile', id: 'P2', attributes: {} }], links: { next: null } }
    : { data: [{ type: 'profile', id: 'P1', attributes: {} }], links: { next } };

async function readAll(): Promise<string[]> {
  const ids: string[] = [];
  for await (const profile of service.profiles.list({ pageSize: 1 })) ids.push(profile.id);
  return ids;
}

const toEvil = () => seen.filter((s) => s.host === EVIL);

beforeEach(() => {
  seen = [];
  service = createKlaviyoService({ apiKey: API_KEY, baseUrl: BASE, revision: '2026-07-15', retry: { maxAttempts: 1 } });
  serve(EVIL, () => ({ data: [], links: { next: null } }));
});

afterEach(() => {
  nock.cleanAll();
});

describe('Klaviyo client: the configured base URL stays the origin', () => {
  it('when links.next is on our origin with a path of //evil.example/…, then the next page is asked of our origin and evil.example sees nothing', async () => {
    serve(BASE, firstPageLinkingTo(`${BASE}//evil.example/api/profiles?page[cursor]=x`));
    await readAll();
    expect(toEvil()).toEqual([]);
    expect(seen).toHaveLength(2);
    expect(seen[1]).toMatchObject({ host: BASE, authorization: `Klaviyo-API-Key ${API_KEY}` });
    expect(seen[1]?.path.startsWith('//evil.example/api/profiles?')).toBe(true);
  });

  it('when links.next is on another origin, then the read fails with a clear error and nothing is sent there', async () => {
    serve(BASE, firstPageLinkingTo(`${EVIL}/api/profiles?page[cursor]=x`));
    const read = readAll();
    await expect(read).rejects.toBeInstanceOf(KlaviyoForeignLinkError);
    await expect(read).rejects.toThrow(/https:\/\/evil\.example.*refused/);
    expect(toEvil()).toEqual([]);
    expect(seen.map((s) => s.host)).toEqual([BASE]);
  });

  it.each([
    ['a downgrade to http', 'http://a.klaviyo.com/api/profiles?page[cursor]=x'],
    ['another port', 'https://a.klaviyo.com:8443/api/profiles?page[cursor]=x'],
    ['credentials for another host', 'https://a.klaviyo.com@evil.example/api/profiles?page[cursor]=x'],
  ])('when links.next is %s, then it is refused before any request', async (_, next) => {
    serve(BASE, firstPageLinkingTo(next));
    await expect(readAll()).rejects.toBeInstanceOf(KlaviyoForeignLinkError);
    expect(toEvil()).toEqual([]);
    expect(seen).toHaveLength(1);
  });

  it.each([['//evil.example/api/profiles'], ['/\\evil.example/api/profiles'], ['\\\\evil.example/api/profiles']])(
    'when a request path is %s, then it goes to our origin, not to evil.example',
    async (path) => {
      serve(BASE, () => ({ data: [], links: { next: null } }));
      await service.client.request({ limitClass: 'get_profiles', method: 'GET', path, idempotent: true });
      expect(toEvil()).toEqual([]);
      expect(seen).toEqual([expect.objectContaining({ host: BASE, authorization: `Klaviyo-API-Key ${API_KEY}` })]);
    },
  );

  it('when links.next is an absolute URL of our own origin, then it is followed with its path and query', async () => {
    serve(BASE, firstPageLinkingTo(`${BASE}/api/profiles?page[size]=1&page[cursor]=abc`));
    expect(await readAll()).toEqual(['P1', 'P2']);
    expect(decodeURIComponent(seen[1]?.path ?? '')).toBe('/api/profiles?page[size]=1&page[cursor]=abc');
  });
});
