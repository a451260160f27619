import type { FocusGroupDescription } from '../../../services/mavera/focus-group-adapter.js';
import type { KlaviyoReads, PredictiveProfile } from '../../../services/jobs/klaviyo-reads.js';
import type { MaveraCalls } from '../../../services/jobs/mavera-calls.js';

/** Yields `items` in pages of `size`, honouring the signal like a real paged read. */
export async function* pagesOf<T>(items: readonly T[], size: number, signal?: AbortSignal): AsyncIterable<T[]> {
  for (let i = 0; i < items.length; i += size) {
    signal?.throwIfAborted();
    await Promise.resolve();
    yield items.slice(i, i + size);
  }
}

const empty = async function* <T>(): AsyncIterable<T[]> {};

/** In-memory Klaviyo reads; every method can be overridden per test. */
export function buildFakeKlaviyo(overrides: Partial<KlaviyoReads> = {}): KlaviyoReads {
  return {
    profilesWithPredictions: () => empty(),
    segments: () => empty(),
    segmentMemberIds: () => empty(),
    flows: () => empty(),
    flowActionIds: () => empty(),
    flowMessages: () => empty(),
    flowMessageTemplate: async () => null,
    metricIdByName: async (name) => `metric-${name}`,
    flowValuesReport: async () => [],
    campaigns: () => empty(),
    campaignValuesReport: async () => [],
    catalogItems: () => empty(),
    orderEvents: () => empty(),
    ...overrides,
  };
}

export function buildProfile(overrides: Partial<PredictiveProfile> = {}): PredictiveProfile {
  return {
    id: 'p1',
    predicted_clv: 100,
    churn_probability: 0.2,
    average_order_value: 50,
    historic_number_of_orders: 2,
    predicted_number_of_orders: 1,
    average_days_between_orders: 30,
    ranked_channel_affinity: ['email', 'sms'],
    ...overrides,
  };
}

export interface FakeMaveraState {
  credits: number;
  personas: Map<string, { id: string; body: unknown }>;
  calls: Array<{ method: string; path: string; body?: unknown }>;
}

/** In-memory Mavera calls with a credit balance; persona creation costs 300 like Mavera's. */
export function buildFakeMavera(options: { credits?: number; overrides?: Partial<MaveraCalls> } = {}): MaveraCalls & { state: FakeMaveraState } {
  const state: FakeMaveraState = { credits: options.credits ?? 10_000, personas: new Map(), calls: [] };
  const spend = (n: number) => {
    state.credits -= n;
    return n;
  };
  return {
    state,
    remainingCredits: async () => state.credits,
    findPersonaByName: async (name) => {
      const p = state.personas.get(name);
      return p ? { id: p.id } : null;
    },
    listPersonas: async ({ max }) => [...state.personas.entries()].map(([name, p]) => ({ id: p.id, name, is_custom: true })).slice(0, max),
    createPersona: async (body) => {
      state.calls.push({ method: 'POST', path: '/personas', body });
      const id = `persona-${state.personas.size + 1}`;
      state.personas.set(body.name, { id, body });
      return { id, creditsUsed: spend(300) };
    },
    updatePersona: async (id, body) => {
      state.calls.push({ method: 'PATCH', path: `/personas/${id}`, body });
      return { id, creditsUsed: 0 };
    },
    createGeneration: async (body) => {
      state.calls.push({ method: 'POST', path: '/generations', body });
      return { id: `gen-${state.calls.length}`, output: `rewritten: ${JSON.stringify(body.input_data).slice(0, 40)}`, creditsUsed: spend(20) };
    },
    maveChat: async (body) => {
      state.calls.push({ method: 'POST', path: '/mave/chat', body });
      return { id: 'msg-1', thread_id: 'thread-1', content: 'Merge the near-duplicate segments.', creditsUsed: spend(25) };
    },
    runFocusGroup: async (description: FocusGroupDescription) => {
      state.calls.push({ method: 'POST', path: '/focus-groups', body: description });
      return { id: 'fg-1', result: { questions: [], respondents: [] }, creditsUsed: spend(120) };
    },
    ...options.overrides,
  };
}
