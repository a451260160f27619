import type { Metrics } from '../../src/lib/metrics.js';
import type { ReadinessCheck } from '../../src/lib/readiness.js';

/**
 * Whether Klaviyo currently accepts our key (DESIGN §4.1): failing after a 401/403, healthy again
 * after any successful request. Fed by the Klaviyo client's `onAuthStatus`, read by /readyz,
 * /metrics and the sync worker.
 */
export interface KlaviyoAuthMonitor {
  report(ok: boolean): void;
  failing(): boolean;
  readiness: ReadinessCheck;
}

export function createKlaviyoAuthMonitor(metrics: Pick<Metrics, 'syncAuthFailing'>): KlaviyoAuthMonitor {
  let failing = false;
  metrics.syncAuthFailing.set(0);
  return {
    report(ok) {
      if (failing === !ok) return;
      failing = !ok;
      metrics.syncAuthFailing.set(failing ? 1 : 0);
    },
    failing: () => failing,
    readiness: {
      name: 'klaviyo',
      check: async () => (failing ? { ok: false, detail: 'Klaviyo rejected the API key (401/403)' } : { ok: true }),
    },
  };
}
