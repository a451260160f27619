/**
 * The webhooks section of `npm run demo`: play Klaviyo against POST /webhooks/klaviyo (deliveries
 * signed as live Klaviyo signs them, with a Klaviyo-Timestamp about 5 h ahead of the true
 * meta.timestamp; a repeat; a forgery; a stale replay), then show the stored events and what the
 * internal subscriber received, each forward verified with the `standardwebhooks` package.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { buildKlaviyoDeliveryBody, buildKlaviyoWebhookEvent, signKlaviyoDelivery } from '../sandbox/webhooks/klaviyo-webhook-signer.js';

/** Older than the receiver's default tolerance (KLAVIYO_WEBHOOK_TOLERANCE_S=300). */
const STALE_REPLAY_AGE_MS = 6 * 60_000;
import type { DemoContext } from './demo.js';

export const DEMO_WEBHOOK_SECRET = 'demo-klaviyo-webhook-secret-01';
export const DEMO_FORWARD_SECRET = `whsec_${Buffer.from('demo-forward-signing-key-0123456789').toString('base64')}`;

export interface ForwardReceiver {
  url: string;
  /** Topics of the forwards whose Standard Webhooks signature verified. */
  verified: string[];
  rejected: number;
  close(): Promise<void>;
}

/** An internal subscriber on loopback; it must exist before the service starts (its URL is config). */
export async function startForwardReceiver(): Promise<ForwardReceiver> {
  const verifier = new Webhook(DEMO_FORWARD_SECRET);
  const receiver = { verified: [] as string[], rejected: 0 };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      try {
        const event = verifier.verify(body, req.headers as Record<string, string>) as { type: string };
        receiver.verified.push(event.type);
        res.writeHead(204).end();
      } catch {
        receiver.rejected += 1;
        res.writeHead(400).end();
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/klaviyo-events`,
    get verified() {
      return receiver.verified;
    },
    get rejected() {
      return receiver.rejected;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function deliver(serviceUrl: string, delivery: { body: string; headers: Record<string, string> }) {
  const res = await fetch(`${serviceUrl}/webhooks/klaviyo`, { method: 'POST', headers: delivery.headers, body: delivery.body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export async function runWebhooksDemo(context: DemoContext, receiver: ForwardReceiver): Promise<void> {
  const { serviceUrl, log } = context;
  log('\n== Klaviyo webhooks → us → internal subscriber');
  const topics = ['event:klaviyo.opened_email', 'event:klaviyo.clicked_email', 'event:klaviyo.sent_sms'];
  const events = Array.from({ length: 6 }, (_, i) => buildKlaviyoWebhookEvent({ topic: topics[i % topics.length] }));
  const first = signKlaviyoDelivery({ secret: DEMO_WEBHOOK_SECRET, body: buildKlaviyoDeliveryBody({ events: events.slice(0, 4) }) });
  const second = signKlaviyoDelivery({ secret: DEMO_WEBHOOK_SECRET, body: buildKlaviyoDeliveryBody({ events: events.slice(2) }) });
  const forged = signKlaviyoDelivery({ secret: 'not-the-configured-secret-000', body: buildKlaviyoDeliveryBody() });
  // Correctly signed, but its meta.timestamp says it was sent 6 minutes ago: a replay.
  const staleReplay = signKlaviyoDelivery({ secret: DEMO_WEBHOOK_SECRET, body: buildKlaviyoDeliveryBody(), sentAt: new Date(Date.now() - STALE_REPLAY_AGE_MS) });
  const metaOf = (delivery: { body: string }) => (JSON.parse(delivery.body) as { meta: { timestamp: string } }).meta.timestamp;
  log(`  signed as live Klaviyo signs: Klaviyo-Timestamp "${first.headers['klaviyo-timestamp']}" (≈5 h ahead, HMAC input only), meta.timestamp "${metaOf(first)}" (judged)`);
  const outcomes: Record<string, number> = {};
  for (const [name, delivery] of [
    ['delivery 1 (4 events)', first],
    ['delivery 2 (4 events, 2 seen before)', second],
    ['delivery 1 again (a Klaviyo retry)', first],
    ['forged delivery', forged],
    ['stale replay (meta.timestamp 6 min old)', staleReplay],
  ] as const) {
    const answer = await deliver(serviceUrl, delivery);
    outcomes[name] = answer.status;
    log(`  ${name.padEnd(40)} → ${answer.status} ${JSON.stringify(answer.status === 200 ? answer.body : { reason: answer.body.reason })}`);
  }
  if (outcomes['delivery 1 (4 events)'] !== 200) throw new Error('webhook demo: a delivery signed as live Klaviyo signs it (skewed header) was not stored');
  log(`  → the skewed header was accepted and the delivery stored; the stale replay was refused (${outcomes['stale replay (meta.timestamp 6 min old)']})`);
  if (outcomes['stale replay (meta.timestamp 6 min old)'] !== 401) throw new Error('webhook demo: the stale replay was not refused');
  const deadline = Date.now() + 15_000;
  while (receiver.verified.length < events.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  const stored = (await (await fetch(`${serviceUrl}/v1/webhooks/events?limit=50`, { headers: { authorization: `Bearer ${context.adminToken}` } })).json()) as { items: unknown[] };
  log(`  stored once each: ${stored.items.length} events; forwarded to the subscriber with verified Standard Webhooks signatures: ${receiver.verified.length} (rejected ${receiver.rejected})`);
  if (stored.items.length !== events.length || receiver.verified.length !== events.length) {
    throw new Error(`webhook demo: expected ${events.length} stored and forwarded events`);
  }
}
