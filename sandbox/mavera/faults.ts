import type { SandboxEndpoint } from './state.js';

/**
 * Fault injection for the fake Mavera: the next N calls fail, a steady (seeded, so reproducible)
 * failure rate, and added latency — each optionally limited to one endpoint.
 */
export type InjectedFailure = number | 'network';

export interface FaultOptions {
  /** HTTP status to answer (default 503), or `'network'` to drop the connection. */
  status?: InjectedFailure;
  /** Only calls to this endpoint are affected (default: every endpoint). */
  endpoint?: SandboxEndpoint;
}

export interface MaveraFaults {
  failNext(count: number, options?: FaultOptions): void;
  /** Fraction 0–1 of matching calls that fail; 0 turns it off. */
  setErrorRate(rate: number, options?: FaultOptions): void;
  /** Milliseconds added before answering. */
  setLatency(ms: number, endpoint?: SandboxEndpoint): void;
  clear(): void;
}

export interface FaultEngine extends MaveraFaults {
  /** The failure to inject into this call, if any (consumes a `failNext` slot). */
  failureFor(endpoint: SandboxEndpoint): InjectedFailure | undefined;
  latencyFor(endpoint: SandboxEndpoint): number;
}

/** mulberry32: tiny, seedable, good enough to pick which calls fail. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export function createFaultEngine(seed = 42): FaultEngine {
  const random = seededRandom(seed);
  let pending: Array<{ status: InjectedFailure; endpoint: SandboxEndpoint | undefined }> = [];
  let rate = { value: 0, status: 503 as InjectedFailure, endpoint: undefined as SandboxEndpoint | undefined };
  let latency = new Map<SandboxEndpoint | '*', number>();
  const applies = (target: SandboxEndpoint | undefined, endpoint: SandboxEndpoint) => target === undefined || target === endpoint;

  return {
    failNext(count, options = {}) {
      for (let i = 0; i < count; i += 1) pending.push({ status: options.status ?? 503, endpoint: options.endpoint });
    },
    setErrorRate(value, options = {}) {
      if (value < 0 || value > 1) throw new RangeError('error rate must be within 0..1');
      rate = { value, status: options.status ?? 503, endpoint: options.endpoint };
    },
    setLatency(ms, endpoint) {
      latency.set(endpoint ?? '*', ms);
    },
    clear() {
      pending = [];
      rate = { value: 0, status: 503, endpoint: undefined };
      latency = new Map();
    },
    failureFor(endpoint) {
      const index = pending.findIndex((p) => applies(p.endpoint, endpoint));
      if (index >= 0) return pending.splice(index, 1)[0]?.status;
      if (rate.value > 0 && applies(rate.endpoint, endpoint) && random() < rate.value) return rate.status;
      return undefined;
    },
    latencyFor(endpoint) {
      return latency.get(endpoint) ?? latency.get('*') ?? 0;
    },
  };
}
