/** The test-side entry point of the Klaviyo signer (shared with the demo and the benchmark). */
export {
  buildKlaviyoDeliveryBody,
  buildKlaviyoWebhookEvent,
  formatKlaviyoMetaTimestamp,
  LIVE_KLAVIYO_HEADER_SKEW_MS,
  signKlaviyoBody,
  signKlaviyoDelivery,
  type SignedKlaviyoDelivery,
  type SignKlaviyoDeliveryOptions,
} from '../../sandbox/webhooks/klaviyo-webhook-signer.js';
