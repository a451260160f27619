import { hostname } from 'node:os';
import { isSupportedCountry } from 'libphonenumber-js';
import { z } from 'zod';
import { decodeSecretsKey } from './lib/secrets-box.js';

/**
 * The environment contract (docs/configuration.md), validated once into a typed Config. Nothing else in the
 * service reads `process.env`: server.ts calls loadConfig(process.env) and passes the result down.
 */
/** RFC 6750's b64token: what a client can send after `Bearer ` (a token outside it could never match). */
const BEARER_TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

const tokenList = (name: string) =>
  z
    .string({ error: `${name} is required` })
    .transform((raw) => raw.split(',').map((t) => t.trim()).filter((t) => t.length > 0))
    .pipe(
      z
        .array(
          z
            .string()
            .min(16, `every token in ${name} must be at least 16 characters`)
            .regex(BEARER_TOKEN, `every token in ${name} must use only the Bearer token characters A–Z a–z 0–9 - . _ ~ + / (and trailing =)`),
        )
        .min(1, `${name} must list at least one token`),
    );

const optionalSecretList = (name: string) =>
  z
    .string()
    .optional()
    .transform((raw) => (raw ?? '').split(',').map((t) => t.trim()).filter((t) => t.length > 0))
    .pipe(z.array(z.string().min(16, `every secret in ${name} must be at least 16 characters`)));

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(emptyAsUndefined, schema.optional());
const withDefault = <T extends z.ZodType>(schema: T, fallback: z.input<T>) =>
  z.preprocess(emptyAsUndefined, schema.default(fallback as never));

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/**
 * A base URL that requests are built on: http(s), no credentials, no query or fragment (they would
 * be silently dropped or, worse, glued to every path). `http://` is refused in production (the key
 * or token would cross the network in clear) and warned about elsewhere (loadConfig's warnings).
 */
const baseUrl = httpUrl.superRefine((raw, ctx) => {
  if (!URL.canParse(raw)) return; // httpUrl has said so already
  const url = new URL(raw);
  if (url.search !== '' || raw.includes('?')) ctx.addIssue({ code: 'custom', message: 'must not have a query string' });
  if (url.hash !== '' || raw.includes('#')) ctx.addIssue({ code: 'custom', message: 'must not have a fragment' });
  if (url.username !== '' || url.password !== '') ctx.addIssue({ code: 'custom', message: 'must not carry credentials' });
});

/** The forward signing key's length once decoded (as services/webhooks/standard-webhooks-signing.ts decodes it). */
function forwardKeyBytes(secret: string): number | undefined {
  if (!secret.startsWith('whsec_')) return Buffer.byteLength(secret, 'utf8');
  const encoded = secret.slice('whsec_'.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return undefined;
  return Buffer.from(encoded, 'base64').length;
}

/** Klaviyo retries a failed delivery for hours, but a replay window that wide defeats the check. */
export const MAX_WEBHOOK_TOLERANCE_S = 3600;
/** Below this many decoded bytes an HMAC key is guessable; Standard Webhooks' own secrets are 24–64. */
export const MIN_FORWARD_KEY_BYTES = 24;

export interface ForwardTarget {
  url: string;
  /** Topics this subscriber wants; empty means every topic. */
  topics: string[];
}

const forwardTargets = z
  .string()
  .optional()
  .transform((raw) => (raw ?? '').split(',').map((t) => t.trim()).filter((t) => t.length > 0))
  .pipe(
    z.array(
      z.string().transform((entry, ctx): ForwardTarget => {
        const [url = '', filter] = entry.split('#', 2);
        if (!httpUrl.safeParse(url).success) {
          ctx.addIssue({ code: 'custom', message: `"${url}" is not an http(s) URL` });
          return z.NEVER;
        }
        const topics = (filter ?? '').split('|').map((t) => t.trim()).filter((t) => t.length > 0);
        return { url, topics };
      }),
    ),
  );

export const envSchema = z
  .object({
    PORT: withDefault(z.coerce.number().int().min(0).max(65535), 3000),
    HOST: withDefault(z.string().min(1), '0.0.0.0'),
    LOG_LEVEL: withDefault(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info'),
    DATA_DIR: withDefault(z.string().min(1), './data'),
    DATABASE_URL: optional(z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')),
    DEFAULT_PHONE_REGION: optional(z.string().refine((region) => isSupportedCountry(region), 'must be an ISO 3166 alpha-2 region in upper case that libphonenumber knows, e.g. US')),
    KLAVIYO_IDENTITY_CONFLICT: withDefault(z.enum(['dead_letter', 'drop_phone', 'update_existing']), 'dead_letter'),
    REPLICA_ID: optional(z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, 'must be 1–64 of A–Z a–z 0–9 . _ : -')),
    // Exactly one mode: the private key, or the OAuth app (the four variables below); superRefine checks.
    KLAVIYO_API_KEY: optional(z.string().regex(/^pk_[A-Za-z0-9_]{8,}$/, 'must be a Klaviyo private key (pk_…)')),
    KLAVIYO_CLIENT_ID: optional(z.string().regex(/^[A-Za-z0-9._-]{1,200}$/, 'must be an OAuth client id')),
    KLAVIYO_CLIENT_SECRET: optional(z.string().min(16, 'must be at least 16 characters')),
    KLAVIYO_REDIRECT_URL: optional(httpUrl),
    KLAVIYO_AUTHORIZE_URL: withDefault(httpUrl, 'https://www.klaviyo.com/oauth/authorize'),
    SECRETS_KEY: optional(z.string().refine((text) => decodeSecretsKey(text) !== undefined, 'must be 32 bytes, base64 (openssl rand -base64 32)')),
    NODE_ENV: optional(z.string()),
    KLAVIYO_BASE_URL: withDefault(baseUrl, 'https://a.klaviyo.com'),
    KLAVIYO_REVISION: withDefault(z.string().regex(/^\d{4}-\d{2}-\d{2}(\.pre)?$/, 'must be YYYY-MM-DD[.pre]'), '2026-07-15'),
    KLAVIYO_RATE_SHARE: withDefault(z.coerce.number().gt(0, 'must be > 0').max(1, 'must be ≤ 1'), 1),
    KLAVIYO_WEBHOOK_SECRETS: optionalSecretList('KLAVIYO_WEBHOOK_SECRETS'),
    KLAVIYO_WEBHOOK_TOLERANCE_S: withDefault(z.coerce.number().int().positive().max(MAX_WEBHOOK_TOLERANCE_S, `must be at most ${MAX_WEBHOOK_TOLERANCE_S} (s)`), 300),
    KLAVIYO_CONSENT_LIST_ID: optional(z.string().regex(/^[A-Za-z0-9]{1,64}$/, 'must be a Klaviyo list id')),
    MAVERA_API_KEY: optional(z.string().min(16, 'must be at least 16 characters')),
    MAVERA_BASE_URL: withDefault(baseUrl, 'https://app.mavera.io/api/v1'),
    MAVERA_WORKSPACE_ID: optional(z.string().min(1)),
    MAVERA_REQUESTS_PER_MINUTE: withDefault(z.coerce.number().int().positive(), 60),
    WEBHOOK_FORWARD_URLS: forwardTargets,
    WEBHOOK_FORWARD_SECRET: optional(z.string().min(16, 'must be at least 16 characters')),
    INGEST_TOKENS: tokenList('INGEST_TOKENS'),
    ADMIN_TOKENS: tokenList('ADMIN_TOKENS'),
    SHUTDOWN_TIMEOUT_MS: withDefault(z.coerce.number().int().positive(), 10_000),
    MAX_CONNECTIONS: withDefault(z.coerce.number().int().positive(), 1024),
    OUTBOX_MAX_PENDING: withDefault(z.coerce.number().int().positive(), 1_000_000),
    WEBHOOK_RETENTION_DAYS: withDefault(z.coerce.number().positive(), 30),
    KLAVIYO_UNREACHABLE_READY_S: withDefault(z.coerce.number().int().positive(), 300),
    MIN_FREE_DISK_MB: withDefault(z.coerce.number().min(0), 100),
    STORE_QUICK_CHECK: withDefault(z.enum(['true', 'false']), 'true'),
  })
  .superRefine((env, ctx) => {
    if (env.WEBHOOK_FORWARD_URLS.length > 0 && !env.WEBHOOK_FORWARD_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['WEBHOOK_FORWARD_SECRET'], message: 'is required when WEBHOOK_FORWARD_URLS is set' });
    }
    if (env.WEBHOOK_FORWARD_SECRET && env.WEBHOOK_FORWARD_SECRET.length >= 16) {
      const bytes = forwardKeyBytes(env.WEBHOOK_FORWARD_SECRET);
      if (bytes === undefined) ctx.addIssue({ code: 'custom', path: ['WEBHOOK_FORWARD_SECRET'], message: 'whsec_ must be followed by base64' });
      else if (bytes < MIN_FORWARD_KEY_BYTES) ctx.addIssue({ code: 'custom', path: ['WEBHOOK_FORWARD_SECRET'], message: `must decode to at least ${MIN_FORWARD_KEY_BYTES} bytes (it has ${bytes})` });
    }
    if (env.NODE_ENV === 'production') {
      for (const key of ['KLAVIYO_BASE_URL', 'MAVERA_BASE_URL'] as const) {
        if (env[key].startsWith('http://')) ctx.addIssue({ code: 'custom', path: [key], message: 'must be https:// when NODE_ENV=production (http:// would send the key in clear)' });
      }
    }
    const ingest = new Set(env.INGEST_TOKENS);
    if (env.ADMIN_TOKENS.some((t) => ingest.has(t))) {
      ctx.addIssue({ code: 'custom', path: ['ADMIN_TOKENS'], message: 'must not share a token with INGEST_TOKENS' });
    }
  });

export interface Config {
  port: number;
  host: string;
  logLevel: string;
  dataDir: string;
  databaseUrl: string | undefined;
  /** DEFAULT_PHONE_REGION: national phone numbers of this region are normalised to E.164; unset → E.164 only. */
  defaultPhoneRegion: string | undefined;
  /** This replica's name in /readyz, /v1/sync and the leader row (REPLICA_ID; default hostname-pid). */
  replicaId: string;
  klaviyo: {
    /** Private-key mode; undefined in OAuth app mode. */
    apiKey: string | undefined;
    /** OAuth app mode; undefined in private-key mode. */
    oauth: KlaviyoOAuthConfig | undefined;
    baseUrl: string;
    revision: string;
    rateShare: number;
    webhookSecrets: string[];
    webhookToleranceS: number;
    /** The list an opt-in joins when the item names none (so consent lands for people Klaviyo does not know yet). */
    consentListId: string | undefined;
    /** KLAVIYO_IDENTITY_CONFLICT: what Klaviyo's 409 duplicate_profile does to a profile update. */
    identityConflict: 'dead_letter' | 'drop_phone' | 'update_existing';
  };
  mavera: {
    apiKey: string | undefined;
    baseUrl: string;
    workspaceId: string | undefined;
    requestsPerMinute: number;
  };
  webhookForward: { targets: ForwardTarget[]; secret: string | undefined };
  auth: { ingestTokens: string[]; adminTokens: string[] };
  shutdownTimeoutMs: number;
  http: {
    /** Open connections per process (MAX_CONNECTIONS); requestTimeout and headersTimeout are fixed. */
    maxConnections: number;
  };
  store: {
    /** Pending outbox items per kind above which ingest answers 503 outbox_full (OUTBOX_MAX_PENDING). */
    maxPendingPerKind: number;
    /** Stored webhook events older than this are pruned; their dedupe keys are kept as long (WEBHOOK_RETENTION_DAYS). */
    webhookRetentionDays: number;
    /** /readyz fails when the data directory's filesystem has less free space (MIN_FREE_DISK_MB). */
    minFreeBytes: number;
    /** PRAGMA quick_check at start (STORE_QUICK_CHECK=false skips it for very large stores). */
    quickCheck: boolean;
  };
  /** /readyz fails once Klaviyo has been unreachable (network errors, 5xx) this long (KLAVIYO_UNREACHABLE_READY_S). */
  klaviyoUnreachableReadyS: number;
  /** Accepted but worth a line in the log at start (e.g. an http:// base URL outside production). */
  warnings: string[];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration (${problems.length} problem(s)):\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Validates the whole environment at once; throws a ConfigError naming every bad variable. */
const OAUTH_APP_VARIABLES = ['KLAVIYO_CLIENT_ID', 'KLAVIYO_CLIENT_SECRET', 'KLAVIYO_REDIRECT_URL'] as const;

/**
 * The Klaviyo mode (docs/configuration.md#klaviyo-modes): a private key, or an OAuth app with all of
 * its variables and SECRETS_KEY; never both, never neither. OAuth URLs must be https://, except
 * loopback http:// outside production (a local sandbox).
 */
function klaviyoModeProblems(raw: Record<string, string | undefined>): string[] {
  // Judged on the raw environment, so the mode is reported whatever else is wrong; empty means unset.
  const env = (key: string) => (raw[key] === undefined || raw[key] === '' ? undefined : raw[key]);
  const oauth = OAUTH_APP_VARIABLES.some((key) => env(key) !== undefined);
  if (env('KLAVIYO_API_KEY') !== undefined && oauth) return ['KLAVIYO_API_KEY: set together with the OAuth app (KLAVIYO_CLIENT_ID …): configure exactly one Klaviyo mode'];
  if (!oauth) return env('KLAVIYO_API_KEY') === undefined ? ['KLAVIYO_API_KEY: is required (or the OAuth app: KLAVIYO_CLIENT_ID, KLAVIYO_CLIENT_SECRET, KLAVIYO_REDIRECT_URL, SECRETS_KEY)'] : [];
  const problems = [...OAUTH_APP_VARIABLES, 'SECRETS_KEY'].filter((key) => env(key) === undefined).map((key) => `${key}: is required in OAuth app mode`);
  for (const key of ['KLAVIYO_REDIRECT_URL', 'KLAVIYO_AUTHORIZE_URL']) {
    const value = env(key);
    if (value === undefined || !URL.canParse(value)) continue;
    const url = new URL(value);
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
    if (url.protocol === 'http:' && (env('NODE_ENV') === 'production' || !loopback)) problems.push(`${key}: must be https:// (http:// only for a loopback host outside production)`);
  }
  return problems;
}

/** What the service needs of the OAuth app mode; undefined in private-key mode. */
export interface KlaviyoOAuthConfig {
  clientId: string;
  clientSecret: string;
  redirectUrl: string;
  authorizeUrl: string;
  /** SECRETS_KEY, decoded: seals the stored tokens. */
  secretsKey: Buffer;
}

export function loadConfig(env: Record<string, string | undefined>): Config {
  const result = envSchema.safeParse(env);
  const modeProblems = klaviyoModeProblems(env);
  if (!result.success || modeProblems.length > 0) {
    const problems = (result.success ? [] : result.error.issues).map((issue) => {
      const key = String(issue.path[0] ?? 'environment');
      // Never echo the offending value: it may be a secret.
      const missing = issue.path.length === 1 && (env[key] === undefined || env[key] === '');
      const message = missing && issue.code === 'invalid_type' ? 'is required' : issue.message;
      return `${key}: ${message}`;
    });
    // The mode's own message replaces zod's for the same variable.
    const named = new Set(modeProblems.map((p) => p.split(':')[0]));
    const all = [...modeProblems, ...problems.filter((p) => !named.has(p.split(':')[0]))];
    throw new ConfigError(all);
  }
  const e = result.data;
  return {
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    dataDir: e.DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    defaultPhoneRegion: e.DEFAULT_PHONE_REGION,
    replicaId: e.REPLICA_ID ?? `${hostname().replace(/[^A-Za-z0-9._:-]/g, '-').slice(0, 48)}-${process.pid}`,
    klaviyo: {
      apiKey: e.KLAVIYO_API_KEY,
      oauth:
        e.KLAVIYO_CLIENT_ID !== undefined
          ? {
              clientId: e.KLAVIYO_CLIENT_ID,
              clientSecret: e.KLAVIYO_CLIENT_SECRET as string,
              redirectUrl: e.KLAVIYO_REDIRECT_URL as string,
              authorizeUrl: e.KLAVIYO_AUTHORIZE_URL,
              secretsKey: decodeSecretsKey(e.SECRETS_KEY as string) as Buffer,
            }
          : undefined,
      baseUrl: e.KLAVIYO_BASE_URL.replace(/\/+$/, ''),
      revision: e.KLAVIYO_REVISION,
      rateShare: e.KLAVIYO_RATE_SHARE,
      webhookSecrets: e.KLAVIYO_WEBHOOK_SECRETS,
      webhookToleranceS: e.KLAVIYO_WEBHOOK_TOLERANCE_S,
      consentListId: e.KLAVIYO_CONSENT_LIST_ID,
      identityConflict: e.KLAVIYO_IDENTITY_CONFLICT,
    },
    mavera: {
      apiKey: e.MAVERA_API_KEY,
      baseUrl: e.MAVERA_BASE_URL.replace(/\/+$/, ''),
      workspaceId: e.MAVERA_WORKSPACE_ID,
      requestsPerMinute: e.MAVERA_REQUESTS_PER_MINUTE,
    },
    webhookForward: { targets: e.WEBHOOK_FORWARD_URLS, secret: e.WEBHOOK_FORWARD_SECRET },
    auth: { ingestTokens: e.INGEST_TOKENS, adminTokens: e.ADMIN_TOKENS },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    http: { maxConnections: e.MAX_CONNECTIONS },
    store: {
      maxPendingPerKind: e.OUTBOX_MAX_PENDING,
      webhookRetentionDays: e.WEBHOOK_RETENTION_DAYS,
      minFreeBytes: Math.round(e.MIN_FREE_DISK_MB * 1024 * 1024),
      quickCheck: e.STORE_QUICK_CHECK === 'true',
    },
    klaviyoUnreachableReadyS: e.KLAVIYO_UNREACHABLE_READY_S,
    warnings: (['KLAVIYO_BASE_URL', 'MAVERA_BASE_URL'] as const)
      .filter((key) => e[key].startsWith('http://'))
      .map((key) => `${key} is http://: the key travels unencrypted (refused when NODE_ENV=production)`),
  };
}
