import { Writable } from 'node:stream';
import { createLogger } from '../../../src/lib/logger.js';

/** A real logger whose lines are kept for the test to read (parsed JSON). */
export function captureLogger(level = 'info') {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ level, destination: stream }), lines };
}
