/** Time is injected (STYLE 8) so limiter and retry tests can run on a fake clock. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export { abortableSleep, type Sleep } from '../../src/lib/abortable.js';
