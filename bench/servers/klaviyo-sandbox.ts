import { startKlaviyoSandbox } from '../../sandbox/klaviyo/index.js';
import { reportPort } from '../lib/child-server.js';

/**
 * The fake Klaviyo in its own process (args: apiKey, speedUp), so its body validation does not
 * share an event loop with the worker being measured. Reports over `/__sandbox/report`.
 */
const [apiKey = 'pk_bench_sandbox_0000001', speedUp = '1'] = process.argv.slice(2);
const sandbox = await startKlaviyoSandbox({ apiKey, seed: 5, speedUp: Number(speedUp), scale: { profiles: 100, orders: 10 } });
reportPort(Number(new URL(sandbox.url).port));
process.on('SIGTERM', () => void sandbox.close().then(() => process.exit(0)));
