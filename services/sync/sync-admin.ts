import { z } from 'zod';
import { OUTBOX_KINDS, type OutboxStore } from '../../src/store/outbox.js';
import type { SyncWorkerState } from './sync-worker.js';
import { systemClock } from '../../src/lib/clock.js';

export const deadLetterQuerySchema = z.strictObject({
  kind: z.enum(OUTBOX_KINDS).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().regex(/^\d+$/, 'must be a cursor from a previous page').optional(),
});

export const replayBodySchema = z.strictObject({
  ids: z.array(z.string().regex(/^\d+$/, 'must be a dead-letter id')).min(1).max(10_000).optional(),
  kind: z.enum(OUTBOX_KINDS).optional(),
});

export interface SyncAdminDeps {
  outbox: OutboxStore;
  /** The running worker's view (absent when no worker runs in this process). */
  workerState?: () => SyncWorkerState;
  /** Per Klaviyo limit class: queue length and pause (the shared limiters' stats). */
  limiterStats?: () => Partial<Record<string, { queued: number; paused_until: string | null }>>;
  /** This replica and the leader (GET /v1/sync `replica`, `leader`). */
  replicas?: () => { replica: { id: string; role: 'leader' | 'follower' }; leader: { id: string; epoch: number; since: string } | null };
  /** Wakes the worker after a replay. */
  onRequeued?: () => void;
  clock?: () => Date;
}

/** GET /v1/sync, the dead letters and their replay (docs/ingest.md). */
export function createSyncAdmin(deps: SyncAdminDeps) {
  const clock = deps.clock ?? systemClock;
  return {
    async status() {
      const stats = await deps.outbox.stats(clock());
      const worker = deps.workerState?.();
      return {
        kinds: stats.kinds,
        limit_classes: deps.limiterStats?.() ?? {},
        last_delivery_at: stats.lastDeliveryAt?.toISOString() ?? null,
        last_error: worker?.last_error ?? null,
        worker: worker ? { running: worker.running, auth_paused_until: worker.auth_paused_until } : { running: false, auth_paused_until: null },
        ...(deps.replicas ? { replica: deps.replicas().replica, leader: deps.replicas().leader } : {}),
      };
    },
    async deadLetters(query: z.output<typeof deadLetterQuerySchema>) {
      const page = await deps.outbox.listDeadLetters(query);
      return {
        items: page.items.map((d) => ({
          id: d.id,
          kind: d.kind,
          reason: d.error.reason ?? 'klaviyo_rejected',
          error: d.error,
          attempts: d.attempts,
          created_at: d.createdAt.toISOString(),
          dead_at: d.deadAt.toISOString(),
          payload: d.payload,
        })),
        next_cursor: page.nextCursor ?? null,
      };
    },
    async replay(selector: z.output<typeof replayBodySchema>) {
      const requeued = await deps.outbox.replayDeadLetters(selector, clock());
      if (requeued > 0) deps.onRequeued?.();
      return { requeued };
    },
  };
}

export type SyncAdmin = ReturnType<typeof createSyncAdmin>;
