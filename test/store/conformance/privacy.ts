import { afterEach, describe, expect, it } from 'vitest';
import type { OutboxEntry } from '../../../src/store/outbox.js';
import { normalizePrivacyIdentifier } from '../../../src/store/privacy-match.js';
import type { PrivacyIdentifier, PrivacyIdentifierKind } from '../../../src/store/privacy.js';
import type { Store } from '../../../src/store/store.js';
import type { StoreHarness } from './types.js';
import { buildInboxDelivery, buildInboxEvent } from './webhook-inbox.js';

const T0 = new Date('2026-05-01T09:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const LEASE_MS = 30_000;

const person = (kind: PrivacyIdentifierKind, value: string): PrivacyIdentifier => normalizePrivacyIdentifier(kind, value);
const KATE = person('email', ' Kate@Example.com ');

let seq = 0;
/** An event of a person, as ingest maps it (services/sync/event-mapping.ts): identity under `profile`. */
const eventOf = (profile: Record<string, unknown>, properties: Record<string, unknown> = {}): OutboxEntry => {
  seq += 1;
  return { dedupeKey: `event:u-${seq}`, items: [{ kind: 'event', payload: { profile, event: { metric: 'Viewed Product', properties, unique_id: `u-${seq}` } } }] };
};
/** A profile update and its consent item (services/sync/profile-mapping.ts). */
const profileOf = (email: string): OutboxEntry => ({
  items: [
    { kind: 'profile', mergeKey: `email:${email.toLowerCase()}`, payload: { profile: { email, first_name: 'K' } } },
    { kind: 'consent', mergeKey: `email:${email.toLowerCase()}:email`, payload: { email, channel: 'email', subscribed: true }, waitFor: { kind: 'profile', mergeKey: `email:${email.toLowerCase()}` } },
  ],
});

let ids = 0;
const nextId = () => `del-${(ids += 1)}`;

export function privacyConformance(harness: StoreHarness): void {
  describe('privacy', () => {
    let store: Store | undefined;
    afterEach(async () => {
      await store?.close();
      store = undefined;
    });
    const open = async () => (store = await harness.open());
    const request = (s: Store, identifier: PrivacyIdentifier, requestedAt = T0) => s.privacy.request({ id: nextId(), identifier, requestedAt });
    const claim = (s: Store, kind: 'event' | 'profile' | 'consent', now = T0) => s.outbox.claim({ kind, limit: 100, leaseMs: LEASE_MS, now });
    const pendingPayloads = async (s: Store, kind: 'event' | 'profile' | 'consent', now = at(10 * LEASE_MS)) => {
      const batch = await claim(s, kind, now);
      await s.outbox.release(batch.leaseId, now);
      return batch.items.map((i) => i.payload);
    };

    it('when a deletion is requested, then the person’s pending and dead items of every kind are gone, in one go, and everyone else’s stay', async () => {
      const s = await open();
      await s.outbox.enqueue([eventOf({ email: 'KATE@example.com' }), eventOf({ email: 'bob@example.com' }), profileOf('Kate@Example.com'), eventOf({ email: 'kate@example.com' })], T0);
      // One of Kate's events is dead-lettered first.
      const dead = await claim(s, 'event');
      const last = dead.items.at(-1)!;
      await s.outbox.settle(dead.leaseId, dead.items.map((i) => (i.id === last.id ? { id: i.id, status: 'dead' as const, error: { detail: 'rejected' } } : { id: i.id, status: 'retry' as const, retryAt: T0, countAttempt: false })), T0);

      const deletion = await request(s, KATE, at(1));
      expect(deletion).toMatchObject({ status: 'queued', kind: 'email', purged: { outbox: 4, webhook_events: 0, forwards: 0 }, requestedAt: at(1) });
      expect(JSON.stringify(deletion)).not.toContain('kate@example.com');
      const stats = await s.outbox.stats(at(1));
      expect(stats.kinds).toMatchObject({ event: { pending: 1, dead: 0 }, profile: { pending: 0 }, consent: { pending: 0 } });
      expect(await pendingPayloads(s, 'event')).toEqual([{ profile: { email: 'bob@example.com' }, event: expect.any(Object) }]);
      expect(await s.privacy.get(deletion.id)).toEqual(deletion);
    });

    it('when a later update of the person arrives after the deletion, then it is a new item, not merged into a purged one', async () => {
      const s = await open();
      await s.outbox.enqueue([profileOf('kate@example.com')], T0);
      await request(s, KATE);
      await s.outbox.enqueue([{ items: [{ kind: 'profile', mergeKey: 'email:kate@example.com', payload: { profile: { email: 'kate@example.com', last_name: 'L' } } }] }], at(1));
      expect(await pendingPayloads(s, 'profile')).toEqual([{ profile: { email: 'kate@example.com', last_name: 'L' } }]);
    });

    it('when the person’s items are in flight, then they are wiped at once, deleted when the batch settles whatever the outcome, never re-queued, and the deletion is ready only then', async () => {
      const s = await open();
      await s.outbox.enqueue([eventOf({ email: 'kate@example.com' }), eventOf({ email: 'bob@example.com' }), eventOf({ email: 'kate@example.com' })], T0);
      const batch = await claim(s, 'event');
      const deletion = await request(s, KATE, at(1));
      expect(deletion.purged.outbox).toBe(2);
      expect(await s.privacy.readyToSend(deletion.id, at(2))).toBe(false);
      const [kate1, bob, kate2] = batch.items;
      const outcomes = [
        { id: kate1!.id, status: 'retry' as const, retryAt: at(3), countAttempt: true, error: { detail: 'HTTP 503' } },
        { id: bob!.id, status: 'retry' as const, retryAt: at(3), countAttempt: true, error: { detail: 'HTTP 503' } },
        { id: kate2!.id, status: 'dead' as const, error: { detail: 'rejected' } },
      ];
      await s.outbox.settle(batch.leaseId, outcomes, at(3));
      expect((await s.outbox.stats(at(3))).kinds.event).toMatchObject({ pending: 1, in_flight: 0, dead: 0 });
      expect(await pendingPayloads(s, 'event')).toEqual([{ profile: { email: 'bob@example.com' }, event: expect.any(Object) }]);
      expect(await s.privacy.readyToSend(deletion.id, at(4))).toBe(true);
    });

    it('when a batch holding the person is delivered, released, recovered or its lease expires, then their item is gone, not pending again', async () => {
      const s = await open();
      const kate = () => eventOf({ email: 'kate@example.com' });
      await s.outbox.enqueue([kate()], T0);
      const delivered = await claim(s, 'event');
      await s.outbox.enqueue([kate()], T0);
      const released = await claim(s, 'event');
      await s.outbox.enqueue([kate()], T0);
      const recovered = await claim(s, 'event');
      const deletion = await request(s, KATE, at(1));
      expect(deletion.purged.outbox).toBe(3);

      await s.outbox.settle(delivered.leaseId, [{ id: delivered.items[0]!.id, status: 'delivered' }], at(2));
      await s.outbox.release(released.leaseId, at(2));
      expect((await s.outbox.stats(at(2))).kinds.event).toMatchObject({ pending: 0, in_flight: 1 });
      await s.outbox.recoverLeases(at(2));
      expect((await s.outbox.stats(at(2))).kinds.event).toMatchObject({ pending: 0, in_flight: 0 });
      expect(recovered.items).toHaveLength(1);

      // A lease that runs out: the deletion need not wait for it, and the next claim drops the item.
      await s.outbox.enqueue([kate(), eventOf({ email: 'bob@example.com' })], at(3));
      const stuck = await claim(s, 'event', at(3));
      const second = await request(s, KATE, at(4));
      expect(await s.privacy.readyToSend(second.id, at(3 + LEASE_MS - 1))).toBe(false);
      expect(await s.privacy.readyToSend(second.id, at(3 + LEASE_MS))).toBe(true);
      const again = await claim(s, 'event', at(3 + LEASE_MS));
      expect(again.items.map((i) => i.payload.profile)).toEqual([{ email: 'bob@example.com' }]);
      expect(stuck.items).toHaveLength(2);
      expect((await s.outbox.stats(at(3 + LEASE_MS))).kinds.event).toMatchObject({ pending: 0, in_flight: 1 });
    });

    it('when the person’s profile is verifying in a bulk job, or goes there from the wire, then the deletion waits for that job, which settles without them', async () => {
      const s = await open();
      await s.outbox.enqueue([profileOf('kate@example.com'), { items: [{ kind: 'profile', mergeKey: 'email:ann@example.com', payload: { profile: { email: 'ann@example.com' } } }] }], T0);
      const batch = await claim(s, 'profile');
      await s.outbox.settle(batch.leaseId, batch.items.map((i) => ({ id: i.id, status: 'verifying' as const, jobId: 'job-1' })), T0);
      await s.outbox.enqueue([{ items: [{ kind: 'profile', mergeKey: 'email:kate@example.com:2', payload: { profile: { email: 'kate@example.com', title: 'x' } } }] }], at(1));
      const onTheWire = await claim(s, 'profile', at(1));
      const deletion = await request(s, KATE, at(2));
      expect(deletion.purged.outbox).toBe(3); // verifying, in flight, and her pending consent item
      await s.outbox.settle(onTheWire.leaseId, [{ id: onTheWire.items[0]!.id, status: 'verifying', jobId: 'job-2' }], at(3));

      // A purged item keeps its place in its job, empty, under a merge key that no longer names her.
      const jobs = await s.outbox.verifyingJobs('profile');
      expect(jobs.map((j) => [j.jobId, j.items.map((i) => i.payload)])).toEqual([
        ['job-1', [{ profile: {} }, { profile: { email: 'ann@example.com' } }]],
        ['job-2', [{ profile: {} }]],
      ]);
      const [purgedKey, annKey] = jobs[0]!.items.map((i) => i.mergeKey);
      expect(purgedKey).toMatch(/^purged:[0-9a-f]{32}$/);
      expect(annKey).toBe('email:ann@example.com');
      expect(jobs[1]!.items[0]!.mergeKey).toMatch(/^purged:/);
      expect(jobs[1]!.items[0]!.mergeKey).not.toBe(purgedKey); // her two items had two merge keys
      expect(await s.privacy.readyToSend(deletion.id, at(4))).toBe(false);
      // The verifier settles every item of the job; the purged one goes whatever its outcome.
      const [purged, ann] = jobs[0]!.items;
      await s.outbox.settleJob('job-1', [{ id: purged!.id, status: 'dead', error: { reason: 'import_error', detail: 'x' } }, { id: ann!.id, status: 'delivered' }], at(5));
      expect((await s.outbox.stats(at(5))).kinds.profile).toMatchObject({ verifying: 1, dead: 0 });
      expect(await s.privacy.readyToSend(deletion.id, at(5))).toBe(false);
      await s.outbox.settleJob('job-2', [], at(6));
      expect(await s.privacy.readyToSend(deletion.id, at(6))).toBe(true);
      expect((await s.outbox.stats(at(6))).kinds.profile).toMatchObject({ pending: 0, in_flight: 0, verifying: 0, delivered: 1 });
    });

    it('when stored webhook events name the person, then they go with their forward deliveries, and Klaviyo sending them again is still a duplicate', async () => {
      const s = await open();
      const kate = buildInboxEvent({ payload: { data: [{ type: 'event', attributes: { profile: { email: 'KATE@example.com' }, metric: 'Opened Email' } }] } });
      const bob = buildInboxEvent({ payload: { data: [{ type: 'event', attributes: { profile: { email: 'bob@example.com' } } }] } });
      const mention = buildInboxEvent({ payload: { data: [{ attributes: { note: 'kate@example.com is great' } }] } });
      await s.inbox.storeDelivery(buildInboxDelivery({ events: [kate, bob, mention] }), T0);
      const stored = await s.inbox.listUndispatched(10);
      await s.forwards.enqueue(stored.flatMap((e) => [{ eventSeq: e.seq, targetUrl: 'http://a/hook' }, { eventSeq: e.seq, targetUrl: 'http://b/hook' }]), T0);

      const deletion = await request(s, KATE, at(1));
      expect(deletion.purged).toEqual({ outbox: 0, webhook_events: 1, forwards: 2 });
      expect((await s.inbox.list({ limit: 10 })).map((e) => e.externalId).sort()).toEqual([bob.externalId, mention.externalId].sort());
      expect(await s.forwards.counts()).toEqual({ pending: 4, delivered: 0, dead: 0 });
      expect(await s.inbox.storeDelivery(buildInboxDelivery({ events: [kate] }), at(2))).toEqual({ stored: 0, duplicates: 1 });
      // A dispatcher that read the event before it went cannot forward it afterwards.
      const kateSeq = stored.find((e) => e.externalId === kate.externalId)!.seq;
      expect(await s.forwards.enqueue([{ eventSeq: kateSeq, targetUrl: 'http://c/hook' }], at(2))).toBe(0);
    });

    it('when a distinct_id is deleted, then only items carrying it as an external_id or distinct_id go, not values that merely equal it', async () => {
      const s = await open();
      await s.outbox.enqueue([eventOf({ external_id: 'crm-42' }), eventOf({ email: 'ann@example.com' }, { OrderId: 'crm-42' }), eventOf({ external_id: 'crm-420' })], T0);
      await s.inbox.storeDelivery(buildInboxDelivery({ events: [buildInboxEvent({ payload: { data: [{ attributes: { profile: { external_id: 'crm-42' } } }] } })] }), T0);
      const deletion = await request(s, person('distinct_id', 'crm-42'));
      expect(deletion.purged).toEqual({ outbox: 1, webhook_events: 1, forwards: 0 });
      expect((await pendingPayloads(s, 'event')).map((p) => p.profile)).toEqual([{ email: 'ann@example.com' }, { external_id: 'crm-420' }]);
    });

    it('when a phone number is deleted, then the items carrying it go', async () => {
      const s = await open();
      await s.outbox.enqueue([eventOf({ phone_number: '+15005550006' }), eventOf({ phone_number: '+15005550007' })], T0);
      const deletion = await request(s, person('phone_number', '+15005550006'));
      expect(deletion).toMatchObject({ kind: 'phone_number', purged: { outbox: 1 } });
      expect((await pendingPayloads(s, 'event')).map((p) => p.profile)).toEqual([{ phone_number: '+15005550007' }]);
    });

    it('when cached Klaviyo reads name the person, then those entries go, a paged read with its manifest', async () => {
      const s = await open();
      await s.cache.set('reads:profiles:page:0', [{ email: 'bob@example.com' }], 60_000, T0);
      await s.cache.set('reads:profiles:page:1', [{ email: 'kate@example.com' }], 60_000, T0);
      await s.cache.set('reads:profiles:manifest', { pages: 2 }, 60_000, T0);
      await s.cache.set('reads:other', { email: 'bob@example.com' }, 60_000, T0);
      await request(s, KATE);
      expect(await s.cache.get('reads:profiles:page:1', T0)).toBeUndefined();
      expect(await s.cache.get('reads:profiles:manifest', T0)).toBeUndefined();
      expect(await s.cache.get('reads:other', T0)).toEqual({ email: 'bob@example.com' });
    });

    it('when the deletion is ready, then what named the person and arrived since is purged too, and an item of theirs caught in flight makes it wait', async () => {
      const s = await open();
      const deletion = await request(s, KATE);
      await s.outbox.enqueue([eventOf({ email: 'kate@example.com' })], at(1));
      await s.outbox.enqueue([eventOf({ email: 'Kate@example.com' })], at(1));
      const late = await claim(s, 'event', at(1));
      expect(late.items).toHaveLength(2);
      await s.outbox.enqueue([eventOf({ email: 'kate@example.com' })], at(2));
      expect(await s.privacy.readyToSend(deletion.id, at(3))).toBe(false);
      expect((await s.privacy.get(deletion.id))?.purged.outbox).toBe(3);
      await s.outbox.settle(late.leaseId, late.items.map((i) => ({ id: i.id, status: 'delivered' as const })), at(4));
      expect(await s.privacy.readyToSend(deletion.id, at(4))).toBe(true);
      expect((await s.outbox.stats(at(4))).kinds.event).toMatchObject({ pending: 0, in_flight: 0 });
    });

    it('when a deletion is sent or fails, then it ends once, its identifier is wiped and only the hash, times and counts stay', async () => {
      const s = await open();
      const sent = await request(s, KATE);
      const failed = await request(s, person('distinct_id', 'crm-7'), at(1));
      expect((await s.privacy.due(at(1), 10)).map((d) => [d.id, d.identifier])).toEqual([
        [sent.id, { kind: 'email', value: 'kate@example.com' }],
        [failed.id, { kind: 'distinct_id', value: 'crm-7' }],
      ]);
      expect(await s.privacy.finish(sent.id, { status: 'sent', at: at(5) })).toBe(true);
      expect(await s.privacy.finish(sent.id, { status: 'failed', at: at(6), error: { code: 'x', detail: 'y' } })).toBe(false);
      const error = { code: 'profile_not_found', detail: 'no Klaviyo profile has this external_id' };
      expect(await s.privacy.finish(failed.id, { status: 'failed', at: at(7), error })).toBe(true);
      expect(await s.privacy.due(at(10), 10)).toEqual([]);
      expect(await s.privacy.readyToSend(sent.id, at(10))).toBe(false);
      store = await harness.reopen(s);
      expect(await store.privacy.get(sent.id)).toMatchObject({ status: 'sent', sentAt: at(5), finishedAt: at(5), error: undefined, identifierHash: sent.identifierHash });
      expect(await store.privacy.get(failed.id)).toMatchObject({ status: 'failed', sentAt: undefined, finishedAt: at(7), error });
      expect(await store.privacy.get('no-such-id')).toBeUndefined();
    });

    it('when a deletion is put off, then it is not due until then and counts its attempts', async () => {
      const s = await open();
      const deletion = await request(s, KATE);
      expect(await s.privacy.postpone(deletion.id, at(60_000), { code: 'klaviyo_unavailable', status: 503, detail: 'Klaviyo answered 503' })).toBe(true);
      expect(await s.privacy.due(at(59_999), 10)).toEqual([]);
      expect(await s.privacy.due(at(60_000), 10)).toMatchObject([{ id: deletion.id, attempts: 1 }]);
      expect((await s.privacy.get(deletion.id))?.error).toEqual({ code: 'klaviyo_unavailable', status: 503, detail: 'Klaviyo answered 503' });
      await s.privacy.finish(deletion.id, { status: 'sent', at: at(60_001) });
      expect((await s.privacy.get(deletion.id))?.error).toBeUndefined();
    });

    it('when the same identifier is deleted twice, then the salted hash is the same, survives a restart, and is not a plain hash of the identifier', async () => {
      let s = await open();
      const first = await request(s, KATE);
      s = store = await harness.reopen(s);
      const second = await request(s, person('email', 'KATE@example.com'));
      const other = await request(s, person('email', 'bob@example.com'));
      expect(first.identifierHash).toMatch(/^[0-9a-f]{64}$/);
      expect(second.identifierHash).toBe(first.identifierHash);
      expect(other.identifierHash).not.toBe(first.identifierHash);
      const { createHash } = await import('node:crypto');
      for (const plain of ['kate@example.com', 'email:kate@example.com']) expect(first.identifierHash).not.toBe(createHash('sha256').update(plain).digest('hex'));
      const elsewhere = await harness.open();
      try {
        expect((await request(elsewhere, KATE)).identifierHash).not.toBe(first.identifierHash);
      } finally {
        await elsewhere.close();
      }
    });
  });
}
