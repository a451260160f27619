/**
 * `npm run sandbox [-- flags]`: starts the fake Klaviyo and the fake Mavera on loopback and prints
 * the environment to point klaviyo-bridge at them. Runs until Ctrl-C.
 *
 *   --port N            Klaviyo fake port (default 4010; 0 = random)
 *   --mavera-port N     Mavera fake port (default 4020; 0 = random)
 *   --seed S            seed of the generated account (default 1)
 *   --profiles N        seeded profiles (default 2000); also --orders N, --segments N
 *   --speed-up F        divide rate-limit windows by F (default 1)
 *   --api-key K         Klaviyo key to accept (default pk_sandbox_0123456789abcdef)
 *   --mavera-key K      Mavera key to accept (default mvra_sandbox_0123456789abcdef)
 *   --oauth-redirect-uri U[,U…]  register an OAuth app with these redirect URIs (enables /oauth/*)
 *   --oauth-client-id I, --oauth-client-secret S   its credentials (defaults below)
 *   --oauth-token-ttl S access-token lifetime in Klaviyo seconds (default 3600)
 */
import { parseArgs } from 'node:util';
import { startKlaviyoSandbox } from './klaviyo/index.js';
import { startMaveraSandbox } from './mavera/index.js';

function numberFlag(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) {
    process.stderr.write(`--${name} must be a number ≥ 0, got ${value}\n`);
    process.exit(64);
  }
  return parsed;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'mavera-port': { type: 'string' },
      seed: { type: 'string' },
      profiles: { type: 'string' },
      orders: { type: 'string' },
      segments: { type: 'string' },
      'speed-up': { type: 'string' },
      'api-key': { type: 'string' },
      'mavera-key': { type: 'string' },
      'oauth-redirect-uri': { type: 'string' },
      'oauth-client-id': { type: 'string' },
      'oauth-client-secret': { type: 'string' },
      'oauth-token-ttl': { type: 'string' },
    },
  });
  const redirectUris = (values['oauth-redirect-uri'] ?? '').split(',').map((uri) => uri.trim()).filter((uri) => uri !== '');
  const oauth =
    redirectUris.length > 0
      ? {
          clientId: values['oauth-client-id'] ?? 'sandbox-oauth-client-0001',
          clientSecret: values['oauth-client-secret'] ?? 'sandbox-oauth-secret-0123456789abcdef',
          redirectUris,
          accessTokenTtlS: numberFlag(values['oauth-token-ttl'], 'oauth-token-ttl', 3600) || 3600,
        }
      : undefined;
  const apiKey = values['api-key'] ?? 'pk_sandbox_0123456789abcdef';
  const maveraKey = values['mavera-key'] ?? 'mvra_sandbox_0123456789abcdef';
  const scale = {
    ...(values.profiles !== undefined ? { profiles: numberFlag(values.profiles, 'profiles', 2000) } : {}),
    ...(values.orders !== undefined ? { orders: numberFlag(values.orders, 'orders', 1500) } : {}),
    ...(values.segments !== undefined ? { segments: numberFlag(values.segments, 'segments', 10) } : {}),
  };
  const klaviyo = await startKlaviyoSandbox({
    apiKey,
    port: numberFlag(values.port, 'port', 4010),
    seed: values.seed ?? 1,
    scale,
    speedUp: numberFlag(values['speed-up'], 'speed-up', 1) || 1,
    oauth,
  });
  const mavera = await startMaveraSandbox({ apiKey: maveraKey, port: numberFlag(values['mavera-port'], 'mavera-port', 4020) });

  process.stdout.write(
    [
      `Klaviyo sandbox: ${klaviyo.url}  (revision ${klaviyo.revision}, speedUp ${klaviyo.speedUp}, report: ${klaviyo.url}/__sandbox/report)`,
      `Mavera sandbox:  ${mavera.url}`,
      '',
      'Point klaviyo-bridge at them (e.g. in .env):',
      `KLAVIYO_BASE_URL=${klaviyo.url}`,
      ...(oauth
        ? [
            `# OAuth app mode instead of KLAVIYO_API_KEY (the key ${apiKey} still works):`,
            `KLAVIYO_CLIENT_ID=${oauth.clientId}`,
            `KLAVIYO_CLIENT_SECRET=${oauth.clientSecret}`,
            `KLAVIYO_REDIRECT_URL=${oauth.redirectUris[0] ?? ''}`,
            `KLAVIYO_AUTHORIZE_URL=${klaviyo.url}/oauth/authorize`,
          ]
        : [`KLAVIYO_API_KEY=${apiKey}`]),
      `MAVERA_BASE_URL=${mavera.url}`,
      `MAVERA_API_KEY=${maveraKey}`,
      '',
      'Ctrl-C to stop.',
      '',
    ].join('\n'),
  );

  const stop = async () => {
    await Promise.allSettled([klaviyo.close(), mavera.close()]);
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  process.stderr.write(`sandbox failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
