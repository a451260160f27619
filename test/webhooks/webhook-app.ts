import type { AppDeps } from '../../src/app.js';
import { buildFoundationApp } from '../helpers/foundation-app.js';

export const SECRET_CURRENT = 'klaviyo-secret-current-0001';
export const SECRET_PREVIOUS = 'klaviyo-secret-previous-002';
export const NOW = new Date('2026-04-13T22:50:12Z');
export const TOLERANCE_S = 300;

/** The real app on a fresh SQLite store, with two webhook secrets (rotation) and a pinned clock. */
export function buildWebhookApp(options: { secrets?: string[]; bodyLimitBytes?: number; extra?: Partial<AppDeps> } = {}) {
  return buildFoundationApp({
    webhooks: {
      secrets: options.secrets ?? [SECRET_CURRENT, SECRET_PREVIOUS],
      toleranceS: TOLERANCE_S,
      bodyLimitBytes: options.bodyLimitBytes,
      clock: () => NOW,
    },
    ...options.extra,
  });
}
