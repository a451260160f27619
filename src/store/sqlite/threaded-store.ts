import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Store } from '../store.js';
import type { SqliteStoreOptions } from './open.js';
import { decode, encode } from './thread-codec.js';

type SubStore = 'cache' | 'jobRuns' | 'inbox' | 'forwards' | 'outbox';

/** One call into the store thread: `store[sub][method](...args)`, or `store[method]` without `sub`. */
export interface StoreCall {
  id: number;
  sub?: SubStore;
  method: string;
  args: unknown[];
}

export type StoreReply = { id: number; value?: unknown; error?: undefined } | { id: number; error: { name: string; message: string; code?: string } };


/** An error thrown in the store thread, rebuilt on this side with its name, message and SQLite code. */
export class StoreThreadError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    name: string,
  ) {
    super(message);
    this.name = name;
  }
}

/**
 * The embedded SQLite store, run in a worker thread of its own. Every Store method is already
 * async, so callers cannot tell the difference; what changes is where the work happens. SQLite's
 * statements, its JSON and above all its fsyncs (synchronous = FULL) run on the store thread, so
 * the HTTP server's event loop never stalls on a commit: a request waits for the commit in
 * progress and then its own, while other requests keep being read and answered. The sync worker's
 * claims and settles of 1,000-item batches, each a large write and an fsync, no longer hold up
 * the requests that arrive meanwhile.
 *
 * Calls are answered in the order they were sent (the thread runs them in arrival order), so
 * group commit still groups concurrent writes, now within the thread.
 */
export function openSqliteStoreThread(options: SqliteStoreOptions): Store {
  const worker = startWorker(options);
  let nextId = 0;
  let closed = false;
  let failure: Error | undefined;
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();

  // The thread keeps the process alive only while a call waits on it.
  worker.unref();
  worker.on('message', (text: string) => {
    const message = decode(text) as StoreReply;
    const waiting = pending.get(message.id);
    if (!waiting) return;
    pending.delete(message.id);
    if (pending.size === 0) worker.unref();
    if (message.error) waiting.reject(new StoreThreadError(message.error.message, message.error.code, message.error.name));
    else waiting.resolve(message.value);
  });
  const failAll = (error: Error) => {
    failure = error;
    for (const waiting of pending.values()) waiting.reject(error);
    pending.clear();
  };
  // The thread could not open the database (or died): every call, waiting or later, fails with why.
  worker.on('error', (error) => failAll(error));
  worker.on('exit', (code) => {
    if (!closed) failAll(new Error(`the store thread exited with code ${code}`));
  });

  const call = (sub: SubStore | undefined, method: string, args: unknown[]): Promise<unknown> => {
    if (failure) return Promise.reject(failure);
    if (closed) return Promise.reject(new Error('the store is closed'));
    return new Promise((resolve, reject) => {
      const id = (nextId += 1);
      pending.set(id, { resolve, reject });
      if (pending.size === 1) worker.ref();
      worker.postMessage(encode({ id, sub, method, args } satisfies StoreCall));
    });
  };
  const proxy = (sub: SubStore) =>
    new Proxy({} as Record<string, unknown>, {
      get: (cache, method) => {
        if (typeof method !== 'string' || method === 'then') return undefined;
        cache[method] ??= (...args: unknown[]) => call(sub, method, args);
        return cache[method];
      },
    });

  return {
    backend: 'sqlite',
    ping: () => call(undefined, 'ping', []) as Promise<void>,
    appliedMigrations: () => call(undefined, 'appliedMigrations', []) as Promise<number[]>,
    async close() {
      if (closed) return;
      // Closing waits for every call sent before it: the thread answers in order.
      await call(undefined, 'close', []).catch(() => undefined);
      closed = true;
      await worker.terminate();
    },
    cache: proxy('cache') as unknown as Store['cache'],
    jobRuns: proxy('jobRuns') as unknown as Store['jobRuns'],
    inbox: proxy('inbox') as unknown as Store['inbox'],
    forwards: proxy('forwards') as unknown as Store['forwards'],
    outbox: proxy('outbox') as unknown as Store['outbox'],
  };
}

/**
 * Starts store-thread.js next to this module. Run from TypeScript sources (tsx, vitest), the thread
 * first registers tsx's loader, which Node does not pass on to worker threads.
 */
function startWorker(options: SqliteStoreOptions): Worker {
  const entry = new URL(import.meta.url.endsWith('.ts') ? './store-thread.ts' : './store-thread.js', import.meta.url);
  if (!entry.pathname.endsWith('.ts')) return new Worker(fileURLToPath(entry), { workerData: options });
  // The ESM build of tsx's API (require.resolve finds the CommonJS one beside it).
  const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  // A failure to load (e.g. the database cannot be opened) is rethrown outside the promise, so it
  // ends the thread with an 'error' event as it would without the loader.
  const boot = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); }).catch((error) => setImmediate(() => { throw error; }));`;
  return new Worker(boot, { eval: true, workerData: options });
}
