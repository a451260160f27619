import { closeSync, fsync, openSync } from 'node:fs';

/**
 * Durability for acknowledged writes without blocking the event loop.
 *
 * The connection runs WAL with `synchronous=NORMAL`: a commit is written to the WAL file but not
 * fsynced, so better-sqlite3 no longer stalls every request for the disk. Writes whose commit
 * gates an acknowledgment (ingest's 202, the webhook's 200) then await `sync()`: an fsync of the
 * WAL file, run on libuv's thread pool, that started after their commit. fsync flushes the file,
 * whichever descriptor wrote it, so once it resolves those commits survive power loss exactly as
 * with `synchronous=FULL`. Concurrent commits share one fsync (group commit).
 *
 * Writes that acknowledge nothing (claims, settles, job progress, cache) rely on SQLite's own
 * guarantee for NORMAL: after a power loss the database is intact and holds a prefix of the
 * commits (WAL frames carry cumulative checksums), and every such write is safe to redo.
 */
export interface WalBarrier {
  /** Resolves once every commit made before this call is on stable storage. */
  sync(): Promise<void>;
  close(): void;
}

/** `fsyncFile` is injectable so tests can watch how commits share fsyncs. */
export function createWalBarrier(walPath: string, fsyncFile: typeof fsync = fsync): WalBarrier {
  let fd: number | undefined;
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;

  const fsyncWal = () =>
    new Promise<void>((resolve, reject) => {
      // The WAL exists from the first commit on, and SQLite keeps and reuses it while it is open.
      fd ??= openSync(walPath, 'r+');
      fsyncFile(fd, (error) => (error ? reject(error) : resolve()));
    });

  const sync = (): Promise<void> => {
    if (!running) {
      running = fsyncWal().finally(() => {
        running = undefined;
      });
      return running;
    }
    // An fsync already under way may have started before this caller's commit: wait for the next.
    queued ??= running
      .catch(() => undefined)
      .then(() => {
        queued = undefined;
        return sync();
      });
    return queued;
  };

  return {
    sync,
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}
