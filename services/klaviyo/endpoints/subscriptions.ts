import {
  buildSubscribeBody,
  buildUnsubscribeBody,
  type KlaviyoSubscribeInput,
  type KlaviyoUnsubscribeInput,
} from '../bodies/subscription.js';
import type { KlaviyoClient } from '../client.js';
import type { CallOptions } from '../json-api.js';

/** Consent jobs. Both set a final state, so repeating one is harmless (idempotent). */
export function createSubscriptionEndpoints(client: KlaviyoClient) {
  return {
    /** POST /api/profile-subscription-bulk-create-jobs (≤ 1,000 profiles): 202, no body. */
    async subscribe(input: KlaviyoSubscribeInput, options: CallOptions = {}): Promise<void> {
      await client.request({
        limitClass: 'bulk_subscribe_profiles',
        method: 'POST',
        path: '/api/profile-subscription-bulk-create-jobs',
        body: buildSubscribeBody(input),
        idempotent: true,
        signal: options.signal,
      });
    },

    /** POST /api/profile-subscription-bulk-delete-jobs (≤ 100 profiles): 202, no body. */
    async unsubscribe(input: KlaviyoUnsubscribeInput, options: CallOptions = {}): Promise<void> {
      await client.request({
        limitClass: 'bulk_unsubscribe_profiles',
        method: 'POST',
        path: '/api/profile-subscription-bulk-delete-jobs',
        body: buildUnsubscribeBody(input),
        idempotent: true,
        signal: options.signal,
      });
    },
  };
}

export type SubscriptionEndpoints = ReturnType<typeof createSubscriptionEndpoints>;
