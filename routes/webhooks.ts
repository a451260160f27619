import express, { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import { z } from 'zod';
import { AppError } from '../src/lib/errors.js';
import type { Metrics } from '../src/lib/metrics.js';
import type { OpenApiRegistry } from '../src/lib/openapi.js';
import { enforceBodyLimit, refuseDeclaredOversize } from '../src/lib/problem.js';
import type { InboxStore } from '../src/store/webhook-inbox.js';
import { failureResult, successResult } from '../services/webhooks/delivery-result.js';
import { assertDeliveryReceivable, createKlaviyoWebhookReceiver } from '../services/webhooks/receive-delivery.js';
import { WebhookVerificationError } from '../services/webhooks/verify-signature.js';
import { systemClock } from '../src/lib/clock.js';

export const DEFAULT_WEBHOOK_BODY_LIMIT_BYTES = 10 * 1024 * 1024;

export interface KlaviyoWebhookOptions {
  /** KLAVIYO_WEBHOOK_SECRETS; empty → the route answers 503. */
  secrets: string[];
  /** KLAVIYO_WEBHOOK_TOLERANCE_S, in seconds: how far meta.timestamp may be from our clock, either way. */
  toleranceS: number;
  /** Largest accepted body, in bytes (default 10 MB). */
  bodyLimitBytes?: number;
  /** Wakes the dispatcher after new events are stored. */
  onEventsStored?: () => void;
  clock?: () => Date;
}

export interface KlaviyoWebhookRouteDeps {
  inbox: InboxStore;
  metrics: Metrics;
  openapi: OpenApiRegistry;
  options: KlaviyoWebhookOptions | undefined;
}

const receivedSchema = z.object({ received: z.number().int(), duplicates: z.number().int() });

export const KLAVIYO_WEBHOOK_PATH = '/webhooks/klaviyo';

/**
 * `POST /webhooks/klaviyo`, outside any JSON parser: the signature covers the raw bytes, so the
 * route reads them with `express.raw` and hands them to the verifier untouched.
 */
export function createKlaviyoWebhookRouter(deps: KlaviyoWebhookRouteDeps): Router {
  const router = Router();
  const secrets = deps.options?.secrets ?? [];
  const receive = createKlaviyoWebhookReceiver({
    inbox: deps.inbox,
    secrets,
    toleranceS: deps.options?.toleranceS ?? 300,
    clock: deps.options?.clock ?? systemClock,
    onEventsStored: deps.options?.onEventsStored,
  });
  deps.openapi.add({
    method: 'post',
    path: KLAVIYO_WEBHOOK_PATH,
    summary: 'Klaviyo system webhook receiver (HMAC-SHA256 over the raw body and Klaviyo-Timestamp; freshness judged on meta.timestamp)',
    tags: ['webhooks'],
    security: 'klaviyo-signature',
    bodyContentType: 'application/json',
    responses: {
      200: { description: 'every item durably stored', schema: receivedSchema },
      400: { description: 'signature valid but the body is not JSON or not a delivery' },
      401: { description: 'missing header, bad signature, meta.timestamp (else Klaviyo-Timestamp) outside the tolerance, or webhook id mismatch' },
      413: { description: 'body over the limit' },
      503: { description: 'no secret configured' },
    },
  });

  // No secret (503) or a missing Klaviyo header (401) is known from the head alone: refused before
  // a byte of the body is read, like a declared length over the limit (413).
  const refuseUnreceivable: RequestHandler = (req, _res, next) => {
    assertDeliveryReceivable(secrets, req.headers);
    next();
  };
  const limit = deps.options?.bodyLimitBytes ?? DEFAULT_WEBHOOK_BODY_LIMIT_BYTES;
  // Any content type: Klaviyo sends application/json, but the bytes must reach the verifier untouched.
  // No inflating either: the signature covers the bytes as sent, so a compressed body is a 415.
  const readRaw = enforceBodyLimit(express.raw({ type: () => true, inflate: false, limit }), limit);
  router.post(KLAVIYO_WEBHOOK_PATH, refuseUnreceivable, refuseDeclaredOversize(limit), readRaw, async (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const result = await receive({ rawBody: body, headers: req.headers });
    deps.metrics.webhookDeliveries.inc({ result: successResult(result.received, result.duplicates) });
    res.status(200).json(result);
  });
  const countAndTranslate: ErrorRequestHandler = (error: unknown, _req, _res, next) => {
    deps.metrics.webhookDeliveries.inc({ result: failureResult(error) });
    if (!(error instanceof WebhookVerificationError)) return next(error);
    // Every 401 is counted by its stable reason, so a rise of e.g. meta_timestamp_too_old (late
    // Klaviyo retries, a drifting clock) shows on a dashboard before anyone reads logs.
    deps.metrics.webhookRefusals.inc({ reason: error.reason });
    next(
      new AppError({
        code: 'webhook_verification_failed',
        status: 401,
        title: 'Webhook verification failed',
        detail: error.message,
        extensions: { reason: error.reason, ...(error.context.judged ? { judged: error.context.judged } : {}) },
      }),
    );
  };
  router.use(KLAVIYO_WEBHOOK_PATH, countAndTranslate);
  return router;
}
