/**
 * Injected failures, set through the handle (`faults.set`) or `POST /__sandbox/faults`. The random
 * 5xx draws come from a seeded PRNG, so a run with the same seed and traffic fails the same way.
 */
import { Prng } from './prng.js';
import type { FaultController, FaultSettings, ThrottleStorm } from './types.js';

export function noFaults(): FaultSettings {
  return { errors: null, failNext: 0, latencyMs: 0, storms: [], authFailure: false, edgeChallengeNext: 0 };
}

/** What the pipeline should do to one request, decided before it is served. */
export type FaultVerdict = { kind: 'none' } | { kind: 'status'; status: number } | { kind: 'throttle'; retryAfterSeconds: number };

export class SandboxFaults implements FaultController {
  private settings: FaultSettings = noFaults();
  private readonly random: Prng;

  constructor(seed: number) {
    this.random = new Prng(seed, 'faults');
  }

  set(settings: Partial<FaultSettings>): FaultSettings {
    this.settings = {
      ...this.settings,
      ...settings,
      storms: settings.storms ? settings.storms.map((storm) => ({ ...storm })) : this.settings.storms,
    };
    return this.get();
  }

  get(): FaultSettings {
    return { ...this.settings, storms: this.settings.storms.map((storm) => ({ ...storm })) };
  }

  reset(): void {
    this.settings = noFaults();
  }

  latencyMs(): number {
    return this.settings.latencyMs;
  }

  authFailure(): boolean {
    return this.settings.authFailure;
  }

  /** Whether the edge proxy stops this request (counts `edgeChallengeNext` down). */
  edgeChallenge(): boolean {
    if (this.settings.edgeChallengeNext <= 0) return false;
    this.settings.edgeChallengeNext -= 1;
    return true;
  }

  /** A storm matching the class throttles the request (and counts down if bounded). */
  stormFor(limitClass: string): FaultVerdict {
    const storm = this.settings.storms.find((s: ThrottleStorm) => s.limitClass === limitClass || s.limitClass === '*');
    if (!storm) return { kind: 'none' };
    if (storm.requests !== undefined) {
      storm.requests -= 1;
      if (storm.requests <= 0) this.settings.storms = this.settings.storms.filter((s) => s !== storm);
    }
    return { kind: 'throttle', retryAfterSeconds: storm.retryAfterSeconds ?? 1 };
  }

  /** "Next N requests answer 503" first, then the random 5xx rate. */
  serverFailure(): FaultVerdict {
    if (this.settings.failNext > 0) {
      this.settings.failNext -= 1;
      return { kind: 'status', status: 503 };
    }
    const errors = this.settings.errors;
    if (errors && errors.rate > 0 && this.random.next() < errors.rate) return { kind: 'status', status: errors.status ?? 500 };
    return { kind: 'none' };
  }
}
