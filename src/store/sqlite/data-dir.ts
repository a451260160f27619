import { accessSync, chmodSync, constants, existsSync, mkdirSync } from 'node:fs';
import { permissionDenied } from './open-errors.js';

/** Owner only: the store holds personal data (emails, phone numbers) of everyone ingested. */
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

const errnoCode = (error: unknown) => (error as NodeJS.ErrnoException).code;
const isPermissionError = (error: unknown) => errnoCode(error) === 'EACCES' || errnoCode(error) === 'EPERM';

/**
 * Creates `dataDir` (0700, whatever the umask: chmod after mkdir) when missing, and checks that the
 * service may read and write it, so a permission problem is named before SQLite reports only
 * "unable to open database file". An existing directory keeps its mode: an operator may have chosen it.
 */
export function prepareDataDir(dataDir: string): void {
  try {
    const created = mkdirSync(dataDir, { recursive: true, mode: DIR_MODE });
    if (created !== undefined) chmodSync(dataDir, DIR_MODE);
    accessSync(dataDir, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (error) {
    if (isPermissionError(error)) throw permissionDenied((error as NodeJS.ErrnoException).path ?? dataDir, errnoCode(error)!, error);
    throw error;
  }
}

/** Checks each of `files` that exists is readable and writable by the service. */
export function assertReadWrite(files: string[]): void {
  for (const file of files) {
    if (!existsSync(file)) continue;
    try {
      accessSync(file, constants.R_OK | constants.W_OK);
    } catch (error) {
      if (isPermissionError(error)) throw permissionDenied(file, errnoCode(error)!, error);
      throw error;
    }
  }
}

/**
 * Makes each of `files` that exists 0600. SQLite creates the -wal and -shm files with the mode of the
 * database file, so the database is restricted as soon as it exists; this pass also tightens files
 * left by an earlier version or created under a looser umask.
 */
export function restrictStoreFiles(files: string[]): void {
  for (const file of files) if (existsSync(file)) chmodSync(file, FILE_MODE);
}
