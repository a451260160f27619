/**
 * A tiny store process for the multi-process tests: opens the SQLite store in DATA_DIR (argv[2]) and
 * either holds it until killed (`hold`, printing `opened` once open) or closes it at once (`close`).
 * A failure to open prints the error's message on stderr and exits 2.
 */
import { openSqliteStore } from '../../../src/store/sqlite/open.js';

const [dataDir, mode = 'close'] = process.argv.slice(2);
if (dataDir === undefined) throw new Error('usage: store-process.ts <dataDir> [hold|close]');

try {
  const store = openSqliteStore({ dataDir });
  process.stdout.write('opened\n');
  if (mode === 'hold') setInterval(() => undefined, 60_000);
  else await store.close();
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
}
