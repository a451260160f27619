import { AppError } from '../../src/lib/errors.js';
import type { JobRunError } from '../../src/store/job-runs.js';

/**
 * Failures a job raises on purpose. Each carries the stable `code` stored in the run's `error`, so
 * an operator reading `GET /v1/jobs/{name}/runs/{id}` sees why the run stopped without the logs.
 */
export class JobFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = 'JobFailure';
  }
}

/** The credit guard refused to spend: the planned or next call would pass `maxCredits` or the balance. */
export class CreditLimitError extends JobFailure {
  constructor(message: string) {
    super('credit_limit', message);
    this.name = 'CreditLimitError';
  }
}

/**
 * Maps anything a job threw to the `error` of its run. Upstream typed errors (Klaviyo, Mavera) carry a
 * `code`; their messages are written by us and hold no secrets. Unknown errors get a generic text.
 */
export function toJobRunError(error: unknown): JobRunError {
  if (error instanceof JobFailure) return { code: error.code, message: error.message };
  if (error instanceof AppError) return { code: error.code, message: error.detail ?? error.title };
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof Error && typeof code === 'string' && error.name.startsWith('Klaviyo')) {
    return { code: code.startsWith('klaviyo') ? code : `klaviyo_${code}`, message: error.message };
  }
  return { code: 'internal_error', message: 'The job failed unexpectedly; see the service logs for this run id.' };
}
