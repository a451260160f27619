/**
 * The request pipeline of the fake, in Klaviyo's order: route → (injected latency) → auth →
 * revision → limit class → (429 storm) → sliding-window limit → (injected 5xx) → body checks
 * (media type, 5 MB, JSON, schema) → operation handler. Every answer is recorded.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BodyValidator } from '../body-validator.js';
import type { SandboxFaults } from '../faults.js';
import {
  KlaviyoHttpError,
  authenticationFailed,
  invalidBody,
  invalidParameter,
  methodNotAllowed,
  notAuthenticated,
  notFound,
  payloadTooLarge,
  serverError,
  throttled,
  unsupportedMediaType,
} from '../klaviyo-errors.js';
import { limitClassOf } from '../limit-classes.js';
import type { SlidingWindowLimiter } from '../rate-limiter.js';
import type { RequestRecorder } from '../recorder.js';
import type { SeededAccount } from '../seed/account.js';
import type { SandboxOperation } from '../spec.js';
import type { SandboxData } from '../state/sandbox-data.js';
import type { SandboxTruth } from '../seed/truth.js';
import type { SandboxLiveBehaviour } from '../types.js';
import type { OperationHandler } from './context.js';
import { readBody } from './read-body.js';

export const MAX_PAYLOAD_BYTES = 5 * 1024 * 1024;
const REVISION_FORMAT = /^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/;
const JSON_MEDIA_TYPES = new Set(['application/json', 'application/vnd.api+json']);

export interface PipelineDeps {
  apiKey: string;
  operations: readonly SandboxOperation[];
  handlers: Readonly<Record<string, OperationHandler>>;
  limiter: SlidingWindowLimiter;
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

function checkAuth(request: IncomingMessage, deps: PipelineDeps): void {
  const header = request.headers.authorization;
  if (!header || !header.startsWith('Klaviyo-API-Key ')) throw notAuthenticated();
  if (deps.faults.authFailure() || header.slice('Klaviyo-API-Key '.length).trim() !== deps.apiKey) throw authenticationFailed();
}

function checkRevision(request: IncomingMessage, deps: PipelineDeps): void {
  const revision = request.headers.revision;
  if (typeof revision !== 'string' || revision === '') throw invalidParameter('revision', "Missing required header 'revision'.");
  if (!REVISION_FORMAT.test(revision)) throw invalidParameter('revision', `Invalid revision '${revision}': expected YYYY-MM-DD[.suffix].`);
  deps.recorder.noteRevision(revision);
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
  const hasBody = method === 'POST' || method === 'PATCH' || method === 'PUT';
  const read = hasBody ? await readBody(request, MAX_PAYLOAD_BYTES) : null;
  const { operation, params } = route(deps.operations, method, url.pathname);

  const latency = deps.faults.latencyMs();
  if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
  checkAuth(request, deps);
  checkRevision(request, deps);

  const limitClass = limitClassOf(operation, url.searchParams);
  classSink.limitClass = limitClass;
  deps.limiter.observe(limitClass, at);
  const storm = deps.faults.stormFor(limitClass);
  if (storm.kind === 'throttle') {
    deps.limiter.markThrottled(limitClass);
    throw throttled(storm.retryAfterSeconds);
  }
  const decision = deps.limiter.admit(limitClass, at);
  if (!decision.admitted) throw throttled(decision.retryAfterSeconds);
  const rateHeaders = {
    'ratelimit-limit': String(decision.limit),
    'ratelimit-remaining': String(decision.remaining),
    'ratelimit-reset': String(decision.resetSeconds),
  };

  try {
    const failure = deps.faults.serverFailure();
    if (failure.kind === 'status') throw serverError(failure.status);

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
  const url = new URL(request.url ?? '/', 'http://sandbox.invalid');
  const classSink: { limitClass: string | null } = { limitClass: null };
  let answer: Answer;
  try {
    answer = await serve(request, deps, url, at, classSink);
  } catch (error) {
    const known = error instanceof KlaviyoHttpError ? error : serverError(500);
    answer = { status: known.status, body: known.document, headers: known.headers };
  }
  deps.recorder.record({
    method: (request.method ?? 'GET').toUpperCase(),
    path: url.pathname,
    query: url.search.slice(1),
    limitClass: classSink.limitClass,
    status: answer.status,
    at,
  });
  for (const [name, value] of Object.entries(answer.headers)) response.setHeader(name, value);
  if (answer.body === undefined) {
    response.writeHead(answer.status).end();
    return;
  }
  const payload = Buffer.from(JSON.stringify(answer.body), 'utf8');
  response.setHeader('content-type', 'application/vnd.api+json');
  response.setHeader('content-length', String(payload.length));
  response.writeHead(answer.status).end(payload);
}
