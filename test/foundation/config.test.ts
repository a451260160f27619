import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const minimal = {
  KLAVIYO_API_KEY: 'pk_test_0123456789abcdef',
  INGEST_TOKENS: 'ingest-token-aaaaaaaaaaaa',
  ADMIN_TOKENS: 'admin-token-cccccccccccc',
};

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('when the minimal variables are set, then every default of DESIGN §3 applies', () => {
    const config = loadConfig(minimal);
    expect(config).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      logLevel: 'info',
      dataDir: './data',
      databaseUrl: undefined,
      klaviyo: { baseUrl: 'https://a.klaviyo.com', revision: '2026-07-15', rateShare: 1, webhookSecrets: [], webhookToleranceS: 300 },
      mavera: { apiKey: undefined, baseUrl: 'https://app.mavera.io/api/v1', workspaceId: undefined },
      webhookForward: { targets: [], secret: undefined },
      auth: { ingestTokens: ['ingest-token-aaaaaaaaaaaa'], adminTokens: ['admin-token-cccccccccccc'] },
    });
  });

  it.each(['INGEST_TOKENS', 'ADMIN_TOKENS'])('when %s is missing, then it is named as required', (key) => {
    const env: Record<string, string | undefined> = { ...minimal, [key]: undefined };
    expect(problemsOf(env)).toEqual([`${key}: is required`]);
  });

  it('when KLAVIYO_API_KEY is missing and no OAuth app is configured, then it is named as required, with the other mode named', () => {
    expect(problemsOf({ ...minimal, KLAVIYO_API_KEY: undefined })).toEqual(['KLAVIYO_API_KEY: is required (or the OAuth app: KLAVIYO_CLIENT_ID, KLAVIYO_CLIENT_SECRET, KLAVIYO_REDIRECT_URL, SECRETS_KEY)']);
  });

  describe('the OAuth app mode', () => {
    const KEY = Buffer.alloc(32, 7).toString('base64');
    const oauth = { KLAVIYO_CLIENT_ID: 'app-client-1', KLAVIYO_CLIENT_SECRET: 'app-secret-0123456789', KLAVIYO_REDIRECT_URL: 'https://bridge.example.com/oauth/klaviyo/callback', SECRETS_KEY: KEY };
    const oauthEnv = { ...minimal, KLAVIYO_API_KEY: undefined, ...oauth };

    it('when the four OAuth variables are set instead of the key, then the config carries the app and no key', () => {
      const config = loadConfig(oauthEnv);
      expect(config.klaviyo.apiKey).toBeUndefined();
      expect(config.klaviyo.oauth).toMatchObject({ clientId: 'app-client-1', redirectUrl: oauth.KLAVIYO_REDIRECT_URL, authorizeUrl: 'https://www.klaviyo.com/oauth/authorize' });
      expect(config.klaviyo.oauth?.secretsKey.equals(Buffer.alloc(32, 7))).toBe(true);
    });

    it('when both modes are configured, then the start is refused naming the conflict', () => {
      expect(problemsOf({ ...minimal, ...oauth })).toEqual(['KLAVIYO_API_KEY: set together with the OAuth app (KLAVIYO_CLIENT_ID …): configure exactly one Klaviyo mode']);
    });

    it('when an OAuth variable or SECRETS_KEY is missing, or SECRETS_KEY is not 32 bytes, then each is named', () => {
      expect(problemsOf({ ...oauthEnv, SECRETS_KEY: undefined, KLAVIYO_REDIRECT_URL: '' })).toEqual(['KLAVIYO_REDIRECT_URL: is required in OAuth app mode', 'SECRETS_KEY: is required in OAuth app mode']);
      expect(problemsOf({ ...oauthEnv, SECRETS_KEY: Buffer.alloc(16).toString('base64') })).toEqual(['SECRETS_KEY: must be 32 bytes, base64 (openssl rand -base64 32)']);
    });

    it('when an OAuth URL is http://, then only a loopback host outside production is accepted', () => {
      expect(loadConfig({ ...oauthEnv, KLAVIYO_REDIRECT_URL: 'http://127.0.0.1:3000/oauth/klaviyo/callback', KLAVIYO_AUTHORIZE_URL: 'http://localhost:4000/oauth/authorize' }).klaviyo.oauth?.authorizeUrl).toBe('http://localhost:4000/oauth/authorize');
      expect(problemsOf({ ...oauthEnv, KLAVIYO_REDIRECT_URL: 'http://bridge.example.com/cb' })).toEqual(['KLAVIYO_REDIRECT_URL: must be https:// (http:// only for a loopback host outside production)']);
      expect(problemsOf({ ...oauthEnv, NODE_ENV: 'production', KLAVIYO_REDIRECT_URL: 'http://127.0.0.1:3000/cb' })).toEqual(['KLAVIYO_REDIRECT_URL: must be https:// (http:// only for a loopback host outside production)']);
    });
  });

  it('when every required variable is missing, then all three are named in one error', () => {
    const error = (() => {
      try {
        loadConfig({});
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    for (const key of ['KLAVIYO_API_KEY', 'INGEST_TOKENS', 'ADMIN_TOKENS']) expect(error.message).toContain(`${key}: is required`);
  });

  it.each([
    ['PORT', 'not-a-port'],
    ['PORT', '70000'],
    ['LOG_LEVEL', 'loud'],
    ['DATABASE_URL', 'mysql://x'],
    ['KLAVIYO_API_KEY', 'sk_live_wrongprefix'],
    ['KLAVIYO_BASE_URL', 'not a url'],
    ['KLAVIYO_REVISION', '2026-7-15'],
    ['KLAVIYO_RATE_SHARE', '0'],
    ['KLAVIYO_RATE_SHARE', '1.5'],
    ['KLAVIYO_WEBHOOK_SECRETS', 'short'],
    ['KLAVIYO_WEBHOOK_TOLERANCE_S', '-5'],
    ['MAVERA_API_KEY', 'mvra_short'],
    ['MAVERA_BASE_URL', 'ftp://mavera'],
    ['MAVERA_REQUESTS_PER_MINUTE', '0'],
    ['WEBHOOK_FORWARD_URLS', 'not-a-url'],
    ['WEBHOOK_FORWARD_SECRET', 'tooshort'],
    ['INGEST_TOKENS', 'short-token'],
    ['ADMIN_TOKENS', ' , '],
    ['SHUTDOWN_TIMEOUT_MS', 'soon'],
    ['KLAVIYO_BASE_URL', 'https://a.klaviyo.com/?x=1'],
    ['KLAVIYO_BASE_URL', 'https://a.klaviyo.com/#frag'],
    ['KLAVIYO_BASE_URL', 'https://user:pw@a.klaviyo.com'],
    ['MAVERA_BASE_URL', 'https://app.mavera.io/api/v1?token=1'],
    ['INGEST_TOKENS', 'ingest token with spaces'],
    ['ADMIN_TOKENS', 'admin-token-ccccccccc,\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9'],
    ['ADMIN_TOKENS', 'admin"token"cccccccccccc'],
    ['WEBHOOK_FORWARD_SECRET', `whsec_${Buffer.alloc(23, 1).toString('base64')}`],
    ['WEBHOOK_FORWARD_SECRET', 'whsec_not!base64!at!all!0123456789'],
    ['WEBHOOK_FORWARD_SECRET', 'raw-secret-of-23-bytes!'],
    ['KLAVIYO_WEBHOOK_TOLERANCE_S', '3601'],
    ['MAX_CONNECTIONS', '0'],
    ['OUTBOX_MAX_PENDING', 'lots'],
    ['WEBHOOK_RETENTION_DAYS', '0'],
    ['KLAVIYO_UNREACHABLE_READY_S', '-1'],
    ['MIN_FREE_DISK_MB', '-1'],
    ['STORE_QUICK_CHECK', 'maybe'],
  ])('when %s is %j, then that variable is named as invalid', (key, value) => {
    const problems = problemsOf({ ...minimal, [key]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${key}: `));
    expect(problems[0]).not.toBe(`${key}: is required`);
  });

  it('when several variables are invalid at once, then every one is reported in one message', () => {
    const problems = problemsOf({ ...minimal, PORT: 'x', KLAVIYO_RATE_SHARE: '2', LOG_LEVEL: 'loud', ADMIN_TOKENS: undefined });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['ADMIN_TOKENS', 'KLAVIYO_RATE_SHARE', 'LOG_LEVEL', 'PORT']);
  });

  it('when forward URLs are set without a secret, then WEBHOOK_FORWARD_SECRET is required', () => {
    expect(problemsOf({ ...minimal, WEBHOOK_FORWARD_URLS: 'http://localhost:9000/hook' })).toEqual([
      'WEBHOOK_FORWARD_SECRET: is required when WEBHOOK_FORWARD_URLS is set',
    ]);
  });

  it('when an admin token is also an ingest token, then the overlap is rejected', () => {
    expect(problemsOf({ ...minimal, ADMIN_TOKENS: minimal.INGEST_TOKENS })[0]).toMatch(/^ADMIN_TOKENS: /);
  });

  it('when lists and topic filters are given, then they are parsed and trimmed', () => {
    const config = loadConfig({
      ...minimal,
      INGEST_TOKENS: ' ingest-token-aaaaaaaaaaaa , ingest-token-bbbbbbbbbbbb ',
      KLAVIYO_WEBHOOK_SECRETS: 'secret-one-0123456789,secret-two-0123456789',
      WEBHOOK_FORWARD_URLS: 'http://a.internal/hook#event:klaviyo.opened_email|event:klaviyo.sent_sms,https://b.internal/x',
      WEBHOOK_FORWARD_SECRET: `whsec_${Buffer.alloc(24, 7).toString('base64')}`,
    });
    expect(config.auth.ingestTokens).toEqual(['ingest-token-aaaaaaaaaaaa', 'ingest-token-bbbbbbbbbbbb']);
    expect(config.klaviyo.webhookSecrets).toHaveLength(2);
    expect(config.webhookForward.targets).toEqual([
      { url: 'http://a.internal/hook', topics: ['event:klaviyo.opened_email', 'event:klaviyo.sent_sms'] },
      { url: 'https://b.internal/x', topics: [] },
    ]);
  });

  it('when the hardening variables are unset, then their DESIGN §3 defaults apply', () => {
    const config = loadConfig(minimal);
    expect(config.http).toEqual({ maxConnections: 1024 });
    expect(config.store).toEqual({ maxPendingPerKind: 1_000_000, webhookRetentionDays: 30, minFreeBytes: 100 * 1024 * 1024, quickCheck: true });
    expect(config.klaviyoUnreachableReadyS).toBe(300);
    expect(config.warnings).toEqual([]);
  });

  it('when the tolerance is at its bound and the forward secret decodes to 24 bytes, then both are accepted', () => {
    const config = loadConfig({ ...minimal, KLAVIYO_WEBHOOK_TOLERANCE_S: '3600', WEBHOOK_FORWARD_SECRET: `whsec_${Buffer.alloc(24, 9).toString('base64')}`, STORE_QUICK_CHECK: 'false' });
    expect(config.klaviyo.webhookToleranceS).toBe(3600);
    expect(config.store.quickCheck).toBe(false);
  });

  it('when a base URL is http:// outside production, then it is accepted with a warning', () => {
    const config = loadConfig({ ...minimal, KLAVIYO_BASE_URL: 'http://127.0.0.1:4010', NODE_ENV: 'development' });
    expect(config.klaviyo.baseUrl).toBe('http://127.0.0.1:4010');
    expect(config.warnings).toEqual([expect.stringMatching(/^KLAVIYO_BASE_URL is http:\/\//)]);
  });

  it('when a base URL is http:// with NODE_ENV=production, then it is refused', () => {
    const problems = problemsOf({ ...minimal, KLAVIYO_BASE_URL: 'http://a.klaviyo.com', MAVERA_BASE_URL: 'http://mavera.internal/api/v1', NODE_ENV: 'production' });
    expect(problems).toEqual([expect.stringMatching(/^KLAVIYO_BASE_URL: must be https:\/\//), expect.stringMatching(/^MAVERA_BASE_URL: must be https:\/\//)]);
  });

  it('when a secret is invalid, then its value never appears in the message', () => {
    const secret = 'sk_live_wrongprefix_verysecret';
    const problems = problemsOf({ ...minimal, KLAVIYO_API_KEY: secret });
    expect(problems.join('\n')).not.toContain(secret);
  });
});
