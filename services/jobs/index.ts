import type { AnyJobDefinition } from './job-definition.js';
import { flowContentRefreshJob } from './flow-content-refresh.js';
import { personaEnrichmentJob } from './persona-enrichment.js';
import { productAffinityJob } from './product-affinity.js';
import { segmentOverlapJob } from './segment-overlap.js';
import { smsVsEmailJob } from './sms-vs-email.js';

/** The five jobs (docs/jobs.md), in the order GET /v1/jobs lists them. */
export const ALL_JOBS: AnyJobDefinition[] = [personaEnrichmentJob, flowContentRefreshJob, segmentOverlapJob, productAffinityJob, smsVsEmailJob];

export { createJobRunner, runLink, type JobRunner, type JobRunnerOptions } from './runner.js';
export { createKlaviyoReadsAdapter } from './klaviyo-reads-adapter.js';
export { createMaveraCallsAdapter } from './mavera-calls-adapter.js';
export type { KlaviyoReads } from './klaviyo-reads.js';
export type { MaveraCalls } from './mavera-calls.js';
