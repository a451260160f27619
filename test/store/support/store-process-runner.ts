import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./store-process.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));

export interface StoreProcess {
  child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  stdout(): string;
  stderr(): string;
}

/** The uid tests can run a child as to be denied what root would be granted (chmod does not stop root). */
export const UNPRIVILEGED = { uid: 65534, gid: 65534 };
export const runningAsRoot = process.getuid?.() === 0;

/**
 * Runs test/store/support/store-process.ts in a real second Node process (under tsx).
 * `asUnprivileged`: when the tests run as root, the child runs as nobody, so file permissions apply to it.
 */
export function spawnStoreProcess(dataDir: string, mode: 'hold' | 'close', options: { asUnprivileged?: boolean } = {}): StoreProcess {
  const identity = options.asUnprivileged && runningAsRoot ? UNPRIVILEGED : {};
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, dataDir, mode], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...identity,
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, exited, stdout: () => out, stderr: () => err };
}
