import { systemClock, type Clock } from '../../src/lib/clock.js';
import type { Logger } from 'pino';
import { abortableSleep, type Sleep } from '../../src/lib/abortable.js';
import type { FocusGroupDescription } from './focus-group-adapter.js';
import { DEFAULT_FOCUS_GROUP_POLLING, runFocusGroup, type FocusGroupPolling, type FocusGroupRun, type FocusGroupRunOptions } from './focus-group-runner.js';
import { createConcurrencyCap, createPlanRateLimiter } from './limiters.js';
import { readGeneration, readGenerationApps, readMaveMessage, readPersona, readPersonaList, readUsage } from './responses.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.js';
import { createMaveraTransport } from './transport.js';
import type {
  Generation,
  GenerationApp,
  GenerationCreateBody,
  ListPersonasQuery,
  MaveChatBody,
  MaveMessage,
  MaveraCallOptions,
  PersonaCreateBody,
  PersonaList,
  PersonaResult,
  PersonaSummary,
  PersonaUpdateBody,
  Usage,
} from './types.js';

export interface MaveraClientOptions {
  apiKey: string;
  /** e.g. `https://app.mavera.io/api/v1`, or the sandbox's `url`. */
  baseUrl: string;
  /** Required by Focus Groups; sent as `workspace_id`. */
  workspaceId?: string | undefined;
  /** The plan's budget per sliding 60 s (Starter 60 … Enterprise 600). */
  requestsPerMinute: number;
  fetch?: typeof fetch;
  /** Epoch milliseconds. */
  clock?: Clock;
  /** Must reject when `signal` aborts (the default does). */
  sleep?: Sleep;
  /** Jitter source in [0, 1). */
  random?: () => number;
  logger?: Logger;
  /** Per-attempt HTTP deadline, milliseconds. Mave can take 30–90 s, hence the 120 s default. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Mavera's documented caps: Mave 10 and Focus Groups 5 in flight (Bottleneck `maxConcurrent`). Lower them to share a key. */
  concurrency?: { mave?: number; focusGroups?: number };
  focusGroupPolling?: Partial<FocusGroupPolling>;
}

export interface MaveraClient {
  readonly workspaceId: string | undefined;
  listPersonas(query?: ListPersonasQuery, options?: MaveraCallOptions): Promise<PersonaList>;
  /** The custom persona whose name equals `name` (case-insensitive, trimmed), if any. */
  findPersonaByName(name: string, options?: MaveraCallOptions): Promise<PersonaSummary | undefined>;
  /** 300 credits; 422 → MaveraDuplicatePersonaError. Prefer upsertPersonaByName. */
  createPersona(body: PersonaCreateBody, options?: MaveraCallOptions): Promise<PersonaResult>;
  updatePersona(id: string, body: PersonaUpdateBody, options?: MaveraCallOptions): Promise<PersonaResult>;
  listGenerationApps(options?: MaveraCallOptions): Promise<GenerationApp[]>;
  createGeneration(body: GenerationCreateBody, options?: MaveraCallOptions): Promise<Generation>;
  /** Holds one of the Mave slots (default 10) for the whole call. */
  maveChat(body: MaveChatBody, options?: MaveraCallOptions): Promise<MaveMessage>;
  /** Creates a focus group and polls it to completion, holding one of the slots (default 5) throughout. */
  runFocusGroup(description: FocusGroupDescription, options?: FocusGroupRunOptions): Promise<FocusGroupRun>;
  getUsage(options?: MaveraCallOptions): Promise<Usage>;
  /**
   * For shutdown, after the callers were cancelled: calls still waiting for a slot (and any later
   * call) reject with MaveraClientStoppedError, and the rate limiter's timers are cleared.
   */
  stop(): void;
}

const sameName = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

export function createMaveraClient(options: MaveraClientOptions): MaveraClient {
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? abortableSleep;
  const limiter = createPlanRateLimiter({ requestsPerMinute: options.requestsPerMinute, clock, sleep });
  const transport = createMaveraTransport({
    apiKey: options.apiKey,
    baseUrl: options.baseUrl,
    fetch: options.fetch ?? globalThis.fetch,
    clock,
    sleep,
    random: options.random ?? Math.random,
    limiter,
    retry: { ...DEFAULT_RETRY_POLICY, ...options.retry },
    timeoutMs: options.timeoutMs ?? 120_000,
    logger: options.logger,
  });
  const maveSlots = createConcurrencyCap('mave', options.concurrency?.mave ?? 10);
  const focusGroupSlots = createConcurrencyCap('focus-groups', options.concurrency?.focusGroups ?? 5);
  const focusGroupDeps = {
    transport,
    slots: focusGroupSlots,
    clock,
    sleep,
    workspaceId: options.workspaceId,
    polling: { ...DEFAULT_FOCUS_GROUP_POLLING, ...options.focusGroupPolling },
  };

  const client: MaveraClient = {
    workspaceId: options.workspaceId,
    async listPersonas(query = {}, { signal } = {}) {
      const q = { name: query.name, search: query.search, is_custom: query.customOnly, limit: query.limit, cursor: query.cursor };
      return readPersonaList(await transport({ operation: 'personas.list', method: 'GET', path: '/personas', query: q, signal }));
    },
    async findPersonaByName(name, callOptions = {}) {
      // Mavera may treat `name` as a search: page through and insist on an exact custom match.
      let cursor: string | undefined;
      do {
        const page = await client.listPersonas({ name, customOnly: true, limit: 100, cursor }, callOptions);
        const match = page.data.find((p) => sameName(p.name, name) && p.is_custom !== false);
        if (match) return match;
        cursor = page.nextCursor;
      } while (cursor);
      return undefined;
    },
    async createPersona(body, { signal } = {}) {
      return readPersona(await transport({ operation: 'personas.create', method: 'POST', path: '/personas', body, signal }), 'personas.create');
    },
    async updatePersona(id, body, { signal } = {}) {
      const path = `/personas/${encodeURIComponent(id)}`;
      return readPersona(await transport({ operation: 'personas.update', method: 'PATCH', path, body, signal }), 'personas.update');
    },
    async listGenerationApps({ signal } = {}) {
      return readGenerationApps(await transport({ operation: 'generation-apps.list', method: 'GET', path: '/generation-apps', signal }));
    },
    async createGeneration(body, { signal } = {}) {
      return readGeneration(await transport({ operation: 'generations.create', method: 'POST', path: '/generations', body, signal }));
    },
    async maveChat(body, { signal } = {}) {
      return maveSlots.run(signal, async () => readMaveMessage(await transport({ operation: 'mave.chat', method: 'POST', path: '/mave/chat', body, signal })));
    },
    runFocusGroup(description, runOptions) {
      return runFocusGroup(focusGroupDeps, description, runOptions);
    },
    async getUsage({ signal } = {}) {
      return readUsage(await transport({ operation: 'usage.get', method: 'GET', path: '/usage', signal }));
    },
    stop() {
      maveSlots.stop();
      focusGroupSlots.stop();
      limiter.stop();
    },
  };
  return client;
}
