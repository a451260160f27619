/**
 * Everything the fake Mavera remembers: credits, personas, threads, focus groups, the request log
 * and concurrency peaks. Plain data, so tests can read it and the routes stay small.
 */
import { seedBasePersonas, seedGenerationApps, type SandboxGenerationApp } from './seed.js';

export type SandboxEndpoint = 'personas' | 'generation-apps' | 'generations' | 'mave/chat' | 'focus-groups' | 'usage' | 'other';

export interface RecordedRequest {
  seq: number;
  method: string;
  /** Path below the API root, e.g. `/personas/p_1`. */
  path: string;
  endpoint: SandboxEndpoint;
  query: Record<string, string>;
  /** The parsed JSON body (undefined for GET). */
  body: unknown;
  /** Final status, or 0 when the connection was dropped on purpose. */
  status: number;
  /** Epoch milliseconds at arrival. */
  at: number;
}

export interface SandboxPersona {
  id: string;
  object: 'persona' | 'custom_persona';
  name: string;
  category: string | null;
  description: string | null;
  is_custom: boolean;
  is_expert: boolean;
  created_at: number;
  pipeline_type?: string;
  type?: string;
  details: Record<string, unknown>;
}

export interface SandboxThread {
  id: string;
  messages: Array<{ role: 'user' | 'assistant'; content: string }>;
}

export interface SandboxFocusGroup {
  id: string;
  request: Record<string, unknown>;
  polls: number;
  status: 'PENDING' | 'PROCESSING' | 'COMPLETED';
  creditsUsed: number;
  /** Epoch milliseconds; abandoned groups stop counting as active after a while. */
  createdAt: number;
}

export interface SandboxState {
  creditsIncluded: number;
  creditsUsed: number;
  creditsRemaining: number;
  personas: SandboxPersona[];
  generationApps: SandboxGenerationApp[];
  threads: Map<string, SandboxThread>;
  focusGroups: Map<string, SandboxFocusGroup>;
  generationsCreated: number;
  requests: RecordedRequest[];
  errorCount: number;
  inFlight: Map<SandboxEndpoint, number>;
  peakInFlight: Map<SandboxEndpoint, number>;
  peakActiveFocusGroups: number;
  concurrencyRejections: number;
  nextId: number;
}

export function createSandboxState(credits: number): SandboxState {
  return {
    creditsIncluded: credits,
    creditsUsed: 0,
    creditsRemaining: credits,
    personas: seedBasePersonas(),
    generationApps: seedGenerationApps(),
    threads: new Map(),
    focusGroups: new Map(),
    generationsCreated: 0,
    requests: [],
    errorCount: 0,
    inFlight: new Map(),
    peakInFlight: new Map(),
    peakActiveFocusGroups: 0,
    concurrencyRejections: 0,
    nextId: 1,
  };
}

export function newId(state: SandboxState, prefix: string): string {
  const id = `${prefix}_${String(state.nextId).padStart(6, '0')}`;
  state.nextId += 1;
  return id;
}

/** Spends credits if there are enough; false means the caller must answer 402. */
export function spendCredits(state: SandboxState, amount: number): boolean {
  if (amount > state.creditsRemaining) return false;
  state.creditsRemaining -= amount;
  state.creditsUsed += amount;
  return true;
}

export function endpointOf(path: string): SandboxEndpoint {
  if (path.startsWith('/mave/chat')) return 'mave/chat';
  const first = path.split('/')[1] ?? '';
  const known: SandboxEndpoint[] = ['personas', 'generation-apps', 'generations', 'focus-groups', 'usage'];
  return (known as string[]).includes(first) ? (first as SandboxEndpoint) : 'other';
}
