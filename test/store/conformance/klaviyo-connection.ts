import { afterEach, describe, expect, it } from 'vitest';
import type { KlaviyoConnectionRecord } from '../../../src/store/klaviyo-connection.js';
import type { Store } from '../../../src/store/store.js';
import type { StoreHarness } from './types.js';

const T0 = new Date('2026-06-01T00:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const record = (overrides: Partial<KlaviyoConnectionRecord> = {}): KlaviyoConnectionRecord => ({
  sealedCredentials: 'v1.sealed-one',
  status: 'connected',
  scopes: ['profiles:write', 'events:write'],
  accountId: 'AbC123',
  accessExpiresAt: at(3600),
  lastRefreshAt: null,
  lastError: null,
  ...overrides,
});

/** The Klaviyo connection sub-store, through the Store interface only (the same on every backend). */
export function klaviyoConnectionConformance(harness: StoreHarness): void {
  describe('klaviyoConnection', () => {
    let store: Store | undefined;
    afterEach(async () => {
      await store?.close();
      store = undefined;
    });

    it('when a connection is saved, then it reads back field for field with version 1, surviving a restart', async () => {
      store = await harness.open();
      expect(await store.klaviyoConnection.get()).toBeUndefined();
      expect(await store.klaviyoConnection.save(record(), 0, T0)).toBe(1);
      store = await harness.reopen(store);
      expect(await store.klaviyoConnection.get()).toEqual({ ...record(), version: 1, updatedAt: T0 });
    });

    it('when two writers save over the same version, then exactly one wins and the other changes nothing', async () => {
      store = await harness.open();
      await store.klaviyoConnection.save(record(), 0, T0);
      expect(await store.klaviyoConnection.save(record({ sealedCredentials: 'v1.refreshed-by-a', lastRefreshAt: at(10) }), 1, at(10))).toBe(2);
      expect(await store.klaviyoConnection.save(record({ sealedCredentials: 'v1.refreshed-by-b' }), 1, at(11))).toBeUndefined();
      expect(await store.klaviyoConnection.save(record({ sealedCredentials: 'v1.second-install' }), 0, at(12))).toBeUndefined();
      expect(await store.klaviyoConnection.get()).toMatchObject({ sealedCredentials: 'v1.refreshed-by-a', version: 2, lastRefreshAt: at(10), updatedAt: at(10) });
      expect(await store.klaviyoConnection.save(record({ status: 'revoked', lastError: 'invalid_grant' }), 2, at(20))).toBe(3);
      expect(await store.klaviyoConnection.get()).toMatchObject({ status: 'revoked', lastError: 'invalid_grant', version: 3 });
    });

    it('when the connection is cleared, then nothing is stored and a new install starts again at version 1', async () => {
      store = await harness.open();
      await store.klaviyoConnection.save(record(), 0, T0);
      await store.klaviyoConnection.clear();
      expect(await store.klaviyoConnection.get()).toBeUndefined();
      expect(await store.klaviyoConnection.save(record({ accountId: null, accessExpiresAt: null }), 0, at(5))).toBe(1);
      expect(await store.klaviyoConnection.get()).toMatchObject({ accountId: null, accessExpiresAt: null, version: 1 });
    });

    it('when a pending authorization is taken, then it is returned once; a reused, unknown or expired state gives nothing', async () => {
      store = await harness.open();
      const pending = { state: 's-live', sealedVerifier: 'v1.verifier', scopes: ['profiles:read'], createdAt: T0, expiresAt: at(600) };
      await store.klaviyoConnection.addState(pending);
      await store.klaviyoConnection.addState({ ...pending, state: 's-old', expiresAt: at(60) });
      expect(await store.klaviyoConnection.takeState('s-live', at(30))).toEqual(pending);
      expect(await store.klaviyoConnection.takeState('s-live', at(31))).toBeUndefined();
      expect(await store.klaviyoConnection.takeState('s-unknown', at(31))).toBeUndefined();
      expect(await store.klaviyoConnection.takeState('s-old', at(61))).toBeUndefined();
      // An expired one is gone for good, even for a clock that goes back.
      expect(await store.klaviyoConnection.takeState('s-old', at(0))).toBeUndefined();
    });
  });
}
