import { describe, expect, it } from 'vitest';
import { KlaviyoNotFoundError, KlaviyoTransientError } from '../../services/klaviyo/errors.js';
import { createIngestRequests } from '../../services/sync/ingest-requests.js';
import type { SyncKlaviyoApi } from '../../services/sync/klaviyo-sync-api.js';
import { deliverListChanges } from '../../services/sync/list-delivery.js';
import { mapProfile } from '../../services/sync/profile-mapping.js';
import { mergePayloads } from '../../src/store/merge-payload.js';
import type { OutboxItem } from '../../src/store/outbox.js';
import { ValidationError } from '../../src/lib/errors.js';

const requests = createIngestRequests(() => Date.parse('2026-12-01T12:00:00Z'));
const ctx = { now: () => new Date('2026-12-01T12:00:00Z'), random: () => 0.5, backoff: { baseDelayMs: 1000, maxDelayMs: 60_000 } };

function fakeApi(options: { known?: Record<string, string>; unknownLists?: string[]; failing?: boolean } = {}) {
  const calls: Array<{ op: string; listId: string; ids: string[] }> = [];
  const lookups: number[] = [];
  const api = {
    async findProfileIds(people: Array<{ email?: string; external_id?: string }>) {
      lookups.push(people.length);
      if (options.failing) throw new KlaviyoTransientError({ status: 503, code: 'unavailable', message: 'down', retryable: true, limitClass: 'get_profiles' });
      const found = new Map<number, string>();
      people.forEach((p, i) => {
        const id = options.known?.[p.external_id ?? p.email ?? ''];
        if (id) found.set(i, id);
      });
      return found;
    },
    async addToList(listId: string, ids: string[]) {
      calls.push({ op: 'add', listId, ids: [...ids] });
      if (options.unknownLists?.includes(listId)) throw new KlaviyoNotFoundError({ status: 404, code: 'not_found', message: 'Klaviyo answered 404', retryable: false, limitClass: 'add_profiles_to_list', errors: [{ code: 'not_found', title: 'Not found.', detail: `A list with id ${listId} does not exist.`, pointer: undefined, parameter: undefined, meta: {} }] });
    },
    async removeFromList(listId: string, ids: string[]) {
      calls.push({ op: 'remove', listId, ids: [...ids] });
    },
  } as unknown as SyncKlaviyoApi;
  return { api, calls, lookups };
}

let next = 0;
const listItem = (lists: Record<string, 'add' | 'remove'>, identity: Record<string, string>): OutboxItem =>
  ({ id: String((next += 1)), kind: 'list', payload: { ...identity, lists }, sizeBytes: 50, mergeKey: 'x', attempts: 0, createdAt: new Date() }) as unknown as OutboxItem;

describe('list membership (lists: {add, remove} on /v1/profiles)', () => {
  it('when a profile joins and leaves lists, then it becomes a profile update and one list item waiting for it, and consent is untouched', () => {
    const [profile] = requests.profiles.parse({ email: 'ada@example.com', first_name: 'Ada', lists: { add: ['L1', 'L2'], remove: ['L3'] } });
    const entry = mapProfile(profile!);
    expect(entry.items.map((i) => i.kind)).toEqual(['profile', 'list']);
    expect(entry.items[0]?.payload).toEqual({ profile: { first_name: 'Ada', email: 'ada@example.com' } });
    expect(entry.items[1]).toEqual({
      kind: 'list',
      mergeKey: 'email:ada@example.com:lists',
      payload: { email: 'ada@example.com', lists: { L1: 'add', L2: 'add', L3: 'remove' } },
      waitFor: { kind: 'profile', mergeKey: 'email:ada@example.com' },
    });
  });

  it('when two pending updates of one person touch the same list, then the last word per list wins and the others stay', () => {
    const older = { email: 'ada@example.com', lists: { L1: 'add', L2: 'add' } };
    const newer = { email: 'ada@example.com', lists: { L2: 'remove', L3: 'add' } };
    expect(mergePayloads(older, newer)).toEqual({ email: 'ada@example.com', lists: { L1: 'add', L2: 'remove', L3: 'add' } });
  });

  it('when a list is in both add and remove, or an id is empty, then the 400 names the field', () => {
    const paths = (body: unknown) => {
      try {
        requests.profiles.parse(body);
        return 'accepted';
      } catch (error) {
        return error instanceof ValidationError ? (error.errors ?? []).map((e) => e.path) : error;
      }
    };
    expect(paths({ email: 'a@b.com', lists: { add: ['L1'], remove: ['L1'] } })).toEqual(['/lists/remove/0']);
    expect(paths({ email: 'a@b.com', lists: { add: [''] } })).toEqual(['/lists/add/0']);
    expect(paths({ email: 'a@b.com', lists: { join: ['L1'] } })).not.toBe('accepted');
  });

  it('when changes are delivered, then ids are resolved once for the batch and one request goes per list and direction', async () => {
    const { api, calls, lookups } = fakeApi({ known: { 'ada@example.com': 'P1', 'crm-2': 'P2' } });
    const items = [listItem({ L1: 'add', L2: 'remove' }, { email: 'ada@example.com' }), listItem({ L1: 'add' }, { external_id: 'crm-2' })];
    const result = await deliverListChanges(api, items, ctx);
    expect(result.outcomes.map((o) => o.status)).toEqual(['delivered', 'delivered']);
    expect(lookups).toEqual([2]);
    expect(calls).toEqual([
      { op: 'add', listId: 'L1', ids: ['P1', 'P2'] },
      { op: 'remove', listId: 'L2', ids: ['P1'] },
    ]);
  });

  it('when a list does not exist in Klaviyo, then the items that named it are dead-lettered with Klaviyo\'s reason, and the others are delivered', async () => {
    const { api } = fakeApi({ known: { 'ada@example.com': 'P1', 'bo@example.com': 'P2' }, unknownLists: ['NOPE'] });
    const [ada, bo] = [listItem({ NOPE: 'add', L1: 'add' }, { email: 'ada@example.com' }), listItem({ L1: 'add' }, { email: 'bo@example.com' })];
    const result = await deliverListChanges(api, [ada!, bo!], ctx);
    const byId = new Map(result.outcomes.map((o) => [o.id, o]));
    expect(byId.get(ada!.id)).toMatchObject({ status: 'dead', error: { status: 404, detail: expect.stringContaining('NOPE') } });
    expect(byId.get(bo!.id)).toEqual({ id: bo!.id, status: 'delivered' });
  });

  it('when Klaviyo knows no profile for a person, then that item is dead-lettered as such; when the lookup fails transiently, every item is retried later', async () => {
    const unknown = await deliverListChanges(fakeApi().api, [listItem({ L1: 'add' }, { email: 'ghost@example.com' })], ctx);
    expect(unknown.outcomes[0]).toMatchObject({ status: 'dead', error: { code: 'profile_not_found' } });
    const failing = await deliverListChanges(fakeApi({ failing: true }).api, [listItem({ L1: 'add' }, { email: 'ada@example.com' })], ctx);
    expect(failing.outcomes[0]).toMatchObject({ status: 'retry', countAttempt: true });
  });
});
