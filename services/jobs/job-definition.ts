import { z } from 'zod';
import type { Logger } from '../../src/lib/logger.js';
import type { KlaviyoReads } from './klaviyo-reads.js';
import type { MaveraGateway } from './mavera-gateway.js';
import type { ReadCache } from './read-cache.js';

/** Parameters every job takes (docs/jobs.md). */
export const baseParamsShape = {
  dryRun: z.boolean().default(false).describe('Compute everything and return the exact Mavera request bodies, spending no credits.'),
  maxCredits: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe('Upper bound on the Mavera credits this run may spend; the run stops before a call that could pass it.'),
  refreshCache: z.boolean().default(false).describe('Ignore cached Klaviyo reads (they are re-read and cached again).'),
};

export interface BaseParams {
  dryRun: boolean;
  maxCredits?: number | undefined;
  refreshCache: boolean;
}

/** What a running job may use; everything is scoped to its run. */
export interface JobContext {
  runId: string;
  /** Aborted when the run is cancelled or the service shuts down; pass it to every call. */
  signal: AbortSignal;
  klaviyo: KlaviyoReads;
  mavera: MaveraGateway;
  cache: ReadCache;
  clock: () => Date;
  logger: Logger;
  /** Reports progress; persisted at most a few times per second, so call it freely. */
  progress(phase: string, done: number, total: number | null): void;
}

export interface JobDefinition<P extends BaseParams = BaseParams, R = unknown> {
  name: string;
  description: string;
  params: z.ZodType<P>;
  run(context: JobContext, params: P): Promise<R>;
}

/** Erases a job's own param/result types so definitions can share one list. */
export type AnyJobDefinition = JobDefinition<BaseParams, unknown>;

export function defineJob<P extends BaseParams, R>(definition: JobDefinition<P, R>): AnyJobDefinition {
  return definition as unknown as AnyJobDefinition;
}
