import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';

/**
 * better-sqlite3 12.x builds its Database and Statement objects on node::ObjectWrap. On Node 24 the
 * wrap's destructor asserts when V8 garbage-collects one (`RemoveEnvironmentCleanupHook: (env) !=
 * nullptr`) and the whole process aborts with SIGABRT — seen here in the crash-safety test on Node
 * 24.21 (upstream WiseLibs/better-sqlite3#1515, closed without a 12.x fix). 13.x fixes it but needs
 * Node ≥ 22 and segfaults on Node 20, which we still support. So until the floor is Node 22, no
 * handle may ever be collected: every database, and every statement prepared on it, is retained for
 * the life of the process.
 *
 * What is retained stays bounded: `prepare` is memoised per SQL text, so code that builds SQL per
 * call (a few filter combinations) reuses one statement per shape. Callers must not use the
 * mode-changing statement methods (`pluck`, `raw`, `expand`, `safeIntegers`) on shared statements.
 */
const retained = new Set<Database>();

export function openRetainedDatabase(file: string): Database {
  const db = new BetterSqlite3(file);
  retained.add(db);
  const prepareOnce = db.prepare.bind(db);
  const statements = new Map<string, Statement>();
  db.prepare = ((source: string) => {
    let statement = statements.get(source);
    if (!statement) {
      statement = prepareOnce(source);
      statements.set(source, statement);
    }
    return statement;
  }) as Database['prepare'];
  return db;
}

/** `db.pragma()` prepares a throwaway statement (collectable, see above): set pragmas with exec. */
export function setPragmas(db: Database, pragmas: string[]): void {
  for (const pragma of pragmas) db.exec(`PRAGMA ${pragma}`);
}
