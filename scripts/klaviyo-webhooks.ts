import 'dotenv/config';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError, envSchema, loadConfig } from '../src/config.js';
import { createLogger } from '../src/lib/logger.js';
import { openPostgresStore } from '../src/store/postgres/open.js';
import { openSqliteStore } from '../src/store/sqlite/open.js';
import { createKlaviyoConnection } from '../services/klaviyo-connection/connection.js';
import { isAppError } from '../src/lib/errors.js';
import type { KlaviyoCredentials } from '../services/klaviyo/credentials.js';
import { createKlaviyoService, type KlaviyoServiceOptions } from '../services/klaviyo/index.js';
import {
  KlaviyoWebhooksForbiddenError,
  listKlaviyoWebhookTopics,
  listKlaviyoWebhooks,
  registerKlaviyoWebhook,
} from '../services/webhooks/klaviyo-registration.js';

const USAGE = `Usage: npm run klaviyo:webhooks -- <command> [options]
  list                                  webhooks registered on the Klaviyo account (Klaviyo masks their URLs: https://host/*****)
  topics                                topic ids the account can subscribe to
  create --url https://host/webhooks/klaviyo --topics a,b [--name N] [--description D] [--secret-index I] [--force]
                                        registers this service, signed with KLAVIYO_WEBHOOK_SECRETS[I] (default 0);
                                        a re-run finds the existing webhook (same host, and same name or topics) and creates nothing
Reads KLAVIYO_API_KEY, KLAVIYO_BASE_URL, KLAVIYO_REVISION, KLAVIYO_WEBHOOK_SECRETS from the environment or .env.
In OAuth app mode (KLAVIYO_CLIENT_ID set) it reads the service's whole environment and uses the installed
connection from the service's store (DATABASE_URL, or DATA_DIR while the service is stopped).
The webhooks API needs an OAuth app's token or an account with Advanced KDP: a private key gets 403 (exit code 77).`;

/** EX_NOPERM: Klaviyo refused the webhooks API to this credential. */
const EXIT_FORBIDDEN = 77;

/** Only the variables this command needs, validated with the service's own schema. */
const scriptEnv = z.object({
  KLAVIYO_API_KEY: envSchema.shape.KLAVIYO_API_KEY,
  KLAVIYO_BASE_URL: envSchema.shape.KLAVIYO_BASE_URL,
  KLAVIYO_REVISION: envSchema.shape.KLAVIYO_REVISION,
  KLAVIYO_WEBHOOK_SECRETS: envSchema.shape.KLAVIYO_WEBHOOK_SECRETS,
});

/** Time for the client's rate limiter: tests pass a fake clock shared with the sandbox; the CLI uses real time. */
export type KlaviyoWebhooksCliTime = Pick<KlaviyoServiceOptions, 'clock' | 'sleep'>;

export async function runKlaviyoWebhooksCli(
  argv: string[],
  env: Record<string, string | undefined>,
  out: (line: string) => void,
  time: KlaviyoWebhooksCliTime = {},
): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      topics: { type: 'string' },
      name: { type: 'string' },
      description: { type: 'string' },
      'secret-index': { type: 'string', default: '0' },
      force: { type: 'boolean', default: false },
    },
  });
  const command = positionals[0];
  if (command !== 'list' && command !== 'topics' && command !== 'create') {
    out(USAGE);
    return 64; // EX_USAGE
  }
  const parsed = scriptEnv.safeParse(env);
  if (!parsed.success) {
    // Names only: values may be secrets.
    out(`Invalid configuration: ${parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join('; ')}`);
    return 78;
  }
  const e = parsed.data;
  if (!e.KLAVIYO_API_KEY && !env.KLAVIYO_CLIENT_ID) {
    out('Invalid configuration: KLAVIYO_API_KEY: is required (or the OAuth app: KLAVIYO_CLIENT_ID, KLAVIYO_CLIENT_SECRET, KLAVIYO_REDIRECT_URL, SECRETS_KEY)');
    return 78;
  }
  const opened = env.KLAVIYO_CLIENT_ID ? await openOAuthCredentials(env, out, time) : undefined;
  if (opened && 'exitCode' in opened) return opened.exitCode as number;
  const oauth = opened as { credentials: KlaviyoCredentials; close(): Promise<void> } | undefined;
  const klaviyo = createKlaviyoService({
    apiKey: e.KLAVIYO_API_KEY,
    credentials: oauth?.credentials,
    baseUrl: e.KLAVIYO_BASE_URL.replace(/\/+$/, ''),
    revision: e.KLAVIYO_REVISION,
    ...time,
  });
  try {
    if (command === 'list') {
      for (const hook of await listKlaviyoWebhooks(klaviyo.webhooks)) out(JSON.stringify(hook));
    } else if (command === 'topics') {
      for (const topic of await listKlaviyoWebhookTopics(klaviyo.webhooks)) out(topic);
    } else {
      const secret = e.KLAVIYO_WEBHOOK_SECRETS[Number(values['secret-index'])];
      if (!secret) {
        out('KLAVIYO_WEBHOOK_SECRETS has no secret at that index: set it first, so the receiver can verify what Klaviyo signs.');
        return 78;
      }
      const topics = (values.topics ?? '').split(',').map((t) => t.trim()).filter((t) => t.length > 0);
      const { webhook, created } = await registerKlaviyoWebhook(klaviyo.webhooks, { url: values.url ?? '', topics, secret, name: values.name, description: values.description, force: values.force });
      out(JSON.stringify({ ...webhook, created }));
      if (!created) out(`Webhook ${webhook.id} (${webhook.name}, ${webhook.endpoint_url}) already delivers these topics to this URL: nothing created (pass --force to create another).`);
    }
    return 0;
  } catch (error) {
    if (error instanceof KlaviyoWebhooksForbiddenError) {
      out(error.message);
      return EXIT_FORBIDDEN;
    }
    const fieldErrors = isAppError(error) && error.errors ? error.errors.map((f) => ` ${f.path}: ${f.message}`).join(';') : '';
    out(`${error instanceof Error ? error.message : String(error)}${fieldErrors}`);
    return 1;
  } finally {
    await oauth?.close();
  }
}

/**
 * OAuth app mode: the service's configuration and store, and the connection installed there (its
 * tokens refreshed and saved as the service would). The embedded store belongs to one process, so
 * with it the service must be stopped first; PostgreSQL is shared.
 */
async function openOAuthCredentials(env: Record<string, string | undefined>, out: (line: string) => void, time: KlaviyoWebhooksCliTime) {
  let config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    out(`Invalid configuration: ${error.message}`);
    return { exitCode: 78 };
  }
  let store;
  try {
    store = config.databaseUrl ? await openPostgresStore({ connectionString: config.databaseUrl }) : openSqliteStore({ dataDir: config.dataDir });
  } catch (error) {
    out(`${error instanceof Error ? error.message : String(error)}${config.databaseUrl ? '' : ' (in OAuth mode with the embedded store, stop the service first, or use DATABASE_URL)'}`);
    return { exitCode: 75 }; // EX_TEMPFAIL
  }
  const oauthConfig = config.klaviyo.oauth as NonNullable<typeof config.klaviyo.oauth>;
  const connection = createKlaviyoConnection({
    config: oauthConfig,
    store: store.klaviyoConnection,
    baseUrl: config.klaviyo.baseUrl,
    logger: createLogger({ level: 'silent' }),
    clock: time.clock,
  });
  return { credentials: connection.credentials, close: () => store.close() };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  void runKlaviyoWebhooksCli(process.argv.slice(2), process.env, (line) => process.stdout.write(`${line}\n`)).then((code) => process.exit(code));
}
