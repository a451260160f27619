import { execFileSync, fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

export interface ChildServer {
  url: string;
  /** The server process's CPU time so far, in microseconds (user + system). */
  cpuMicros(): Promise<number>;
  close(): Promise<void>;
}

let serverCpu: string | undefined;

const pin = (pid: number, cpus: string) => execFileSync('taskset', ['-a', '-cp', cpus, String(pid)], { stdio: 'ignore' });

/**
 * Gives the servers under test CPU 0 to themselves and moves this process (the load generator) and
 * everything it starts without `isolated` (a Klaviyo sandbox, the disk probe) to the other CPUs.
 * On this 2-core machine the load generator otherwise takes its CPU time from the server, and a
 * latency figure measures the two fighting. Needs `taskset` and at least two CPUs; BENCH_NO_PIN=1
 * turns it off. Returns a line for the report.
 */
export function isolateServerCpu(): string {
  const count = availableParallelism();
  if (process.env.BENCH_NO_PIN || count < 2) return 'servers and load generator share the CPUs';
  try {
    pin(process.pid, `1-${count - 1}`);
  } catch {
    return 'servers and load generator share the CPUs (no taskset)';
  }
  serverCpu = '0';
  return `server under test pinned to CPU 0, load generator, sandbox and disk probe to CPU${count > 2 ? `s 1–${count - 1}` : ' 1'}`;
}

/**
 * Starts a server module in its own Node process (through tsx) so the load generator and the server
 * do not share an event loop; the module sends `{ port }` over IPC once it listens.
 */
export function startChildServer(moduleUrl: URL, args: string[] = [], options: { isolated?: boolean } = {}): Promise<ChildServer> {
  // BENCH_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=prof") profiles the server under load.
  const extra = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter((a) => a.length > 0);
  const child = fork(fileURLToPath(moduleUrl), args, { execArgv: ['--import', 'tsx', ...extra], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  if (serverCpu !== undefined && options.isolated !== false && child.pid !== undefined) pin(child.pid, serverCpu);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${moduleUrl.pathname} exited with ${code} before listening`)));
    child.once('message', (message: { port: number }) => {
      child.removeAllListeners('exit');
      resolve({
        url: `http://127.0.0.1:${message.port}`,
        cpuMicros: () =>
          new Promise((answer) => {
            child.once('message', (reply: { cpuMicros: number }) => answer(reply.cpuMicros));
            child.send('cpu');
          }),
        close: () =>
          new Promise((done) => {
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}

/** For server modules: report the listening port to the parent, and answer its CPU-time queries. */
export function reportPort(port: number): void {
  // BENCH_LOOP_DELAY=1: the server's event-loop delay (p50/p99/max, ms) and GC pauses on stderr at exit.
  if (process.env.BENCH_LOOP_DELAY) {
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    const gc: number[] = [];
    new PerformanceObserver((list) => gc.push(...list.getEntries().map((e) => e.duration))).observe({ entryTypes: ['gc'] });
    process.on('SIGTERM', () => {
      const ms = (ns: number) => (ns / 1e6).toFixed(1);
      gc.sort((a, b) => b - a);
      process.stderr.write(`  [${process.argv[1]?.split('/').pop()}] loop delay p50 ${ms(delay.percentile(50))} p99 ${ms(delay.percentile(99))} max ${ms(delay.max)} ms; GC ${gc.length} pauses, longest ${gc.slice(0, 5).map((d) => d.toFixed(1)).join(' / ')} ms\n`);
      // A listener replaces SIGTERM's default: a server without its own handler still exits.
      if (process.listenerCount('SIGTERM') === 1) process.exit(0);
    });
  }
  process.on('message', (message) => {
    if (message !== 'cpu') return;
    const usage = process.cpuUsage();
    process.send?.({ cpuMicros: usage.user + usage.system });
  });
  process.send?.({ port });
}
