/** What an operation handler receives and returns (handlers never see Express). */
import type { SeededAccount } from '../seed/account.js';
import type { SandboxOperation } from '../spec.js';
import type { SandboxData } from '../state/sandbox-data.js';
import type { RequestRecorder } from '../recorder.js';
import type { SandboxTruth } from '../seed/truth.js';
import type { RequestAuth, SandboxLiveBehaviour } from '../types.js';

export interface HandlerContext {
  operation: SandboxOperation;
  params: Record<string, string>;
  query: URLSearchParams;
  /** The parsed JSON body, already validated against the operation's schema. */
  body: unknown;
  /** Request path without the query string. */
  path: string;
  /** `http://127.0.0.1:<port>`: links are absolute, as Klaviyo's are. */
  baseUrl: string;
  nowMs: number;
  account: SeededAccount;
  data: SandboxData;
  recorder: RequestRecorder;
  truth: SandboxTruth;
  /** Live-Klaviyo behaviours in force (options.live over DEFAULT_LIVE_BEHAVIOUR). */
  live: SandboxLiveBehaviour;
  /** The server's speedUp: Klaviyo durations last `1 / speedUp` of real time. */
  speedUp: number;
  /** The request's credential: the private key, or an OAuth app's access token (its scopes already checked). */
  auth: RequestAuth;
}

export interface HandlerResult {
  status: number;
  /** JSON:API document; absent for 202/204 without a body. */
  body?: unknown;
}

export type OperationHandler = (context: HandlerContext) => HandlerResult;

/** `{type, id, attributes, relationships?, links.self}` of one resource. */
export function resource(
  context: HandlerContext,
  type: string,
  id: string,
  attributes: Record<string, unknown>,
  selfPath: string,
  relationships?: Record<string, unknown>,
): Record<string, unknown> {
  return {
    type,
    id,
    attributes,
    ...(relationships ? { relationships } : {}),
    links: { self: `${context.baseUrl}${selfPath}` },
  };
}

export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
