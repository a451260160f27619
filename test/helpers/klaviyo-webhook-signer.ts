/** The test-side entry point of the Klaviyo signer (shared with the demo and the benchmark). */
export {
  buildKlaviyoDeliveryBody,
  buildKlaviyoWebhookEvent,
  signKlaviyoBody,
  signKlaviyoDelivery,
  type SignedKlaviyoDelivery,
} from '../../sandbox/webhooks/klaviyo-webhook-signer.js';
