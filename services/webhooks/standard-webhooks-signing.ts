import { createHmac } from 'node:crypto';

const PREFIX = 'whsec_';

/**
 * The signing key of a Standard Webhooks secret. `whsec_<base64>` (the scheme's own format) is
 * decoded; any other string is used as raw UTF-8 bytes (receivers then verify with the raw form,
 * e.g. `new Webhook(secret, { format: 'raw' })`).
 */
export function standardWebhooksKey(secret: string): Buffer {
  if (secret.startsWith(PREFIX)) {
    const key = Buffer.from(secret.slice(PREFIX.length), 'base64');
    if (key.length === 0) throw new Error('The whsec_ secret decodes to an empty key.');
    return key;
  }
  return Buffer.from(secret, 'utf8');
}

export interface StandardWebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * Signs one message per the Standard Webhooks spec: `v1,` + base64(HMAC-SHA256(key,
 * `${id}.${timestampSeconds}.${body}`)). The id stays the same across retries (receivers dedupe on
 * it); the timestamp is that of the attempt, so a retry hours later still passes the receiver's tolerance.
 */
export function signStandardWebhook(input: { key: Buffer; messageId: string; timestamp: Date; body: string }): StandardWebhookHeaders {
  const seconds = Math.floor(input.timestamp.getTime() / 1000);
  const signature = createHmac('sha256', input.key).update(`${input.messageId}.${seconds}.${input.body}`, 'utf8').digest('base64');
  return { 'webhook-id': input.messageId, 'webhook-timestamp': String(seconds), 'webhook-signature': `v1,${signature}` };
}
