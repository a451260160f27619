import { ValidationError } from '../../src/lib/errors.js';
import type { ForwardDelivery, ForwardStore } from '../../src/store/webhook-forwards.js';
import type { InboxEvent, InboxStore } from '../../src/store/webhook-inbox.js';

/** Cursors are opaque to clients: the last row's position, so pages never overlap or skip. */
export function encodeCursor(position: number): string {
  return Buffer.from(`p:${position}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const match = /^p:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match?.[1]) throw new ValidationError('The cursor is not one this service issued.', [{ path: '/cursor', message: 'invalid cursor' }]);
  return Number(match[1]);
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export function webhookEventView(event: InboxEvent) {
  return {
    id: event.externalId,
    topic: event.topic,
    payload: event.payload,
    klaviyo_account_id: event.klaviyoAccountId ?? null,
    klaviyo_webhook_id: event.klaviyoWebhookId,
    received_at: event.receivedAt.toISOString(),
    dispatched_at: event.dispatchedAt?.toISOString() ?? null,
  };
}

export function forwardDeliveryView(delivery: ForwardDelivery) {
  return {
    id: delivery.id,
    event_id: delivery.eventExternalId,
    topic: delivery.topic,
    target_url: delivery.targetUrl,
    state: delivery.state,
    attempts: delivery.attempts,
    last_status: delivery.lastStatus ?? null,
    last_error: delivery.lastError ?? null,
    created_at: delivery.createdAt.toISOString(),
  };
}

/** `GET /v1/webhooks/events`: newest first; fetches one extra row to know whether a next page exists. */
export async function listWebhookEvents(
  inbox: InboxStore,
  query: { topic?: string; since?: Date; limit: number; cursor?: string },
): Promise<Page<ReturnType<typeof webhookEventView>>> {
  const beforeSeq = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const rows = await inbox.list({ topic: query.topic, since: query.since, limit: query.limit + 1, beforeSeq });
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return { items: page.map(webhookEventView), next_cursor: rows.length > query.limit && last ? encodeCursor(last.seq) : null };
}

export async function listForwardDeadLetters(
  forwards: ForwardStore,
  query: { limit: number; cursor?: string },
): Promise<Page<ReturnType<typeof forwardDeliveryView>>> {
  const beforeId = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const rows = await forwards.listDead({ limit: query.limit + 1, beforeId });
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return { items: page.map(forwardDeliveryView), next_cursor: rows.length > query.limit && last ? encodeCursor(last.id) : null };
}

/** Puts dead forward deliveries back in the queue; `onRequeued` wakes the forward worker. */
export async function replayForwardDeadLetters(
  forwards: ForwardStore,
  request: { ids?: number[]; now: Date; onRequeued?: () => void },
): Promise<{ requeued: number }> {
  const requeued = await forwards.replayDead(request.ids, request.now);
  if (requeued > 0) request.onRequeued?.();
  return { requeued };
}
