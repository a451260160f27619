/**
 * Klaviyo's OAuth 2.0 authorization server for the one app of `options.oauth`: authorization code
 * with PKCE (S256 only), refresh, revocation (RFC 6749, RFC 7636, RFC 7009), and the access tokens
 * the API pipeline accepts as `Authorization: Bearer`. Times come from the sandbox clock and are
 * Klaviyo times divided by `speedUp`. HTTP lives in ./routes.ts; this file holds state and rules.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { OAuthTokenCounts, SandboxOAuthHandle, SandboxOAuthOptions } from '../types.js';

export const DEFAULT_ACCESS_TOKEN_TTL_S = 3600;
export const AUTHORIZATION_CODE_TTL_S = 600;
export const DEFAULT_OAUTH_ACCOUNT_ID = 'SBXACC';
export const DEFAULT_OAUTH_APP_NAME = 'Sandbox OAuth app';

const SCOPE_FORMAT = /^[a-z][a-z-]*:(read|write)$/;
const CODE_CHALLENGE_FORMAT = /^[A-Za-z0-9_-]{43}$/;
const CODE_VERIFIER_FORMAT = /^[A-Za-z0-9._~-]{43,128}$/;

/** An RFC 6749 error of the token and revoke endpoints: `{error, error_description}` with its status. */
export class OAuthError extends Error {
  constructor(
    readonly status: 400 | 401,
    readonly error: string,
    readonly description: string,
  ) {
    super(`${error}: ${description}`);
  }
}

/** What the authorize endpoint (and the consent form's POST) accepted. */
export interface AuthorizeRequest {
  clientId: string;
  redirectUri: string;
  scopes: string[];
  state: string | undefined;
  codeChallenge: string;
}

/**
 * The verdict on an authorize request: serve the consent page, redirect an error to the client
 * (RFC 6749 §4.1.2.1), or show a 400 page because the client or redirect URI cannot be trusted.
 */
export type AuthorizeVerdict =
  | { kind: 'ok'; request: AuthorizeRequest }
  | { kind: 'redirect'; location: string }
  | { kind: 'page'; message: string };

export interface TokenAnswer {
  access_token: string;
  refresh_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

export interface BearerIdentity {
  clientId: string;
  scopes: ReadonlySet<string>;
}

interface CodeRecord {
  clientId: string;
  redirectUri: string;
  scopes: string[];
  codeChallenge: string;
  expiresAtMs: number;
  /** Set by the first exchange attempt: a code is good for one. */
  used: boolean;
  /** The grant its successful exchange created (revoked if the code comes back). */
  grantId: number | null;
}

interface Grant {
  id: number;
  clientId: string;
  scopes: string[];
  /** The refresh token that works now (rotation replaces it). */
  refreshToken: string;
  revoked: boolean;
  accessTokens: AccessToken[];
}

interface AccessToken {
  token: string;
  grantId: number;
  scopes: ReadonlySet<string>;
  expiresAtMs: number;
  revoked: boolean;
}

function opaqueToken(): string {
  return randomBytes(32).toString('base64url');
}

function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given === expected;
}

/** A parameter's value, `undefined` when absent; a repeated parameter is malformed (RFC 6749 §3.1). */
export function singleParam(params: URLSearchParams, name: string): string | undefined | { repeated: true } {
  const values = params.getAll(name);
  if (values.length > 1) return { repeated: true };
  return values[0];
}

function withParams(redirectUri: string, params: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
  return url.toString();
}

export function checkOAuthOptions(options: SandboxOAuthOptions): void {
  if (!options.clientId) throw new Error('startKlaviyoSandbox: oauth.clientId is required');
  if (!options.clientSecret) throw new Error('startKlaviyoSandbox: oauth.clientSecret is required');
  if (!Array.isArray(options.redirectUris) || options.redirectUris.length === 0) throw new Error('startKlaviyoSandbox: oauth.redirectUris needs at least one URI');
  for (const uri of options.redirectUris) {
    try {
      new URL(uri);
    } catch {
      throw new Error(`startKlaviyoSandbox: oauth.redirectUris: ${uri} is not an absolute URL`);
    }
  }
  const ttl = options.accessTokenTtlS;
  if (ttl !== undefined && !(Number.isFinite(ttl) && ttl > 0)) throw new Error('startKlaviyoSandbox: oauth.accessTokenTtlS must be > 0');
}

export class OAuthServer {
  readonly clientId: string;
  readonly redirectUris: readonly string[];
  readonly accountId: string;
  readonly appName: string;
  readonly accessTokenTtlS: number;
  private readonly clientSecret: string;
  private readonly refreshRotates: boolean;
  private readonly codes = new Map<string, CodeRecord>();
  private readonly grants = new Map<number, Grant>();
  private readonly refreshTokens = new Map<string, number>();
  private readonly accessTokens = new Map<string, AccessToken>();
  private nextGrantId = 1;
  private counts = { issued: 0, refreshed: 0, revoked: 0 };

  constructor(
    options: SandboxOAuthOptions,
    private readonly now: () => number,
    private readonly speedUp: number,
  ) {
    this.clientId = options.clientId;
    this.clientSecret = options.clientSecret;
    this.redirectUris = [...options.redirectUris];
    this.accountId = options.accountId ?? DEFAULT_OAUTH_ACCOUNT_ID;
    this.appName = options.appName ?? DEFAULT_OAUTH_APP_NAME;
    this.accessTokenTtlS = options.accessTokenTtlS ?? DEFAULT_ACCESS_TOKEN_TTL_S;
    this.refreshRotates = options.refreshRotates ?? true;
  }

  /** Real milliseconds of a Klaviyo duration. */
  private realMs(klaviyoSeconds: number): number {
    return (klaviyoSeconds * 1000) / this.speedUp;
  }

  // ---- authorize -------------------------------------------------------------------------------

  /**
   * Judges `/oauth/authorize` parameters (the query, or the consent form's fields). The client and
   * redirect URI come first: until both are known nothing may be redirected (RFC 6749 §4.1.2.1).
   */
  checkAuthorize(params: URLSearchParams): AuthorizeVerdict {
    const clientId = singleParam(params, 'client_id');
    if (typeof clientId !== 'string' || clientId === '') return { kind: 'page', message: 'The client_id is missing or repeated.' };
    if (clientId !== this.clientId) return { kind: 'page', message: 'Unknown client_id: no app is registered with it.' };
    const redirectUri = singleParam(params, 'redirect_uri');
    if (typeof redirectUri !== 'string' || redirectUri === '') return { kind: 'page', message: 'The redirect_uri is missing or repeated.' };
    if (!this.redirectUris.includes(redirectUri)) return { kind: 'page', message: 'The redirect_uri is not registered for this app.' };

    const stateParam = singleParam(params, 'state');
    const state = typeof stateParam === 'string' ? stateParam : undefined;
    const fail = (error: string, description: string): AuthorizeVerdict => ({
      kind: 'redirect',
      location: withParams(redirectUri, { error, error_description: description, state }),
    });
    if (typeof stateParam === 'object') return fail('invalid_request', 'The state parameter is repeated.');

    const responseType = singleParam(params, 'response_type');
    if (typeof responseType !== 'string' || responseType === '') return fail('invalid_request', 'The response_type parameter is missing or repeated.');
    if (responseType !== 'code') return fail('unsupported_response_type', `Unsupported response_type '${responseType}': use 'code'.`);
    const method = singleParam(params, 'code_challenge_method');
    if (method !== 'S256') return fail('invalid_request', 'PKCE is required with code_challenge_method=S256.');
    const challenge = singleParam(params, 'code_challenge');
    if (typeof challenge !== 'string' || challenge === '') return fail('invalid_request', 'The code_challenge parameter is missing or repeated.');
    if (!CODE_CHALLENGE_FORMAT.test(challenge)) return fail('invalid_request', 'The code_challenge must be the base64url SHA-256 of the verifier (43 characters).');
    const scope = singleParam(params, 'scope');
    if (typeof scope !== 'string') return fail('invalid_scope', 'The scope parameter is missing or repeated.');
    const scopes = [...new Set(scope.split(' ').filter((item) => item !== ''))];
    if (scopes.length === 0) return fail('invalid_scope', 'No scope was requested.');
    const malformed = scopes.find((item) => !SCOPE_FORMAT.test(item));
    if (malformed) return fail('invalid_scope', `Malformed scope '${malformed}': expected <resource>:read or <resource>:write.`);
    return { kind: 'ok', request: { clientId, redirectUri, scopes, state, codeChallenge: challenge } };
  }

  /** The consent decision: a code in the redirect, or `access_denied`. */
  decide(request: AuthorizeRequest, approve: boolean): string {
    if (!approve) return withParams(request.redirectUri, { error: 'access_denied', error_description: 'The user denied the request.', state: request.state });
    const code = opaqueToken();
    this.codes.set(code, {
      clientId: request.clientId,
      redirectUri: request.redirectUri,
      scopes: request.scopes,
      codeChallenge: request.codeChallenge,
      expiresAtMs: this.now() + this.realMs(AUTHORIZATION_CODE_TTL_S),
      used: false,
      grantId: null,
    });
    return withParams(request.redirectUri, { code, state: request.state });
  }

  private decideUrl(authorizeUrl: string, approve: boolean): { location: string } {
    const verdict = this.checkAuthorize(new URL(authorizeUrl, 'http://sandbox.invalid').searchParams);
    if (verdict.kind === 'page') throw new Error(`the authorize request would get a 400 page, not a redirect: ${verdict.message}`);
    if (verdict.kind === 'redirect') return { location: verdict.location };
    return { location: this.decide(verdict.request, approve) };
  }

  // ---- token and revoke ------------------------------------------------------------------------

  /** HTTP Basic `client_id:client_secret` (each form-encoded, RFC 6749 §2.3.1, or sent as is). */
  authenticateClient(header: string | undefined): void {
    const invalid = new OAuthError(401, 'invalid_client', 'Client authentication failed: send HTTP Basic client_id:client_secret.');
    if (!header || !/^basic /i.test(header)) throw invalid;
    const decoded = Buffer.from(header.slice('basic '.length).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw invalid;
    const rawId = decoded.slice(0, colon);
    const rawSecret = decoded.slice(colon + 1);
    const formDecode = (value: string) => {
      try {
        return decodeURIComponent(value.replace(/\+/g, ' '));
      } catch {
        return value;
      }
    };
    const idOk = rawId === this.clientId || formDecode(rawId) === this.clientId;
    const secretOk = sameSecret(rawSecret, this.clientSecret) || sameSecret(formDecode(rawSecret), this.clientSecret);
    if (!idOk || !secretOk) throw invalid;
  }

  private required(params: URLSearchParams, name: string): string {
    const value = singleParam(params, name);
    if (typeof value !== 'string' || value === '') throw new OAuthError(400, 'invalid_request', `The ${name} parameter is missing or repeated.`);
    return value;
  }

  /** `POST /oauth/token` after client authentication. */
  token(params: URLSearchParams): TokenAnswer {
    const grantType = this.required(params, 'grant_type');
    if (grantType === 'authorization_code') return this.exchangeCode(params);
    if (grantType === 'refresh_token') return this.refresh(params);
    throw new OAuthError(400, 'unsupported_grant_type', `Unsupported grant_type '${grantType}'.`);
  }

  private exchangeCode(params: URLSearchParams): TokenAnswer {
    const code = this.required(params, 'code');
    const verifier = this.required(params, 'code_verifier');
    const redirectUri = this.required(params, 'redirect_uri');
    const record = this.codes.get(code);
    if (!record) throw new OAuthError(400, 'invalid_grant', 'The authorization code is unknown.');
    if (record.used) {
      // RFC 6749 §4.1.2: a code used twice revokes what it issued.
      if (record.grantId !== null) this.revokeGrant(record.grantId);
      throw new OAuthError(400, 'invalid_grant', 'The authorization code has already been used.');
    }
    record.used = true;
    if (this.now() >= record.expiresAtMs) throw new OAuthError(400, 'invalid_grant', 'The authorization code has expired.');
    if (record.clientId !== this.clientId) throw new OAuthError(400, 'invalid_grant', 'The authorization code was issued to another client.');
    if (record.redirectUri !== redirectUri) throw new OAuthError(400, 'invalid_grant', 'The redirect_uri does not match the one of the authorization request.');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    if (!CODE_VERIFIER_FORMAT.test(verifier) || challenge !== record.codeChallenge) {
      throw new OAuthError(400, 'invalid_grant', 'The code_verifier does not match the code_challenge.');
    }
    const grant: Grant = { id: this.nextGrantId++, clientId: record.clientId, scopes: record.scopes, refreshToken: opaqueToken(), revoked: false, accessTokens: [] };
    this.grants.set(grant.id, grant);
    this.refreshTokens.set(grant.refreshToken, grant.id);
    record.grantId = grant.id;
    return this.issue(grant, grant.scopes);
  }

  private refresh(params: URLSearchParams): TokenAnswer {
    const refreshToken = this.required(params, 'refresh_token');
    const grantId = this.refreshTokens.get(refreshToken);
    const grant = grantId === undefined ? undefined : this.grants.get(grantId);
    if (!grant || grant.revoked || grant.refreshToken !== refreshToken) throw new OAuthError(400, 'invalid_grant', 'The refresh token is invalid, revoked or already used.');
    if (grant.clientId !== this.clientId) throw new OAuthError(400, 'invalid_grant', 'The refresh token was issued to another client.');
    let scopes = grant.scopes;
    const scope = singleParam(params, 'scope');
    if (typeof scope === 'object') throw new OAuthError(400, 'invalid_request', 'The scope parameter is repeated.');
    if (scope !== undefined) {
      const asked = [...new Set(scope.split(' ').filter((item) => item !== ''))];
      const extra = asked.find((item) => !grant.scopes.includes(item));
      if (extra) throw new OAuthError(400, 'invalid_scope', `The scope '${extra}' was not granted.`);
      scopes = asked;
    }
    if (this.refreshRotates) {
      this.refreshTokens.delete(grant.refreshToken);
      grant.refreshToken = opaqueToken();
      this.refreshTokens.set(grant.refreshToken, grant.id);
    }
    this.counts.refreshed++;
    return this.issue(grant, scopes);
  }

  private issue(grant: Grant, scopes: string[]): TokenAnswer {
    const access: AccessToken = { token: opaqueToken(), grantId: grant.id, scopes: new Set(scopes), expiresAtMs: this.now() + this.realMs(this.accessTokenTtlS), revoked: false };
    this.accessTokens.set(access.token, access);
    grant.accessTokens.push(access);
    this.counts.issued++;
    return { access_token: access.token, refresh_token: grant.refreshToken, token_type: 'Bearer', expires_in: this.accessTokenTtlS, scope: scopes.join(' ') };
  }

  private revokeAccess(access: AccessToken): void {
    if (access.revoked) return;
    access.revoked = true;
    if (this.now() < access.expiresAtMs) this.counts.revoked++;
  }

  private revokeGrant(grantId: number): void {
    const grant = this.grants.get(grantId);
    if (!grant || grant.revoked) return;
    grant.revoked = true;
    this.refreshTokens.delete(grant.refreshToken);
    for (const access of grant.accessTokens) this.revokeAccess(access);
  }

  /**
   * `POST /oauth/revoke` after client authentication (RFC 7009): a refresh token revokes its grant
   * (and so every access token of it), an access token only itself. An unknown token is no error.
   * `token_type_hint` only orders the search, as the RFC allows.
   */
  revoke(params: URLSearchParams): void {
    const token = this.required(params, 'token');
    const grantId = this.refreshTokens.get(token);
    if (grantId !== undefined) {
      this.revokeGrant(grantId);
      return;
    }
    const access = this.accessTokens.get(token);
    if (access) this.revokeAccess(access);
  }

  // ---- the API side ----------------------------------------------------------------------------

  /** The app and scopes of a valid access token, or null (unknown, expired by the clock, revoked). */
  authenticateBearer(token: string, nowMs: number): BearerIdentity | null {
    const access = this.accessTokens.get(token);
    if (!access || access.revoked || nowMs >= access.expiresAtMs) return null;
    const grant = this.grants.get(access.grantId);
    if (!grant || grant.revoked) return null;
    return { clientId: grant.clientId, scopes: access.scopes };
  }

  tokens(): OAuthTokenCounts {
    const now = this.now();
    let active = 0;
    for (const access of this.accessTokens.values()) if (!access.revoked && now < access.expiresAtMs) active++;
    let grants = 0;
    for (const grant of this.grants.values()) if (!grant.revoked) grants++;
    return { ...this.counts, active, grants };
  }

  expireAccessTokens(): number {
    const now = this.now();
    let expired = 0;
    for (const access of this.accessTokens.values()) {
      if (!access.revoked && now < access.expiresAtMs) expired++;
      access.expiresAtMs = Math.min(access.expiresAtMs, now);
    }
    return expired;
  }

  revokeAll(): number {
    let revoked = 0;
    for (const grant of this.grants.values()) {
      if (grant.revoked) continue;
      this.revokeGrant(grant.id);
      revoked++;
    }
    return revoked;
  }

  handle(): SandboxOAuthHandle {
    return {
      clientId: this.clientId,
      clientSecret: this.clientSecret,
      redirectUris: this.redirectUris,
      accountId: this.accountId,
      approve: (authorizeUrl) => this.decideUrl(authorizeUrl, true),
      deny: (authorizeUrl) => this.decideUrl(authorizeUrl, false),
      tokens: () => this.tokens(),
      expireAccessTokens: () => this.expireAccessTokens(),
      revokeAll: () => this.revokeAll(),
    };
  }
}
