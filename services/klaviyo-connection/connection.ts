import { createHash, randomBytes } from 'node:crypto';
import type { KlaviyoOAuthConfig } from '../../src/config.js';
import type { Logger } from '../../src/lib/logger.js';
import type { ReadinessCheck } from '../../src/lib/readiness.js';
import { createSecretsBox, SecretsKeyMismatchError } from '../../src/lib/secrets-box.js';
import type { KlaviyoConnectionStore, StoredKlaviyoConnection } from '../../src/store/klaviyo-connection.js';
import type { KlaviyoCredentials } from '../klaviyo/credentials.js';
import { KlaviyoAuthError } from '../klaviyo/errors.js';
import { createOAuthTokenClient, OAuthGrantError, type OAuthTokenAnswer } from './token-client.js';

/** What the service asks for by default: what sync, jobs, privacy and webhook registration use. */
export const DEFAULT_SCOPES = [
  'accounts:read',
  'campaigns:read',
  'catalogs:read',
  'catalogs:write',
  'data-privacy:write',
  'events:read',
  'events:write',
  'flows:read',
  'lists:read',
  'lists:write',
  'metrics:read',
  'profiles:read',
  'profiles:write',
  'segments:read',
  'subscriptions:write',
  'templates:read',
  'webhooks:read',
  'webhooks:write',
];

/** A pending authorization lives this long (the ops person opens the URL, approves, comes back). */
export const AUTHORIZATION_TTL_MS = 10 * 60_000;
/** An access token this close to its expiry is refreshed before it is used. */
const REFRESH_AHEAD_MS = 60_000;
const CREDENTIALS_CONTEXT = 'klaviyo-oauth-credentials';
const VERIFIER_CONTEXT = 'klaviyo-oauth-verifier';

/** The credential object, sealed whole in the store (every refresh persists it whole). */
interface Credentials {
  access_token: string;
  refresh_token: string;
  /** Epoch ms. */
  access_expires_at: number;
  scope: string;
}

export interface ConnectionStatus {
  mode: 'api_key' | 'oauth';
  status: 'connected' | 'not_connected' | 'revoked' | 'failing';
  account_id?: string | null;
  scopes?: string[];
  access_expires_at?: string | null;
  last_refresh_at?: string | null;
  last_error?: string | null;
}

export type CallbackOutcome = { ok: true; scopes: string[] } | { ok: false; status: 400 | 502; reason: string };

export interface KlaviyoConnectionOptions {
  config: KlaviyoOAuthConfig;
  store: KlaviyoConnectionStore;
  /** KLAVIYO_BASE_URL: Klaviyo's token endpoints are `/oauth/token` and `/oauth/revoke` under it. */
  baseUrl: string;
  fetch?: typeof fetch;
  logger: Logger;
  clock?: () => Date;
}

const b64url = (bytes: Buffer) => bytes.toString('base64url');

/**
 * The OAuth app mode's connection (docs/klaviyo-connection.md): the install (authorization code +
 * PKCE S256, a single-use `state`), the credentials the Klaviyo client uses (refreshed ahead of
 * expiry and once after a 401, one refresh at a time), status, and disconnect. Tokens exist in
 * memory and, sealed with SECRETS_KEY, in the store: never in logs or answers.
 */
export function createKlaviyoConnection(options: KlaviyoConnectionOptions) {
  const { config, store, logger } = options;
  const tokens = createOAuthTokenClient({ baseUrl: options.baseUrl, clientId: config.clientId, clientSecret: config.clientSecret, fetch: options.fetch });
  const clock = options.clock ?? (() => new Date());
  const box = createSecretsBox(config.secretsKey);
  const log = logger.child({ component: 'klaviyo-connection' });
  let cached: { version: number; credentials: Credentials } | undefined;
  let refreshing: Promise<string> | undefined;

  const notConnected = (why: string) =>
    new KlaviyoAuthError({ status: undefined, code: 'not_connected', message: `Klaviyo is not connected: ${why}`, retryable: false, limitClass: undefined });

  /** The stored connection with its credentials opened; throws an auth error when there is none usable. */
  async function load(): Promise<{ stored: StoredKlaviyoConnection; credentials: Credentials }> {
    const stored = await store.get();
    if (!stored) throw notConnected('install the OAuth app (POST /v1/klaviyo/oauth/start)');
    if (stored.status === 'revoked') throw notConnected(`the grant was revoked (${stored.lastError ?? 'revoked'}); install again`);
    if (cached?.version === stored.version) return { stored, credentials: cached.credentials };
    try {
      const credentials = JSON.parse(box.open(stored.sealedCredentials, CREDENTIALS_CONTEXT)) as Credentials;
      cached = { version: stored.version, credentials };
      return { stored, credentials };
    } catch (error) {
      if (error instanceof SecretsKeyMismatchError) throw notConnected('SECRETS_KEY cannot decrypt the stored tokens (was it changed?); install again');
      throw error;
    }
  }

  const recordOf = (credentials: Credentials, stored: StoredKlaviyoConnection | undefined, now: Date, extra: { lastRefreshAt?: Date | null } = {}) => ({
    sealedCredentials: box.seal(JSON.stringify(credentials), CREDENTIALS_CONTEXT),
    status: 'connected' as const,
    scopes: credentials.scope.split(/\s+/).filter(Boolean),
    accountId: stored?.accountId ?? null,
    accessExpiresAt: new Date(credentials.access_expires_at),
    lastRefreshAt: extra.lastRefreshAt ?? stored?.lastRefreshAt ?? null,
    lastError: null,
  });

  const fromAnswer = (answer: OAuthTokenAnswer, previous: Credentials | undefined, now: Date): Credentials => ({
    access_token: answer.access_token,
    // Klaviyo may rotate the refresh token or keep it: the answer's, else the one we had.
    refresh_token: answer.refresh_token ?? previous?.refresh_token ?? '',
    access_expires_at: now.getTime() + answer.expires_in * 1000,
    scope: answer.scope ?? previous?.scope ?? '',
  });

  /** One refresh at a time: the token of whoever refreshed (here, or another writer whose save won). */
  async function refresh(): Promise<string> {
    refreshing ??= (async () => {
      try {
        const { stored, credentials } = await load();
        const now = clock();
        let answer: OAuthTokenAnswer;
        try {
          answer = await tokens.refresh(credentials.refresh_token);
        } catch (error) {
          if (error instanceof OAuthGrantError) {
            await store.save({ ...stored, status: 'revoked', lastError: error.message }, stored.version, now);
            log.error({ code: error.code, status: error.status }, 'Klaviyo refused the refresh token: the connection is revoked; install again');
            throw notConnected(error.message);
          }
          const why = error instanceof Error ? error.message : String(error);
          await store.save({ ...stored, status: 'failing', lastError: why }, stored.version, now);
          // Held like a rejected key: the worker pauses, items stay pending (never dead), /readyz says why.
          throw notConnected(`refreshing the access token failed (${why}); retrying`);
        }
        const next = fromAnswer(answer, credentials, now);
        const version = await store.save(recordOf(next, stored, now, { lastRefreshAt: now }), stored.version, now);
        if (version === undefined) {
          // Another writer saved first (a re-install): use what is stored now.
          return (await load()).credentials.access_token;
        }
        cached = { version, credentials: next };
        log.info({ accessExpiresAt: new Date(next.access_expires_at).toISOString() }, 'Klaviyo access token refreshed');
        return next.access_token;
      } finally {
        refreshing = undefined;
      }
    })();
    return refreshing;
  }

  const credentials: KlaviyoCredentials = {
    async authorization() {
      if (refreshing) return `Bearer ${await refreshing}`;
      const { credentials: current } = await load();
      if (current.access_expires_at - clock().getTime() > REFRESH_AHEAD_MS) return `Bearer ${current.access_token}`;
      return `Bearer ${await refresh()}`;
    },
    async refreshAfterUnauthorized(rejected) {
      const { credentials: current } = await load();
      // Someone refreshed since that request was sent: try with the newer token.
      if (`Bearer ${current.access_token}` !== rejected) return true;
      try {
        await refresh();
        return true;
      } catch {
        return false;
      }
    },
  };

  return {
    credentials,

    /** POST /v1/klaviyo/oauth/start: a single-use authorization request, valid 10 minutes. */
    async start(scopes: readonly string[] = DEFAULT_SCOPES): Promise<{ authorize_url: string; expires_at: string }> {
      const now = clock();
      const state = b64url(randomBytes(32));
      const verifier = b64url(randomBytes(32));
      const challenge = b64url(createHash('sha256').update(verifier).digest());
      const expiresAt = new Date(now.getTime() + AUTHORIZATION_TTL_MS);
      await store.addState({ state, sealedVerifier: box.seal(verifier, VERIFIER_CONTEXT), scopes: [...scopes], createdAt: now, expiresAt });
      const url = new URL(config.authorizeUrl);
      url.search = new URLSearchParams({
        response_type: 'code',
        client_id: config.clientId,
        redirect_uri: config.redirectUrl,
        scope: scopes.join(' '),
        state,
        code_challenge_method: 'S256',
        code_challenge: challenge,
      }).toString();
      return { authorize_url: url.toString(), expires_at: expiresAt.toISOString() };
    },

    /** GET /oauth/klaviyo/callback: the state is taken once; the code exchanged; the tokens sealed and stored. */
    async callback(query: { code?: string; state?: string; error?: string }): Promise<CallbackOutcome> {
      const now = clock();
      const pending = query.state ? await store.takeState(query.state, now) : undefined;
      if (!pending) return { ok: false, status: 400, reason: 'This authorization link is unknown, expired or already used. Start the connection again.' };
      if (query.error) return { ok: false, status: 400, reason: `Klaviyo did not grant access (${query.error}).` };
      if (!query.code) return { ok: false, status: 400, reason: 'Klaviyo sent no authorization code.' };
      let answer: OAuthTokenAnswer;
      try {
        answer = await tokens.exchangeCode({ code: query.code, codeVerifier: box.open(pending.sealedVerifier, VERIFIER_CONTEXT), redirectUri: config.redirectUrl });
      } catch (error) {
        if (error instanceof OAuthGrantError) return { ok: false, status: 400, reason: `Klaviyo refused the authorization code (${error.code}). Start the connection again.` };
        return { ok: false, status: 502, reason: 'Klaviyo could not be reached to finish the connection. Start it again in a moment.' };
      }
      const next = fromAnswer(answer, undefined, now);
      // A re-install replaces whatever was there, whatever its version.
      const stored = await store.get();
      const version = await store.save(recordOf(next, undefined, now), stored?.version ?? 0, now);
      if (version === undefined) return { ok: false, status: 400, reason: 'Another connection was being saved at the same time. Start the connection again.' };
      cached = { version, credentials: next };
      log.info({ scopes: next.scope }, 'Klaviyo connected (OAuth)');
      return { ok: true, scopes: next.scope.split(/\s+/).filter(Boolean) };
    },

    /** GET /v1/klaviyo/connection: never a token. */
    async status(): Promise<ConnectionStatus> {
      const stored = await store.get();
      if (!stored) return { mode: 'oauth', status: 'not_connected' };
      let status: ConnectionStatus['status'] = stored.status;
      let lastError = stored.lastError;
      try {
        if (stored.status !== 'revoked') box.open(stored.sealedCredentials, CREDENTIALS_CONTEXT);
      } catch {
        status = 'failing';
        lastError = 'SECRETS_KEY cannot decrypt the stored tokens (was it changed?): install again';
      }
      return {
        mode: 'oauth',
        status,
        account_id: stored.accountId,
        scopes: stored.scopes,
        access_expires_at: stored.accessExpiresAt?.toISOString() ?? null,
        last_refresh_at: stored.lastRefreshAt?.toISOString() ?? null,
        last_error: lastError,
      };
    },

    /** DELETE /v1/klaviyo/connection: revokes at Klaviyo (best effort) and forgets the tokens. */
    async disconnect(): Promise<void> {
      try {
        const { credentials: current } = await load();
        await tokens.revoke(current.refresh_token, 'refresh_token');
      } catch (error) {
        log.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not revoke the Klaviyo grant; forgetting it anyway');
      }
      await store.clear();
      cached = undefined;
    },

    /** /readyz `klaviyo_connection`: failing, with why, while not connected. */
    readiness: {
      name: 'klaviyo_connection',
      async check() {
        const stored = await store.get();
        if (!stored) return { ok: false, detail: 'not connected: install the OAuth app (POST /v1/klaviyo/oauth/start)' };
        if (stored.status !== 'connected') return { ok: false, detail: `${stored.status}: ${stored.lastError ?? ''}`.trim() };
        return { ok: true };
      },
    } satisfies ReadinessCheck,
  };
}

export type KlaviyoConnection = ReturnType<typeof createKlaviyoConnection>;
