import { reportPort } from '../lib/child-server.js';
import { benchService } from '../lib/service.js';

/**
 * The service as server.ts composes it (dispatcher running) on a fresh SQLite store. The webhook
 * secret is the first CLI argument.
 */
const secret = process.argv[2] ?? 'bench-webhook-secret-0123456789';
const { service, close } = benchService({ KLAVIYO_WEBHOOK_SECRETS: secret });
void service
  .start()
  .then(() => service.listen(0, '127.0.0.1'))
  .then(({ port }) => reportPort(port));

process.on('SIGTERM', () => void close().then(() => process.exit(0)));
