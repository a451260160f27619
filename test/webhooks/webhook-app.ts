import type { ServiceOverrides } from '../../src/service.js';
import { buildFoundationApp } from '../helpers/foundation-app.js';

export const SECRET_CURRENT = 'klaviyo-secret-current-0001';
export const SECRET_PREVIOUS = 'klaviyo-secret-previous-002';
export const NOW = new Date('2026-04-13T22:50:12Z');
export const TOLERANCE_S = 300;

/** The real service on a fresh SQLite store, with two webhook secrets (rotation) and a pinned clock. */
export function buildWebhookApp(
  options: { secrets?: string[]; bodyLimitBytes?: number; toleranceS?: number; clock?: () => Date; env?: Record<string, string>; overrides?: ServiceOverrides } = {},
) {
  return buildFoundationApp({
    env: {
      KLAVIYO_WEBHOOK_SECRETS: (options.secrets ?? [SECRET_CURRENT, SECRET_PREVIOUS]).join(','),
      KLAVIYO_WEBHOOK_TOLERANCE_S: String(options.toleranceS ?? TOLERANCE_S),
      ...options.env,
    },
    overrides: { clock: options.clock ?? (() => NOW), limits: { webhookBodyBytes: options.bodyLimitBytes }, ...options.overrides },
  });
}
