/** Starts src/server.ts as a real child process: used by the demo and by the process-level tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SERVER_ENTRY = fileURLToPath(new URL('../src/server.ts', import.meta.url));

export interface ServiceProcess {
  child: ChildProcess;
  port: number;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** Spawns src/server.ts under tsx with `env` (and PATH) only, collecting stdout and stderr together. */
function spawnService(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER_ENTRY], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  return { child, output: () => out };
}

/**
 * Starts src/server.ts as a real child process (under tsx) with exactly `env`, and resolves once it
 * logs that it listens. PORT defaults to 0 (a free port), read back from the log line.
 */
export async function startServiceProcess(env: Record<string, string>, timeoutMs = 15_000): Promise<ServiceProcess> {
  const { child, output } = spawnService({ HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start in ${timeoutMs} ms:\n${output()}`)), timeoutMs);
    const poll = setInterval(() => {
      const match = /"port":(\d+).*klaviyo-bridge listening/.exec(output());
      if (match) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    }, 25);
    void exited.then((code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`service exited with ${code} before listening:\n${output()}`));
    });
  });
  return { child, port, url: `http://127.0.0.1:${port}`, output, exited };
}

/** Runs src/server.ts to completion (for start-up failures); resolves its exit code and output. */
export function runServiceToExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const { child, output } = spawnService(env);
    child.on('exit', (code) => resolve({ code, output: output() }));
  });
}
