import { fullJitterDelayMs, type BackoffOptions } from '../../src/lib/backoff.js';
import { systemClock, type Clock } from '../../src/lib/clock.js';
import type { Logger } from '../../src/lib/logger.js';
import { createWakeableLoop } from '../../src/lib/wake.js';
import type { PrivacyIdentifier, PrivacyStore, QueuedDeletion } from '../../src/store/privacy.js';
import { KlaviyoError, type PrivacyEndpoints, type ProfileDeletionTarget } from '../klaviyo/index.js';
import { deletionError, refusedForGood } from './deletion-errors.js';

export interface PrivacyWorkerOptions {
  /** The term's fenced store view (docs/replicas.md): a deposed leader's late write changes nothing. */
  privacy: PrivacyStore;
  klaviyo: Pick<PrivacyEndpoints, 'requestDeletion' | 'profileIdsByExternalId'>;
  logger: Logger;
  clock?: Clock;
  /** How often queued deletions are looked at when nothing wakes the worker, in milliseconds (default 1000). */
  pollIntervalMs?: number;
  /** A deletion put off after a transient failure the client gave up on (defaults: 5 s doubling to 5 min). */
  backoff?: BackoffOptions;
  random?: () => number;
  /** Deletions looked at per round (default 20). */
  batchSize?: number;
}

export const PRIVACY_BACKOFF: BackoffOptions = { baseDelayMs: 5_000, maxDelayMs: 300_000 };

export interface PrivacyWorker {
  start(): void;
  /** A deletion was requested on this replica: look now instead of at the next poll. */
  wake(): void;
  /** Cancels a Klaviyo call in progress (the deletion stays queued) and ends the loop. */
  stop(): Promise<void>;
}

/**
 * The leader's privacy worker (docs/privacy.md): for each queued deletion, once every batch that held
 * the person's items has settled (`readyToSend`), resolves a distinct_id to Klaviyo's profile ids and
 * sends one data-privacy deletion job per identifier. 202 → sent; a 4xx about the request → failed
 * with Klaviyo's error; anything transient (the client has already retried) → put off with backoff.
 * Logs name the deletion, never the person.
 */
export function createPrivacyWorker(options: PrivacyWorkerOptions): PrivacyWorker {
  const clock = options.clock ?? systemClock;
  const log = options.logger.child({ component: 'privacy-worker' });
  const batchSize = options.batchSize ?? 20;
  let controller = new AbortController();

  const targetsOf = async (identifier: PrivacyIdentifier, signal: AbortSignal): Promise<ProfileDeletionTarget[]> => {
    if (identifier.kind === 'email') return [{ email: identifier.value }];
    if (identifier.kind === 'phone_number') return [{ phone_number: identifier.value }];
    const ids = await options.klaviyo.profileIdsByExternalId(identifier.value, { signal });
    return ids.map((profileId) => ({ profileId }));
  };

  /** Returns false when the round should end (stopping, or the store failed). */
  const sendWhenReady = async (deletion: QueuedDeletion, signal: AbortSignal): Promise<boolean> => {
    const fields = { deletionId: deletion.id, kind: deletion.identifier.kind };
    if (!(await options.privacy.readyToSend(deletion.id, clock()))) return true;
    try {
      const targets = await targetsOf(deletion.identifier, signal);
      if (targets.length === 0) {
        await options.privacy.finish(deletion.id, { status: 'failed', at: clock(), error: { code: 'profile_not_found', detail: 'Klaviyo has no profile with this external_id; the local purge is done.' } });
        log.warn(fields, 'privacy deletion failed: no Klaviyo profile has this distinct_id');
        return true;
      }
      for (const target of targets) await options.klaviyo.requestDeletion(target, { signal });
      await options.privacy.finish(deletion.id, { status: 'sent', at: clock() });
      log.info({ ...fields, profiles: targets.length }, 'privacy deletion sent to Klaviyo');
      return true;
    } catch (error) {
      if (signal.aborted) return false;
      if (!(error instanceof KlaviyoError)) {
        // Not Klaviyo's answer (the store, or this replica no longer leads): it stays queued as it is.
        log.warn({ ...fields, error: error instanceof Error ? error.name : 'unknown' }, 'privacy deletion not sent now; it stays queued');
        return false;
      }
      const kept = deletionError(error, deletion.identifier);
      if (refusedForGood(error)) {
        await options.privacy.finish(deletion.id, { status: 'failed', at: clock(), error: kept });
        log.warn({ ...fields, status: error.status, code: error.code }, 'privacy deletion refused by Klaviyo; failed');
        return true;
      }
      const delayMs = fullJitterDelayMs(deletion.attempts + 1, options.backoff ?? PRIVACY_BACKOFF, options.random);
      await options.privacy.postpone(deletion.id, new Date(clock().getTime() + delayMs), kept);
      log.warn({ ...fields, status: error.status, code: error.code, delayMs }, 'privacy deletion not sent (Klaviyo unavailable); tried again later');
      return true;
    }
  };

  const loop = createWakeableLoop({
    pollIntervalMs: options.pollIntervalMs ?? 1000,
    async round() {
      const signal = controller.signal;
      try {
        for (const deletion of await options.privacy.due(clock(), batchSize)) {
          if (signal.aborted || !(await sendWhenReady(deletion, signal))) break;
        }
      } catch (error) {
        // The store failed or fenced this term out: everything stays queued for the next round (or leader).
        if (!signal.aborted) log.warn({ error: error instanceof Error ? error.name : 'unknown' }, 'privacy worker round failed; tried again at the next poll');
      }
      return undefined;
    },
  });

  return {
    start() {
      if (controller.signal.aborted) controller = new AbortController();
      loop.start();
    },
    wake: () => loop.wake(),
    async stop() {
      controller.abort(new Error('the privacy worker stops'));
      await loop.stop();
    },
  };
}
