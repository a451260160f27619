import { parentPort, workerData } from 'node:worker_threads';
import type { Store } from '../store.js';
import { openSqliteStore, type SqliteStoreOptions } from './open.js';
import { decode, encode } from './thread-codec.js';
import type { StoreCall, StoreReply } from './threaded-store.js';

/**
 * The thread that owns the SQLite connection of a threaded store (threaded-store.ts): it runs each
 * call it is sent against the embedded store, in arrival order, and answers with the result or
 * the error. better-sqlite3 is synchronous, so its statements and fsyncs block this thread's
 * event loop, never the HTTP server's.
 */
const port = parentPort;
if (!port) throw new Error('store-thread.ts runs as a worker thread only');

const store: Store = openSqliteStore(workerData as SqliteStoreOptions);

const reply = (message: StoreReply) => port.postMessage(encode(message));

port.on('message', (text: string) => {
  const call = decode(text) as StoreCall;
  const target: Record<string, unknown> = call.sub ? (store[call.sub] as unknown as Record<string, unknown>) : (store as unknown as Record<string, unknown>);
  const method = target[call.method];
  if (typeof method !== 'function') {
    reply({ id: call.id, error: { name: 'TypeError', message: `store has no method ${call.sub ? `${call.sub}.` : ''}${call.method}` } });
    return;
  }
  Promise.resolve()
    .then(() => (method as (...args: unknown[]) => unknown).apply(target, call.args))
    .then(
      (value) => reply({ id: call.id, value }),
      (error: unknown) => {
        const e = error instanceof Error ? error : new Error(String(error));
        reply({ id: call.id, error: { name: e.name, message: e.message, code: (e as { code?: unknown }).code as string | undefined } });
      },
    );
});
