import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/lib/logger.js';
import { normalizePrivacyIdentifier } from '../../src/store/privacy-match.js';
import type { PrivacyIdentifierKind } from '../../src/store/privacy.js';
import { openSqliteStore } from '../../src/store/sqlite/open.js';
import type { Store } from '../../src/store/store.js';
import { toKlaviyoError, type ProfileDeletionTarget } from '../../services/klaviyo/index.js';
import { createPrivacyWorker, type PrivacyWorker } from '../../services/privacy/index.js';
import { captureLogs } from '../helpers/foundation-app.js';
import { tempDir } from '../helpers/temp-dirs.js';

/** The leader's privacy worker on a real SQLite store and a scripted Klaviyo. */
const answer = (status: number, detail: string) =>
  toKlaviyoError({ kind: 'response', status, headers: new Headers(), body: { errors: [{ id: 'e', status, code: status === 404 ? 'not_found' : 'invalid', title: 'Refused', detail, source: { pointer: '/data' } }] } });

describe('privacy worker', () => {
  let store: Store | undefined;
  let worker: PrivacyWorker | undefined;
  afterEach(async () => {
    await worker?.stop();
    await store?.close();
    worker = undefined;
    store = undefined;
  });

  function start(klaviyo: { requestDeletion?: (target: ProfileDeletionTarget, options: { signal?: AbortSignal }) => Promise<void>; profileIdsByExternalId?: (id: string) => Promise<string[]> }) {
    const logs = captureLogs();
    store = openSqliteStore({ dataDir: tempDir('kb-privacy-worker-') });
    const sent: ProfileDeletionTarget[] = [];
    worker = createPrivacyWorker({
      privacy: store.privacy,
      klaviyo: {
        requestDeletion: klaviyo.requestDeletion ?? (async (target) => void sent.push(target)),
        profileIdsByExternalId: klaviyo.profileIdsByExternalId ?? (async () => []),
      },
      logger: createLogger({ level: 'debug', destination: logs.stream }),
      pollIntervalMs: 10,
      backoff: { baseDelayMs: 1, maxDelayMs: 2 },
    });
    worker.start();
    return { store, sent, logs };
  }
  const request = (s: Store, kind: PrivacyIdentifierKind, value: string) => s.privacy.request({ id: `d-${kind}-${value}`, identifier: normalizePrivacyIdentifier(kind, value), requestedAt: new Date() });
  const ended = (s: Store, id: string) =>
    vi.waitFor(
      async () => {
        const deletion = await s.privacy.get(id);
        expect(deletion?.status).not.toBe('queued');
        return deletion!;
      },
      { timeout: 5_000, interval: 10 },
    );

  it('when Klaviyo refuses the request (400), then the deletion fails with Klaviyo’s error, which names no one', async () => {
    const { store: s, logs } = start({ requestDeletion: async () => Promise.reject(answer(400, 'Invalid email address: Kate@Example.com')) });
    const deletion = await ended(s, (await request(s, 'email', 'kate@example.com')).id);
    expect(deletion).toMatchObject({ status: 'failed', error: { code: 'invalid', status: 400, detail: 'Refused: Invalid email address: [REDACTED]' } });
    expect(logs.text().toLowerCase()).not.toContain('kate@example.com');
  });

  it('when Klaviyo has no profile with the email (404), then the deletion fails with its answer', async () => {
    const { store: s } = start({ requestDeletion: async () => Promise.reject(answer(404, 'No profile with email "kate@example.com" found.  The profile may have already been deleted.')) });
    const deletion = await ended(s, (await request(s, 'email', 'kate@example.com')).id);
    expect(deletion.error).toEqual({ code: 'not_found', status: 404, detail: 'Refused: No profile with email "[REDACTED]" found.  The profile may have already been deleted.' });
  });

  it.each([
    ['5xx the client gave up on', 503],
    ['rejected key', 401],
    ['retired revision', 410],
    ['throttling past the wait', 429],
  ])('when Klaviyo answers a %s, then the deletion stays queued with the identifier and is tried again until it is sent', async (_case, status) => {
    let calls = 0;
    const { store: s, sent } = start({
      async requestDeletion(target) {
        calls += 1;
        if (calls <= 2) throw answer(status, 'not now');
        sent.push(target);
      },
    });
    const { id } = await request(s, 'phone_number', '+15005550006');
    const deletion = await ended(s, id);
    expect(deletion.status).toBe('sent');
    expect(calls).toBe(3);
    expect(sent).toEqual([{ phone_number: '+15005550006' }]);
    expect(deletion.error).toBeUndefined();
  });

  it('when a distinct_id resolves to two profiles, then each is deleted by its id', async () => {
    const { store: s, sent } = start({ profileIdsByExternalId: async (id) => (id === 'crm-9' ? ['01A', '01B'] : []) });
    expect((await ended(s, (await request(s, 'distinct_id', 'crm-9')).id)).status).toBe('sent');
    expect(sent).toEqual([{ profileId: '01A' }, { profileId: '01B' }]);
  });

  it('when the worker stops while Klaviyo has the call, then the call is cancelled and the deletion stays queued for the next leader', async () => {
    let started = 0;
    const { store: s } = start({
      requestDeletion: (_target, options) =>
        new Promise<void>((_resolve, reject) => {
          started += 1;
          options.signal?.addEventListener('abort', () => reject(options.signal?.reason));
        }),
    });
    const { id } = await request(s, 'email', 'kate@example.com');
    await vi.waitFor(() => expect(started).toBe(1), { timeout: 5_000, interval: 10 });
    await worker!.stop();
    worker = undefined;
    expect(await s.privacy.due(new Date(), 10)).toMatchObject([{ id, identifier: { kind: 'email', value: 'kate@example.com' }, attempts: 0 }]);
  });
});
