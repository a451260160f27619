import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface DiskLatency {
  samples: number;
  p50Ms: number;
  p99Ms: number;
}

/** Starts the fdatasync probe (bench/servers/fsync-probe.ts); `stop()` resolves its figures. */
export async function startFsyncProbe(intervalMs = 5): Promise<{ stop(): Promise<DiskLatency> }> {
  const child = fork(fileURLToPath(new URL('../servers/fsync-probe.ts', import.meta.url)), [String(intervalMs)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('message', () => resolve());
  });
  return {
    stop: () =>
      new Promise((resolve) => {
        child.once('message', (message: { samples: number[] }) => {
          const { samples } = message;
          const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? Number.NaN;
          resolve({ samples: samples.length, p50Ms: round(at(0.5)), p99Ms: round(at(0.99)) });
        });
        child.send('stop');
      }),
  };
}

const round = (ms: number) => Math.round(ms * 100) / 100;
