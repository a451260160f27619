/**
 * The one clock type of the service: injected wherever time is read, so tests can run on a fake
 * one (vi.useFakeTimers() moves `new Date()` too, or a test passes its own).
 */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

/** Milliseconds since the epoch, by `clock`. */
export const nowMs = (clock: Clock): number => clock().getTime();
