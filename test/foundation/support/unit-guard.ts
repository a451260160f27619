/**
 * Setup file of `npm run test:unit` only (vitest.unit.config.ts): the unit run starts no child
 * process and listens on no socket other than supertest's in-process one. A test file that does
 * either fails here with what to do, instead of quietly making the fast run slow.
 */
import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';

const refuse = (what: string): never => {
  throw new Error(`npm run test:unit starts no ${what}. This test file belongs with the integration tests: add it to INTEGRATION in vitest.unit.config.ts (npm test still runs it).`);
};

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
  if (!/[\\/]supertest[\\/]/.test(new Error().stack ?? '')) refuse('server (only supertest may listen, in process)');
  return (listen as (...a: unknown[]) => net.Server).apply(this, args);
} as typeof net.Server.prototype.listen;

const spawning = ['spawn', 'spawnSync', 'fork', 'exec', 'execSync', 'execFile', 'execFileSync'] as const;
for (const name of spawning) Object.assign(childProcess, { [name]: () => refuse(`child process (child_process.${name})`) });
syncBuiltinESMExports();
