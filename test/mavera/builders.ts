import nock from 'nock';
import { afterEach, beforeAll } from 'vitest';
import { startMaveraSandbox, type MaveraSandbox, type MaveraSandboxOptions } from '../../sandbox/mavera/index.js';
import { createMaveraClient, type MaveraClient, type MaveraClientOptions } from '../../services/mavera/index.js';
import type { FocusGroupDescription, PersonaCreateBody } from '../../services/mavera/index.js';

export const API_KEY = 'mvra_test_0123456789abcdef';

export function buildPersonaBody(overrides: Partial<PersonaCreateBody> = {}): PersonaCreateBody {
  return { name: 'Klaviyo – High-CLV Loyalists', pipeline_type: 'intermediate', type: 'B2C', description: 'Top 5% predicted CLV', goals: ['save time'], channels: ['Email'], ...overrides };
}

export function buildFocusGroupDescription(overrides: Partial<FocusGroupDescription> = {}): FocusGroupDescription {
  return {
    name: 'Cross-sell validation: Mug → Beans',
    personaIds: ['base_001', 'base_002'],
    stimulus: 'Customers who buy the Mug are offered the Beans at checkout.',
    questions: [
      { kind: 'likert', text: 'How appealing is this pairing?', scale: 5 },
      { kind: 'nps', text: 'How likely are you to recommend this bundle?' },
      { kind: 'open', text: 'What would make it better?' },
    ],
    responsesPerPersona: 2,
    ...overrides,
  };
}

export interface StubAnswer {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A fetch double answering from a script (`'network'` throws like undici does); records every call. */
export function scriptedFetch(script: Array<StubAnswer | 'network'>) {
  const calls: Array<{ url: string; method: string; headers: Record<string, string>; body: unknown }> = [];
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(input), method: init?.method ?? 'GET', headers: { ...(init?.headers as Record<string, string>) }, body: init?.body ? JSON.parse(String(init.body)) : undefined });
    const next = script.shift();
    if (next === undefined) throw new Error('scriptedFetch: no answer left for this call');
    if (next === 'network') throw new TypeError('fetch failed');
    return new Response(next.body === undefined ? null : JSON.stringify(next.body), { status: next.status ?? 200, headers: { 'content-type': 'application/json', ...next.headers } });
  }) as typeof fetch;
  return { fetch: fetchImpl, calls };
}

/** A fake clock whose sleep returns at once, advances time and remembers each wait (milliseconds). */
export function fakeTime(start = Date.parse('2026-07-20T12:00:00Z')) {
  let now = start;
  const waits: number[] = [];
  const sleep = async (ms: number) => {
    waits.push(ms);
    now += ms;
  };
  return { clock: () => new Date(now), sleep, waits };
}

export function maveraError(status: number, code: string, headers: Record<string, string> = {}): StubAnswer {
  return { status, body: { error: { message: `${code} happened`, type: 'some_error', code, param: null } }, headers };
}

export function clientFor(sandboxOrUrl: MaveraSandbox | string, overrides: Partial<MaveraClientOptions> = {}): MaveraClient {
  return createMaveraClient({
    apiKey: API_KEY,
    baseUrl: typeof sandboxOrUrl === 'string' ? sandboxOrUrl : sandboxOrUrl.url,
    workspaceId: 'ws_test',
    requestsPerMinute: 10_000,
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    focusGroupPolling: { initialIntervalMs: 2, maxIntervalMs: 5, timeoutMs: 10_000 },
    ...overrides,
  });
}

export function startSandbox(overrides: Partial<MaveraSandboxOptions> = {}): Promise<MaveraSandbox> {
  return startMaveraSandbox({ apiKey: API_KEY, ...overrides });
}

/**
 * For suites against the fake: seals the network (loopback only) and closes every fake the test
 * started once it ends. Returns the function that starts one.
 */
export function trackMaveraSandboxes(): (overrides?: Partial<MaveraSandboxOptions>) => Promise<MaveraSandbox> {
  const open: MaveraSandbox[] = [];
  beforeAll(() => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((sandbox) => sandbox.close()));
  });
  return async (overrides = {}) => {
    const sandbox = await startSandbox(overrides);
    open.push(sandbox);
    return sandbox;
  };
}
