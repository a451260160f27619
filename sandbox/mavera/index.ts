import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createContentRouter } from './content.js';
import { capConcurrency, injectFaults, limitRequestsPerMinute, recordAndTrack, requireApiKey } from './edge.js';
import { createFaultEngine, type MaveraFaults } from './faults.js';
import { createFocusGroupsRouter } from './focus-groups.js';
import { sendMaveraError } from './http-errors.js';
import { createPersonasRouter } from './personas.js';
import { createSandboxState, type RecordedRequest, type SandboxEndpoint, type SandboxPersona } from './state.js';

export type { RecordedRequest, SandboxEndpoint, SandboxPersona } from './state.js';
export type { FaultOptions, MaveraFaults } from './faults.js';

/** The fake Mavera (docs/sandbox.md) on 127.0.0.1, speaking the API as documented plus our focus-group assumptions. */
export interface MaveraSandboxOptions {
  apiKey: string;
  /** Credits available at start (default 10 000). */
  credits?: number;
  /** Enforce a per-key sliding 60 s budget with 429 + Retry-After; unset = unlimited. */
  requestsPerMinute?: number;
  /** 0 or unset = a free port. */
  port?: number;
  /** GETs until a focus group completes (default 2: PROCESSING, then COMPLETED). Infinity = never. */
  focusGroupPollsToComplete?: number;
  /** Mavera's concurrency caps, enforced with 429 (defaults 10 and 5). */
  maxConcurrent?: { mave?: number; focusGroups?: number };
  /** Seed of the fault engine's error-rate draws. */
  faultSeed?: number;
  /** Epoch milliseconds (default Date.now). */
  clock?: () => number;
}

export interface MaveraSandbox {
  /** Base URL to give the client, e.g. `http://127.0.0.1:4010/api/v1`. */
  url: string;
  port: number;
  /** Every call received, in arrival order, with parsed bodies and final statuses. */
  requests(filter?: { endpoint?: SandboxEndpoint; method?: string }): RecordedRequest[];
  clearRequests(): void;
  credits(): { used: number; remaining: number; included: number };
  setCreditsRemaining(remaining: number): void;
  /** Custom personas created so far. */
  customPersonas(): SandboxPersona[];
  /** Every persona `GET /personas` lists: Mavera's read-only base personas, then the custom ones. */
  personas(): SandboxPersona[];
  /** Most concurrent HTTP calls seen per endpoint (rejected ones included). */
  peakInFlight(endpoint: SandboxEndpoint): number;
  /** Most focus groups generating at once, as the client tried to have them (rejected ones included). */
  peakActiveFocusGroups(): number;
  concurrencyRejections(): number;
  setFocusGroupPollsToComplete(polls: number): void;
  faults: MaveraFaults;
  close(): Promise<void>;
}

export async function startMaveraSandbox(options: MaveraSandboxOptions): Promise<MaveraSandbox> {
  const clock = options.clock ?? Date.now;
  const state = createSandboxState(options.credits ?? 10_000);
  const faults = createFaultEngine(options.faultSeed);
  const behaviour = { pollsToComplete: options.focusGroupPollsToComplete ?? 2, maxActive: options.maxConcurrent?.focusGroups ?? 5, abandonAfterMs: 10 * 60_000 };

  const api = express.Router();
  api.use(recordAndTrack(state, clock));
  api.use(express.json({ limit: '5mb' }));
  api.use(requireApiKey(options.apiKey));
  api.use(limitRequestsPerMinute(options.requestsPerMinute, clock));
  api.use(capConcurrency(state, 'mave/chat', options.maxConcurrent?.mave ?? 10));
  api.use(injectFaults(faults));
  api.use(createPersonasRouter(state, clock));
  api.use(createContentRouter(state, clock, options.requestsPerMinute));
  api.use(createFocusGroupsRouter(state, clock, behaviour));
  api.use((_req, res) => sendMaveraError(res, 404, 'resource_not_found', 'No such endpoint'));
  api.use(((error, _req, res, _next) => {
    const malformed = (error as { type?: string }).type === 'entity.parse.failed';
    sendMaveraError(res, malformed ? 400 : 500, malformed ? 'invalid_json' : 'internal_error', malformed ? 'Body is not valid JSON' : 'Internal error');
  }) as express.ErrorRequestHandler);

  const app = express();
  app.disable('x-powered-by');
  app.use('/api/v1', api);

  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(options.port ?? 0, '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(listening)));
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/api/v1`,
    port,
    requests: (filter = {}) => state.requests.filter((r) => (!filter.endpoint || r.endpoint === filter.endpoint) && (!filter.method || r.method === filter.method.toUpperCase())),
    clearRequests: () => {
      state.requests.length = 0;
    },
    credits: () => ({ used: state.creditsUsed, remaining: state.creditsRemaining, included: state.creditsIncluded }),
    setCreditsRemaining: (remaining) => {
      state.creditsRemaining = remaining;
    },
    customPersonas: () => state.personas.filter((p) => p.is_custom),
    personas: () => [...state.personas],
    peakInFlight: (endpoint) => state.peakInFlight.get(endpoint) ?? 0,
    peakActiveFocusGroups: () => state.peakActiveFocusGroups,
    concurrencyRejections: () => state.concurrencyRejections,
    setFocusGroupPollsToComplete: (polls) => {
      behaviour.pollsToComplete = polls;
    },
    faults,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
