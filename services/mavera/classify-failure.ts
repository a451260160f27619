import { parseRetryAfterMs } from '../../src/lib/backoff.js';
import {
  MaveraAuthError,
  MaveraBadRequestError,
  MaveraDuplicatePersonaError,
  type MaveraError,
  MaveraNotFoundError,
  MaveraOutOfCreditsError,
  MaveraRateLimitedError,
  MaveraUnavailableError,
} from './errors.js';

/** What one attempt ended with, when it did not end in a 2xx. */
export type MaveraFailure =
  | {
      kind: 'response';
      /** The logical operation, e.g. `personas.create`: a 422 means "duplicate" only there. */
      operation: string;
      status: number;
      body: unknown;
      retryAfterHeader: string | null;
      /** Epoch milliseconds, to resolve an HTTP-date `Retry-After`. */
      now: number;
    }
  | { kind: 'network'; operation: string; cause: unknown }
  | { kind: 'timeout'; operation: string; timeoutMs: number };

interface ErrorEnvelope {
  message?: string;
  type?: string;
  code?: string;
}

/** Mavera's `{error:{message,type,code}}`, tolerating a bare string or a missing envelope. */
function readEnvelope(body: unknown): ErrorEnvelope {
  if (typeof body !== 'object' || body === null) return {};
  const error = (body as { error?: unknown }).error;
  if (typeof error === 'string') return { message: error };
  if (typeof error !== 'object' || error === null) return {};
  const { message, type, code } = error as Record<string, unknown>;
  return {
    message: typeof message === 'string' ? message : undefined,
    type: typeof type === 'string' ? type : undefined,
    code: typeof code === 'string' ? code : undefined,
  };
}

/** The ONE place that turns an upstream failure into a typed error. */
export function toMaveraError(failure: MaveraFailure): MaveraError {
  if (failure.kind === 'network') {
    const reason = failure.cause instanceof Error ? failure.cause.message : String(failure.cause);
    return new MaveraUnavailableError({ detail: `${failure.operation}: network error (${reason})`, cause: failure.cause });
  }
  if (failure.kind === 'timeout') {
    return new MaveraUnavailableError({ detail: `${failure.operation}: no answer within ${failure.timeoutMs} ms` });
  }
  const { status, operation } = failure;
  const envelope = readEnvelope(failure.body);
  const common = {
    upstreamStatus: status,
    maveraCode: envelope.code,
    maveraType: envelope.type,
    detail: `${operation}: Mavera answered ${status}${envelope.code ? ` ${envelope.code}` : ''}${envelope.message ? ` (${envelope.message})` : ''}`,
  };
  if (status === 402) return new MaveraOutOfCreditsError(common);
  if (status === 429) return new MaveraRateLimitedError({ ...common, retryAfterMs: parseRetryAfterMs(failure.retryAfterHeader, failure.now) });
  if (status === 401 || status === 403) return new MaveraAuthError(common);
  if (status === 404) return new MaveraNotFoundError(common);
  if (status === 422 && operation === 'personas.create') return new MaveraDuplicatePersonaError(common);
  // 408 and every 5xx are the server's trouble, not ours: worth another attempt.
  if (status === 408 || status >= 500) return new MaveraUnavailableError(common);
  return new MaveraBadRequestError(common);
}
