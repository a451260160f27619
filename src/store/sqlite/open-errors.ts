/**
 * Why the store could not open, in words an operator can act on: which file, and what to do about
 * it. Thrown by openSqliteStore; the service refuses to start with this message.
 */
export class StoreOpenError extends Error {
  constructor(
    message: string,
    /** The file or directory at fault. */
    readonly path: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'StoreOpenError';
  }
}

const RESTORE = 'move it aside and restore from a backup';

export const permissionDenied = (path: string, code: string, cause: unknown) =>
  new StoreOpenError(`${code} on ${path}: fix its permissions (the service needs read/write)`, path, { cause });

export const notADatabase = (file: string, cause: unknown) =>
  new StoreOpenError(`${file} is not a valid database (SQLITE_NOTADB): ${RESTORE} (or move it aside to start with an empty store)`, file, { cause });

/** The sentence health() and open share for a database that failed its integrity check. */
export const corruptDetail = (file: string, problems: string) => `${file} is corrupt (PRAGMA quick_check: ${problems}): ${RESTORE}`;

export const corruptDatabase = (file: string, problems: string, cause?: unknown) => new StoreOpenError(corruptDetail(file, problems), file, { cause });

export const heldByAnotherProcess = (dataDir: string, lockFile: string, cause: unknown) =>
  new StoreOpenError(
    `DATA_DIR ${dataDir} is in use: another process holds it (the lock on ${lockFile}). ` +
      'Only one klaviyo-bridge process may use a store: stop the other one, or give this one its own DATA_DIR.',
    dataDir,
    { cause },
  );

export const cannotOpen = (file: string, cause: unknown) => {
  const code = (cause as { code?: unknown }).code;
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new StoreOpenError(`cannot open the store ${file}: ${typeof code === 'string' ? `${code}: ` : ''}${reason}`, file, { cause });
};
