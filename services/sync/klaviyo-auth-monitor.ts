import { KlaviyoRevisionRetiredError, type KlaviyoAuthError } from '../klaviyo/errors.js';
import type { Metrics } from '../../src/lib/metrics.js';
import type { ReadinessCheck } from '../../src/lib/readiness.js';

/**
 * Whether Klaviyo currently accepts our requests (the `klaviyo` check of /readyz): failing after a 401/403 (the key)
 * or a 410 (the pinned revision is retired), healthy again after any successful request. Fed by the
 * Klaviyo client's `onAuthStatus` (which passes the error) and by the sync worker (which passes
 * none), read by /readyz, /metrics and the sync worker.
 */
export interface KlaviyoAuthMonitor {
  /** `error` says why it failed; without one, a failure keeps the reason already known (else: the key). */
  report(ok: boolean, error?: KlaviyoAuthError): void;
  failing(): boolean;
  readiness: ReadinessCheck;
}

type AuthState = { kind: 'ok' } | { kind: 'key_rejected' } | { kind: 'revision_retired'; revision: string | undefined };

function describe(state: AuthState): string | undefined {
  switch (state.kind) {
    case 'ok':
      return undefined;
    case 'key_rejected':
      return 'Klaviyo rejected the API key (401/403)';
    case 'revision_retired':
      return `Klaviyo answered 410 Gone: revision ${state.revision ?? '(KLAVIYO_REVISION)'} is retired; raise KLAVIYO_REVISION to a supported revision`;
  }
}

/**
 * `klaviyo_auth_failing` is 1 while the key is rejected; a retired revision is not a key problem, so
 * it leaves that gauge at 0 (the client sets `klaviyo_revision_retired` for it).
 */
export function createKlaviyoAuthMonitor(metrics: Pick<Metrics, 'syncAuthFailing'>): KlaviyoAuthMonitor {
  let state: AuthState = { kind: 'ok' };
  metrics.syncAuthFailing.set(0);
  return {
    report(ok, error) {
      if (ok) state = { kind: 'ok' };
      else if (error instanceof KlaviyoRevisionRetiredError) state = { kind: 'revision_retired', revision: error.revision };
      else if (error || state.kind === 'ok') state = { kind: 'key_rejected' };
      metrics.syncAuthFailing.set(state.kind === 'key_rejected' ? 1 : 0);
    },
    failing: () => state.kind !== 'ok',
    readiness: {
      name: 'klaviyo',
      check: async () => {
        const detail = describe(state);
        return detail === undefined ? { ok: true } : { ok: false, detail };
      },
    },
  };
}
