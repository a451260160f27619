import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The disk's own commit latency, measured while a load runs: in its own process (a blocking
 * fdatasync here must not stall the load generator), it writes one 4 KiB page into a file in the
 * OS temp dir (the disk the service's store is on) and fdatasyncs it, every `intervalMs`. On
 * 'stop' it sends the sorted latencies in milliseconds back and exits.
 */
const intervalMs = Number(process.argv[2] ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'kb-fsync-probe-'));
const fd = openSync(join(dir, 'probe'), 'w');
const page = Buffer.alloc(4096, 7);
const samples: number[] = [];
let offset = 0;

const timer = setInterval(() => {
  const started = performance.now();
  // Appending, as a WAL does: each sync writes new pages, not the same one again.
  writeSync(fd, page, 0, page.length, offset);
  offset = (offset + page.length) % (64 * 1024 * 1024);
  fdatasyncSync(fd);
  samples.push(performance.now() - started);
}, intervalMs);

process.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
  process.send?.({ samples: samples.sort((a, b) => a - b) }, () => process.exit(0));
});
process.send?.({ ready: true });
