import { ServiceUnavailableError } from '../../src/lib/errors.js';
import type { InboxStore } from '../../src/store/webhook-inbox.js';
import { parseKlaviyoDelivery } from './klaviyo-delivery.js';
import { readKlaviyoHeaders, verifyKlaviyoSignature, type HeaderBag } from './verify-signature.js';

export interface KlaviyoWebhookReceiverDeps {
  inbox: InboxStore;
  /** Accepted signing secrets (rotation); empty means the receiver is not configured. */
  secrets: readonly string[];
  /** Tolerance of the signed send time (meta.timestamp, else Klaviyo-Timestamp), in seconds, past and future. */
  toleranceS: number;
  clock: () => Date;
  /** Called after a delivery stored new events (wakes the dispatcher); must not throw. */
  onEventsStored?: () => void;
}

export interface ReceivedDelivery {
  /** Items in the delivery. */
  received: number;
  /** Items whose external_id was already stored (or repeated within the delivery). */
  duplicates: number;
}

export type ReceiveKlaviyoDelivery = (request: { rawBody: Buffer; headers: HeaderBag }) => Promise<ReceivedDelivery>;

/**
 * What can be refused from the headers alone, before a body is read: no secret configured (503),
 * or one of the three Klaviyo headers missing (401). The route runs it ahead of its body parser so
 * such a request costs no read; the receiver runs it again, so it holds on its own.
 */
export function assertDeliveryReceivable(secrets: readonly string[], headers: HeaderBag): void {
  if (secrets.length === 0) {
    throw new ServiceUnavailableError('Klaviyo webhooks are not configured on this service (KLAVIYO_WEBHOOK_SECRETS is unset).', {
      code: 'webhooks_not_configured',
    });
  }
  readKlaviyoHeaders(headers);
}

/**
 * Verify → parse → store, in that order (docs/webhooks.md). Resolves only after the inbox transaction
 * committed, so a 200 always means durably stored. Dispatch happens later, off this path.
 */
export function createKlaviyoWebhookReceiver(deps: KlaviyoWebhookReceiverDeps): ReceiveKlaviyoDelivery {
  return async ({ rawBody, headers }) => {
    assertDeliveryReceivable(deps.secrets, headers);
    const now = deps.clock();
    const verified = verifyKlaviyoSignature({ rawBody, headers, secrets: deps.secrets, toleranceS: deps.toleranceS, now });
    const delivery = parseKlaviyoDelivery(verified);
    const events = delivery.data.map((item) => ({ externalId: item.external_id, topic: item.topic, payload: item.payload }));
    const { stored, duplicates } =
      events.length === 0
        ? { stored: 0, duplicates: 0 }
        : await deps.inbox.storeDelivery(
            { klaviyoAccountId: delivery.meta.klaviyo_account_id, klaviyoWebhookId: verified.webhookId, events },
            now,
          );
    if (stored > 0) deps.onEventsStored?.();
    return { received: events.length, duplicates };
  };
}
