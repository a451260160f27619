export { systemClock, nowMs, type Clock } from '../../src/lib/clock.js';
export { abortableSleep, type Sleep } from '../../src/lib/abortable.js';
