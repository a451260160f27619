import pino, { type DestinationStream, type Logger } from 'pino';
import { scrubSensitive } from './redact.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level: string;
  /** Where lines go; tests pass a capturing stream. Defaults to stdout. */
  destination?: DestinationStream;
}

/** The one root logger; everything else logs through children of it. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'klaviyo-bridge' },
      hooks: {
        // Last line of defence: scrub every serialized line, whatever field the data hid in.
        streamWrite: scrubSensitive,
      },
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}
