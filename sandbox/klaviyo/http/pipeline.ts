/**
 * The request pipeline of the fake, in Klaviyo's order: route → (injected latency) → (edge
 * challenge) → auth (private key, or an OAuth access token) → revision (format, then retired → 410)
 * → limit class → (429 storm) → sliding-window limit (the key's buckets, or the OAuth app's) →
 * (injected 5xx) → OAuth scopes (403) → path id format (400) → body checks (media type, 5 MB, JSON,
 * schema) → operation handler. Every answer is recorded. Before any of it, data-privacy
 * deletions due by the sandbox clock are applied (state/privacy-deletions.ts). A DELETE's body is
 * read too (remove_profiles_from_list takes one).
 *
 * Rate headers are live Klaviyo's: an admitted request's answer (errors included) carries
 * `RateLimit-Limit: <burst>, <burst>;w=1, <steady>;w=60[, <daily>;w=86400]` with Remaining/Reset
 * describing the 1-second window; a 429 carries only `Retry-After`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BodyValidator } from '../body-validator.js';
import type { SandboxFaults } from '../faults.js';
import {
  EDGE_CHALLENGE_PAGE,
  KlaviyoHttpError,
  authenticationFailed,
  invalidAccessToken,
  invalidBody,
  invalidId,
  invalidParameter,
  methodNotAllowed,
  missingScopes,
  notAuthenticated,
  notFound,
  payloadTooLarge,
  revisionRetired,
  serverError,
  throttled,
  unsupportedMediaType,
} from '../klaviyo-errors.js';
import { malformedPathId } from '../ids.js';
import { limitClassOf } from '../limit-classes.js';
import type { LimitDecision, SlidingWindowLimiter } from '../rate-limiter.js';
import type { RequestRecorder } from '../recorder.js';
import type { SeededAccount } from '../seed/account.js';
import type { SandboxOperation } from '../spec.js';
import type { SandboxData } from '../state/sandbox-data.js';
import type { SandboxTruth } from '../seed/truth.js';
import type { OAuthServer } from '../oauth/server.js';
import type { RequestAuth, SandboxLiveBehaviour } from '../types.js';
import type { OperationHandler } from './context.js';
import { readBody } from './read-body.js';

export const MAX_PAYLOAD_BYTES = 5 * 1024 * 1024;
const REVISION_FORMAT = /^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/;
const JSON_MEDIA_TYPES = new Set(['application/json', 'application/vnd.api+json']);

export interface PipelineDeps {
  apiKey: string;
  operations: readonly SandboxOperation[];
  handlers: Readonly<Record<string, OperationHandler>>;
  /** The private key's buckets. */
  limiter: SlidingWindowLimiter;
  /** With `options.oauth`: its server and the app's own buckets (live: a quota per installed app). */
  oauth: { server: OAuthServer; limiter: SlidingWindowLimiter } | null;
  validator: BodyValidator;
  faults: SandboxFaults;
  recorder: RequestRecorder;
  account: SeededAccount;
  data: SandboxData;
  truth: SandboxTruth;
  live: SandboxLiveBehaviour;
  speedUp: number;
  now: () => number;
  baseUrl: () => string;
}

interface Answer {
  status: number;
  body?: unknown;
  headers: Record<string, string>;
  /** A non-JSON body (the edge proxy's HTML page), sent as is. */
  html?: string;
}

/** Thrown by the pipeline for an answer that never reached Klaviyo (the edge proxy's challenge). */
class EdgeAnswer extends Error {
  constructor(readonly answer: Answer) {
    super(`edge answered ${answer.status}`);
  }
}

function route(operations: readonly SandboxOperation[], method: string, path: string) {
  let pathKnown = false;
  for (const operation of operations) {
    const params = operation.match(path);
    if (!params) continue;
    pathKnown = true;
    if (operation.method === method) return { operation, params };
  }
  throw pathKnown ? methodNotAllowed(method) : notFound(`No route for ${path}.`);
}

type Credential = { kind: 'api_key' } | { kind: 'oauth'; scopes: ReadonlySet<string> };

/** The scheme a request presented, valid or not (recorded with it). */
function presentedAuth(request: IncomingMessage): RequestAuth | null {
  const header = request.headers.authorization ?? '';
  if (header.startsWith('Klaviyo-API-Key ')) return 'api_key';
  if (/^bearer /i.test(header)) return 'oauth';
  return null;
}

function checkAuth(request: IncomingMessage, deps: PipelineDeps, at: number): Credential {
  const header = request.headers.authorization;
  if (deps.oauth && header && /^bearer /i.test(header)) {
    const identity = deps.oauth.server.authenticateBearer(header.slice('bearer '.length).trim(), at);
    if (deps.faults.authFailure() || !identity) throw invalidAccessToken();
    return { kind: 'oauth', scopes: identity.scopes };
  }
  if (!header || !header.startsWith('Klaviyo-API-Key ')) throw notAuthenticated();
  if (deps.faults.authFailure() || header.slice('Klaviyo-API-Key '.length).trim() !== deps.apiKey) throw authenticationFailed();
  return { kind: 'api_key' };
}

function checkRevision(request: IncomingMessage, deps: PipelineDeps): void {
  const revision = request.headers.revision;
  if (typeof revision !== 'string' || revision === '') throw invalidParameter('revision', "Missing required header 'revision'.");
  if (!REVISION_FORMAT.test(revision)) throw invalidParameter('revision', `Invalid revision '${revision}': expected YYYY-MM-DD[.suffix].`);
  deps.recorder.noteRevision(revision);
  if (deps.live.retiredRevisions.includes(revision)) throw revisionRetired(revision);
}

/** `RateLimit-*` as live Klaviyo sends them: the policy list, and Remaining/Reset of the 1 s window. */
function rateHeadersOf(decision: Extract<LimitDecision, { admitted: true }>): Record<string, string> {
  const { budget } = decision;
  const policies = [`${budget.burst};w=1`, `${budget.steady};w=60`, ...(budget.daily ? [`${budget.daily};w=86400`] : [])];
  return {
    'ratelimit-limit': [String(budget.burst), ...policies].join(', '),
    'ratelimit-remaining': String(decision.remaining),
    'ratelimit-reset': String(decision.resetSeconds),
  };
}

function parseJsonBody(request: IncomingMessage, bytes: Buffer): unknown {
  const mediaType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!JSON_MEDIA_TYPES.has(mediaType)) throw unsupportedMediaType(mediaType || '(none)');
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return invalidJson();
  }
}

function invalidJson(): never {
  throw invalidBody([{ pointer: '/', detail: 'JSON parse error: the request body is not valid JSON.' }]);
}

async function serve(request: IncomingMessage, deps: PipelineDeps, url: URL, at: number, classSink: { limitClass: string | null }): Promise<Answer> {
  const method = (request.method ?? 'GET').toUpperCase();
  const hasBody = method === 'POST' || method === 'PATCH' || method === 'PUT' || method === 'DELETE';
  const read = hasBody ? await readBody(request, MAX_PAYLOAD_BYTES) : null;
  const { operation, params } = route(deps.operations, method, url.pathname);

  const latency = deps.faults.latencyMs();
  if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
  if (deps.faults.edgeChallenge()) {
    throw new EdgeAnswer({ status: 403, headers: { 'content-type': 'text/html; charset=UTF-8', 'cf-mitigated': 'challenge' }, html: EDGE_CHALLENGE_PAGE });
  }
  const credential = checkAuth(request, deps, at);
  checkRevision(request, deps);

  const limitClass = limitClassOf(operation, url.searchParams);
  classSink.limitClass = limitClass;
  const limiter = credential.kind === 'oauth' && deps.oauth ? deps.oauth.limiter : deps.limiter;
  limiter.observe(limitClass, at);
  const storm = deps.faults.stormFor(limitClass);
  if (storm.kind === 'throttle') {
    limiter.markThrottled(limitClass);
    throw throttled(storm.retryAfterSeconds);
  }
  const decision = limiter.admit(limitClass, at);
  if (!decision.admitted) throw throttled(decision.retryAfterSeconds);
  const rateHeaders = rateHeadersOf(decision);

  try {
    const failure = deps.faults.serverFailure();
    if (failure.kind === 'status') throw serverError(failure.status);
    if (credential.kind === 'oauth') {
      const missing = operation.scopes.filter((scope) => !credential.scopes.has(scope));
      if (missing.length > 0) throw missingScopes(missing);
    }
    const malformed = malformedPathId(operation.operationId, params);
    if (malformed) throw invalidId(malformed.resource, malformed.id);

    let body: unknown = undefined;
    if (read?.kind === 'too-large') throw payloadTooLarge(MAX_PAYLOAD_BYTES);
    if (operation.requestSchemaRef) {
      body = parseJsonBody(request, read?.kind === 'ok' ? read.bytes : Buffer.alloc(0));
      const issues = deps.validator.validate(operation.requestSchemaRef, body);
      if (issues.length > 0) {
        deps.recorder.validationErrors++;
        throw invalidBody(issues);
      }
    }
    const handler = deps.handlers[operation.operationId];
    if (!handler) throw notFound(`${operation.operationId} is not served by the sandbox.`);
    const result = handler({
      operation,
      params,
      query: url.searchParams,
      body,
      path: url.pathname,
      baseUrl: deps.baseUrl(),
      nowMs: at,
      account: deps.account,
      data: deps.data,
      recorder: deps.recorder,
      truth: deps.truth,
      live: deps.live,
      speedUp: deps.speedUp,
      auth: credential.kind,
    });
    return { status: result.status, body: result.body, headers: rateHeaders };
  } catch (error) {
    if (error instanceof KlaviyoHttpError) {
      throw new KlaviyoHttpError(error.status, error.errors, { ...rateHeaders, ...error.headers });
    }
    throw error;
  }
}

/** Handles one `/api/*` request end to end. */
export async function handleApiRequest(request: IncomingMessage, response: ServerResponse, deps: PipelineDeps): Promise<void> {
  const at = deps.now();
  deps.data.privacyDeletions.applyDue(at);
  const url = new URL(request.url ?? '/', 'http://sandbox.invalid');
  const classSink: { limitClass: string | null } = { limitClass: null };
  let answer: Answer;
  try {
    answer = await serve(request, deps, url, at, classSink);
  } catch (error) {
    if (error instanceof EdgeAnswer) answer = error.answer;
    else {
      const known = error instanceof KlaviyoHttpError ? error : serverError(500);
      answer = { status: known.status, body: known.document, headers: known.headers };
    }
  }
  deps.recorder.record({
    method: (request.method ?? 'GET').toUpperCase(),
    path: url.pathname,
    query: url.search.slice(1),
    limitClass: classSink.limitClass,
    status: answer.status,
    at,
    userAgent: String(request.headers['user-agent'] ?? ''),
    auth: presentedAuth(request),
  });
  for (const [name, value] of Object.entries(answer.headers)) response.setHeader(name, value);
  if (answer.html !== undefined) {
    const page = Buffer.from(answer.html, 'utf8');
    response.setHeader('content-length', String(page.length));
    response.writeHead(answer.status).end(page);
    return;
  }
  if (answer.body === undefined) {
    response.writeHead(answer.status).end();
    return;
  }
  const payload = Buffer.from(JSON.stringify(answer.body), 'utf8');
  response.setHeader('content-type', 'application/vnd.api+json');
  response.setHeader('content-length', String(payload.length));
  response.writeHead(answer.status).end(payload);
}
