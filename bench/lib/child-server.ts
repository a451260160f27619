import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ChildServer {
  url: string;
  /** The server process's CPU time so far, in microseconds (user + system). */
  cpuMicros(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Starts a server module in its own Node process (through tsx) so the load generator and the server
 * do not share an event loop; the module sends `{ port }` over IPC once it listens.
 */
export function startChildServer(moduleUrl: URL, args: string[] = []): Promise<ChildServer> {
  // BENCH_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=prof") profiles the server under load.
  const extra = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter((a) => a.length > 0);
  const child = fork(fileURLToPath(moduleUrl), args, { execArgv: ['--import', 'tsx', ...extra], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
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
  process.on('message', (message) => {
    if (message !== 'cpu') return;
    const usage = process.cpuUsage();
    process.send?.({ cpuMicros: usage.user + usage.system });
  });
  process.send?.({ port });
}
