import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startKlaviyoSandbox, type KlaviyoSandbox, type SandboxOAuthOptions } from '../../sandbox/klaviyo/index.js';
import { buildOperations, loadSubsetSpec } from '../../sandbox/klaviyo/spec.js';
import { API_KEY, klaviyo, manualClock, startSandbox } from './klaviyo-support.js';

const CLIENT_ID = 'bridge-oauth-client-0001';
const CLIENT_SECRET = 'bridge-oauth-secret-0123456789abcdef';
const REDIRECT = 'http://127.0.0.1:9/oauth/klaviyo/callback';
const ALL_SCOPES = 'accounts:read profiles:read profiles:write flows:read campaigns:read webhooks:read webhooks:write';

function oauthOptions(overrides: Partial<SandboxOAuthOptions> = {}): SandboxOAuthOptions {
  return { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: [REDIRECT, 'https://bridge.example.com/cb'], accountId: 'AbC123', appName: 'klaviyo-bridge', ...overrides };
}

async function startOAuthSandbox(overrides: Partial<SandboxOAuthOptions> = {}, options: Parameters<typeof startSandbox>[0] = {}) {
  const sandbox = await startSandbox({ ...options, oauth: oauthOptions(overrides) });
  if (!sandbox.oauth) throw new Error('the sandbox was started with oauth, so it must have its handle');
  return { sandbox, oauth: sandbox.oauth };
}

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authorizeUrl(sandbox: KlaviyoSandbox, params: Record<string, string | undefined>): string {
  const url = new URL('/oauth/authorize', sandbox.url);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
  return url.toString();
}

function validParams(challenge: string, overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return { response_type: 'code', client_id: CLIENT_ID, redirect_uri: REDIRECT, scope: ALL_SCOPES, state: 'st-42', code_challenge_method: 'S256', code_challenge: challenge, ...overrides };
}

function basic(id = CLIENT_ID, secret = CLIENT_SECRET): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

async function postForm(sandbox: KlaviyoSandbox, path: string, form: Record<string, string>, authorization: string | undefined = basic(), contentType = 'application/x-www-form-urlencoded') {
  const headers: Record<string, string> = { 'content-type': contentType };
  if (authorization) headers.authorization = authorization;
  const response = await fetch(`${sandbox.url}${path}`, { method: 'POST', headers, body: new URLSearchParams(form).toString(), redirect: 'manual' });
  const text = await response.text();
  let body: any = undefined; // eslint-disable-line @typescript-eslint/no-explicit-any -- token answers and RFC 6749 errors
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return { status: response.status, headers: response.headers, body };
}

/** Approve (through the handle) and exchange: the token answer and the verifier used. */
async function connect(sandbox: KlaviyoSandbox, scope = ALL_SCOPES) {
  const { verifier, challenge } = pkce();
  const { location } = sandbox.oauth!.approve(authorizeUrl(sandbox, validParams(challenge, { scope })));
  const code = new URL(location).searchParams.get('code') ?? '';
  const answer = await postForm(sandbox, '/oauth/token', { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT });
  expect(answer.status).toBe(200);
  return { tokens: answer.body as { access_token: string; refresh_token: string; token_type: string; expires_in: number; scope: string }, code, verifier };
}

function bearer(token: string) {
  return { authorization: `Bearer ${token}` };
}

const WEBHOOK_BODY = {
  data: {
    type: 'webhook',
    attributes: { name: 'bridge', endpoint_url: 'https://bridge.example.com/webhooks/klaviyo', secret_key: 'whsec-0123456789abcdef' },
    relationships: { 'webhook-topics': { data: [{ type: 'webhook-topic', id: 'event:klaviyo.sent_sms' }] } },
  },
};

describe('Klaviyo sandbox OAuth: the authorize endpoint and the consent page', () => {
  it('when a valid authorize URL is opened, then the consent page names the app, the account and the scopes, and its form carries the request', async () => {
    const { sandbox } = await startOAuthSandbox();
    const { challenge } = pkce();
    const response = await fetch(authorizeUrl(sandbox, validParams(challenge)), { redirect: 'manual' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await response.text();
    expect(page).toContain('klaviyo-bridge');
    expect(page).toContain('AbC123');
    for (const scope of ALL_SCOPES.split(' ')) expect(page).toContain(`<li>${scope}</li>`);
    expect(page).toContain('action="/oauth/authorize/decision"');
    for (const [name, value] of Object.entries(validParams(challenge))) expect(page).toContain(`name="${name}" value="${value}"`);
  });

  it('when the consent form is posted with approve=1, then 302 to the redirect URI with a code and the state; approve=0 → access_denied', async () => {
    const { sandbox } = await startOAuthSandbox();
    const { verifier, challenge } = pkce();
    const form = { ...(validParams(challenge) as Record<string, string>) };
    const allowed = await postForm(sandbox, '/oauth/authorize/decision', { ...form, approve: '1' }, '');
    expect(allowed.status).toBe(302);
    const location = new URL(allowed.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
    expect(location.searchParams.get('state')).toBe('st-42');
    const code = location.searchParams.get('code') ?? '';
    expect(code.length).toBeGreaterThan(20);
    // The code is real: it exchanges.
    const exchanged = await postForm(sandbox, '/oauth/token', { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT });
    expect(exchanged.status).toBe(200);

    const denied = await postForm(sandbox, '/oauth/authorize/decision', { ...form, approve: '0' }, '');
    expect(denied.status).toBe(302);
    const deniedAt = new URL(denied.headers.get('location') ?? '');
    expect(deniedAt.searchParams.get('error')).toBe('access_denied');
    expect(deniedAt.searchParams.get('state')).toBe('st-42');
    expect(deniedAt.searchParams.has('code')).toBe(false);
    expect(new URL(sandbox.oauth!.deny(authorizeUrl(sandbox, validParams(challenge))).location).searchParams.get('error')).toBe('access_denied');
  });

  it.each([
    ['an unknown client_id', { client_id: 'someone-else' }],
    ['no client_id', { client_id: undefined }],
    ['a redirect_uri that is not registered', { redirect_uri: 'https://evil.example.com/cb' }],
    ['a registered redirect_uri with a trailing slash (no normalisation)', { redirect_uri: 'https://bridge.example.com/cb/' }],
    ['a registered redirect_uri plus a query', { redirect_uri: `${REDIRECT}?x=1` }],
    ['no redirect_uri', { redirect_uri: undefined }],
  ])('when the authorize URL has %s, then a 400 HTML page and never a redirect', async (_name, overrides) => {
    const { sandbox, oauth } = await startOAuthSandbox();
    const url = authorizeUrl(sandbox, validParams(pkce().challenge, overrides));
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toContain('could not be authorized');
    expect(() => oauth.approve(url)).toThrow(/400 page/);
  });

  it.each([
    ['no response_type', { response_type: undefined }, 'invalid_request'],
    ['response_type=token', { response_type: 'token' }, 'unsupported_response_type'],
    ['no code_challenge_method', { code_challenge_method: undefined }, 'invalid_request'],
    ['code_challenge_method=plain', { code_challenge_method: 'plain' }, 'invalid_request'],
    ['no code_challenge', { code_challenge: undefined }, 'invalid_request'],
    ['a code_challenge that is no S256 digest', { code_challenge: 'short' }, 'invalid_request'],
    ['no scope', { scope: undefined }, 'invalid_scope'],
    ['a malformed scope', { scope: 'profiles:read everything' }, 'invalid_scope'],
  ])('when the authorize URL has %s, then a redirect with error=%s and the state', async (_name, overrides, error) => {
    const { sandbox, oauth } = await startOAuthSandbox();
    const url = authorizeUrl(sandbox, validParams(pkce().challenge, overrides));
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
    expect(location.searchParams.get('error')).toBe(error);
    expect(location.searchParams.get('state')).toBe('st-42');
    expect(location.searchParams.has('code')).toBe(false);
    expect(new URL(oauth.approve(url).location).searchParams.get('error')).toBe(error);
  });

  it('when a parameter is repeated, then invalid_request (RFC 6749 §3.1)', async () => {
    const { sandbox } = await startOAuthSandbox();
    const url = `${authorizeUrl(sandbox, validParams(pkce().challenge))}&code_challenge_method=S256`;
    const response = await fetch(url, { redirect: 'manual' });
    expect(new URL(response.headers.get('location') ?? '').searchParams.get('error')).toBe('invalid_request');
  });
});

describe('Klaviyo sandbox OAuth: the token endpoint', () => {
  it('when a code is exchanged with its verifier and Basic client credentials, then 200 with Bearer tokens, and the access token is served by the API', async () => {
    const { sandbox, oauth } = await startOAuthSandbox({ accessTokenTtlS: 1800 });
    const { tokens } = await connect(sandbox);
    expect(tokens).toEqual({ access_token: expect.any(String), refresh_token: expect.any(String), token_type: 'Bearer', expires_in: 1800, scope: ALL_SCOPES });
    expect(tokens.access_token).not.toBe(tokens.refresh_token);
    const answer = await klaviyo(sandbox, 'GET', '/api/profiles?page[size]=2', undefined, bearer(tokens.access_token));
    expect(answer.status).toBe(200);
    expect(answer.body.data).toHaveLength(2);
    expect(oauth.tokens()).toEqual({ issued: 1, refreshed: 0, revoked: 0, active: 1, grants: 1 });
    expect(sandbox.received().map((request) => request.auth)).toEqual(['oauth']);
  });

  it('when a code is exchanged a second time, then 400 invalid_grant and the tokens of the first exchange are revoked', async () => {
    const { sandbox, oauth } = await startOAuthSandbox();
    const { tokens, code, verifier } = await connect(sandbox);
    const again = await postForm(sandbox, '/oauth/token', { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT });
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ error: 'invalid_grant', error_description: expect.stringContaining('already been used') });
    expect((await klaviyo(sandbox, 'GET', '/api/flows', undefined, bearer(tokens.access_token))).status).toBe(401);
    const refresh = await postForm(sandbox, '/oauth/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(refresh.body.error).toBe('invalid_grant');
    expect(oauth.tokens()).toMatchObject({ revoked: 1, active: 0, grants: 0 });
  });

  it('when the verifier does not match the challenge, then invalid_grant, and the code is spent', async () => {
    const { sandbox, oauth } = await startOAuthSandbox();
    const { verifier, challenge } = pkce();
    const code = new URL(oauth.approve(authorizeUrl(sandbox, validParams(challenge))).location).searchParams.get('code') ?? '';
    const wrong = await postForm(sandbox, '/oauth/token', { grant_type: 'authorization_code', code, code_verifier: pkce().verifier, redirect_uri: REDIRECT });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe('invalid_grant');
    const right = await postForm(sandbox, '/oauth/token', { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT });
    expect(right.body.error).toBe('invalid_grant');
    expect(oauth.tokens().issued).toBe(0);
  });

  it('when the redirect_uri differs from the authorization request, then invalid_grant', async () => {
    const { sandbox, oauth } = await startOAuthSandbox();
    const { verifier, challenge } = pkce();
    const code = new URL(oauth.approve(authorizeUrl(sandbox, validParams(challenge))).location).searchParams.get('code') ?? '';
    const answer = await postForm(sandbox, '/oauth/token', { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: 'https://bridge.example.com/cb' });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_grant');
  });

  it('when the code is exchanged more than 10 Klaviyo minutes after consent, then invalid_grant (speedUp divides the 10 minutes)', async () => {
    const clock = manualClock();
    const { sandbox, oauth } = await startOAuthSandbox({}, { now: clock.now, speedUp: 10 });
    const fresh = pkce();
    const stale = pkce();
    const codeOf = (challenge: string) => new URL(oauth.approve(authorizeUrl(sandbox, validParams(challenge))).location).searchParams.get('code') ?? '';
    const staleCode = codeOf(stale.challenge);
    clock.advance(59_999); // 10 Klaviyo minutes at speedUp 10 are 60 s
    const freshCode = codeOf(fresh.challenge);
    expect((await postForm(sandbox, '/oauth/token', { grant_type: 'authorization_code', code: staleCode, code_verifier: stale.verifier, redirect_uri: REDIRECT })).status).toBe(200);
    clock.advance(60_000);
    const expired = await postForm(sandbox, '/oauth/token', { grant_type: 'authorization_code', code: freshCode, code_verifier: fresh.verifier, redirect_uri: REDIRECT });
    expect(expired.status).toBe(400);
    expect(expired.body).toEqual({ error: 'invalid_grant', error_description: expect.stringContaining('expired') });
  });

  it.each([
    ['a wrong secret', basic(CLIENT_ID, 'not-the-secret')],
    ['an unknown client', basic('other-client', CLIENT_SECRET)],
    ['no Authorization header', ''],
    ['the credentials as a Bearer token', `Bearer ${CLIENT_SECRET}`],
  ])('when the client authenticates with %s, then 401 invalid_client with a Basic challenge', async (_name, authorization) => {
    const { sandbox, oauth } = await startOAuthSandbox();
    const { verifier, challenge } = pkce();
    const code = new URL(oauth.approve(authorizeUrl(sandbox, validParams(challenge))).location).searchParams.get('code') ?? '';
    const answer = await postForm(sandbox, '/oauth/token', { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT }, authorization);
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
    expect(answer.headers.get('www-authenticate')).toMatch(/^Basic /);
    // Client authentication comes before the code is looked at: the code still exchanges.
    expect((await postForm(sandbox, '/oauth/token', { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT })).status).toBe(200);
  });

  it('when the request is malformed, then 400 with the RFC 6749 error for it and no-store', async () => {
    const { sandbox } = await startOAuthSandbox();
    const unsupported = await postForm(sandbox, '/oauth/token', { grant_type: 'password', username: 'a', password: 'b' });
    expect(unsupported).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
    expect(unsupported.headers.get('cache-control')).toBe('no-store');
    expect(await postForm(sandbox, '/oauth/token', { code: 'x' })).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    expect(await postForm(sandbox, '/oauth/token', { grant_type: 'authorization_code', code: 'x', redirect_uri: REDIRECT })).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    expect(await postForm(sandbox, '/oauth/token', { grant_type: 'authorization_code', code: 'unknown', code_verifier: pkce().verifier, redirect_uri: REDIRECT })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await postForm(sandbox, '/oauth/token', { grant_type: 'refresh_token', refresh_token: 'never-issued' })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    const json = await postForm(sandbox, '/oauth/token', { grant_type: 'refresh_token' }, basic(), 'application/json');
    expect(json).toMatchObject({ status: 400, body: { error: 'invalid_request', error_description: expect.stringContaining('x-www-form-urlencoded') } });
    const get = await fetch(`${sandbox.url}/oauth/token`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });
});

describe('Klaviyo sandbox OAuth: expiry and refresh', () => {
  it('when the access token outlives accessTokenTtlS on the sandbox clock, then 401 not_authenticated; a refresh issues a working one', async () => {
    const clock = manualClock();
    const { sandbox, oauth } = await startOAuthSandbox({ accessTokenTtlS: 60 }, { now: clock.now, speedUp: 2 });
    const { tokens } = await connect(sandbox);
    clock.advance(29_999); // 60 Klaviyo seconds at speedUp 2 are 30 s
    expect((await klaviyo(sandbox, 'GET', '/api/flows', undefined, bearer(tokens.access_token))).status).toBe(200);
    clock.advance(1);
    const expired = await klaviyo(sandbox, 'GET', '/api/flows', undefined, bearer(tokens.access_token));
    expect(expired.status).toBe(401);
    expect(expired.body.errors[0]).toMatchObject({ status: 401, code: 'not_authenticated', title: 'Authentication credentials were not provided.', links: [], meta: [] });
    expect(expired.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(sandbox.received().at(-1)).toMatchObject({ status: 401, auth: 'oauth', limitClass: null });

    const refreshed = await postForm(sandbox, '/oauth/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toMatchObject({ token_type: 'Bearer', expires_in: 60, scope: ALL_SCOPES });
    expect((await klaviyo(sandbox, 'GET', '/api/flows', undefined, bearer(refreshed.body.access_token))).status).toBe(200);
    expect(oauth.tokens()).toEqual({ issued: 2, refreshed: 1, revoked: 0, active: 1, grants: 1 });
  });

  it('when refreshRotates is left at its default, then a refresh answers a new refresh token and the used one is refused; the previous access token works until it expires', async () => {
    const { sandbox } = await startOAuthSandbox();
    const { tokens } = await connect(sandbox);
    const first = await postForm(sandbox, '/oauth/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(first.status).toBe(200);
    expect(first.body.refresh_token).not.toBe(tokens.refresh_token);
    expect(first.body.access_token).not.toBe(tokens.access_token);
    const reused = await postForm(sandbox, '/oauth/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(reused).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await postForm(sandbox, '/oauth/token', { grant_type: 'refresh_token', refresh_token: first.body.refresh_token })).status).toBe(200);
    expect((await klaviyo(sandbox, 'GET', '/api/flows', undefined, bearer(tokens.access_token))).status).toBe(200);
  });

  it('when refreshRotates is false, then a refresh answers the same refresh token and it keeps working', async () => {
    const { sandbox, oauth } = await startOAuthSandbox({ refreshRotates: false });
    const { tokens } = await connect(sandbox);
    for (let i = 0; i < 3; i++) {
      const answer = await postForm(sandbox, '/oauth/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
      expect(answer.status).toBe(200);
      expect(answer.body.refresh_token).toBe(tokens.refresh_token);
    }
    expect(oauth.tokens()).toMatchObject({ issued: 4, refreshed: 3, active: 4 });
  });

  it('when a refresh asks for fewer scopes, then the new access token carries only those; asking for more is invalid_scope', async () => {
    const { sandbox } = await startOAuthSandbox();
    const { tokens } = await connect(sandbox);
    const wider = await postForm(sandbox, '/oauth/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, scope: 'profiles:read lists:write' });
    expect(wider).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
    const narrow = await postForm(sandbox, '/oauth/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, scope: 'profiles:read' });
    expect(narrow).toMatchObject({ status: 200, body: { scope: 'profiles:read' } });
    expect((await klaviyo(sandbox, 'GET', '/api/profiles', undefined, bearer(narrow.body.access_token))).status).toBe(200);
    expect((await klaviyo(sandbox, 'GET', '/api/flows', undefined, bearer(narrow.body.access_token))).status).toBe(403);
  });

  it('when expireAccessTokens() is called, then every access token is refused but the refresh token still works', async () => {
    const { sandbox, oauth } = await startOAuthSandbox();
    const { tokens } = await connect(sandbox);
    expect(oauth.expireAccessTokens()).toBe(1);
    expect((await klaviyo(sandbox, 'GET', '/api/flows', undefined, bearer(tokens.access_token))).status).toBe(401);
    expect(oauth.tokens()).toMatchObject({ active: 0, revoked: 0, grants: 1 });
    const refreshed = await postForm(sandbox, '/oauth/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect((await klaviyo(sandbox, 'GET', '/api/flows', undefined, bearer(refreshed.body.access_token))).status).toBe(200);
  });
});

describe('Klaviyo sandbox OAuth: revocation', () => {
  it('when the refresh token is revoked, then the grant is gone: its access tokens answer 401 and it no longer refreshes', async () => {
    const { sandbox, oauth } = await startOAuthSandbox({ refreshRotates: false });
    const { tokens } = await connect(sandbox);
    const second = await postForm(sandbox, '/oauth/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    const revoked = await postForm(sandbox, '/oauth/revoke', { token: tokens.refresh_token, token_type_hint: 'refresh_token' });
    expect(revoked.status).toBe(200);
    for (const access of [tokens.access_token, second.body.access_token]) {
      expect((await klaviyo(sandbox, 'GET', '/api/flows', undefined, bearer(access))).status).toBe(401);
    }
    expect((await postForm(sandbox, '/oauth/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).body.error).toBe('invalid_grant');
    expect(oauth.tokens()).toEqual({ issued: 2, refreshed: 1, revoked: 2, active: 0, grants: 0 });
  });

  it('when an access token is revoked (even with a wrong hint), then only it stops working', async () => {
    const { sandbox } = await startOAuthSandbox();
    const { tokens } = await connect(sandbox);
    const other = await postForm(sandbox, '/oauth/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect((await postForm(sandbox, '/oauth/revoke', { token: tokens.access_token, token_type_hint: 'refresh_token' })).status).toBe(200);
    expect((await klaviyo(sandbox, 'GET', '/api/flows', undefined, bearer(tokens.access_token))).status).toBe(401);
    expect((await klaviyo(sandbox, 'GET', '/api/flows', undefined, bearer(other.body.access_token))).status).toBe(200);
  });

  it('when the revoke endpoint gets an unknown token, then 200; bad client credentials → 401 invalid_client; no token → invalid_request', async () => {
    const { sandbox } = await startOAuthSandbox();
    const { tokens } = await connect(sandbox);
    expect((await postForm(sandbox, '/oauth/revoke', { token: 'never-issued' })).status).toBe(200);
    expect(await postForm(sandbox, '/oauth/revoke', { token: tokens.refresh_token }, basic(CLIENT_ID, 'wrong'))).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(await postForm(sandbox, '/oauth/revoke', {})).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    // The refused revocation revoked nothing.
    expect((await klaviyo(sandbox, 'GET', '/api/flows', undefined, bearer(tokens.access_token))).status).toBe(200);
  });

  it('when Klaviyo uninstalls the app (revokeAll), then every token is refused and every refresh is invalid_grant', async () => {
    const { sandbox, oauth } = await startOAuthSandbox();
    const a = await connect(sandbox);
    const b = await connect(sandbox, 'flows:read');
    expect(oauth.revokeAll()).toBe(2);
    for (const { tokens } of [a, b]) {
      expect((await klaviyo(sandbox, 'GET', '/api/flows', undefined, bearer(tokens.access_token))).status).toBe(401);
      expect((await postForm(sandbox, '/oauth/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).body.error).toBe('invalid_grant');
    }
    expect(oauth.tokens()).toEqual({ issued: 2, refreshed: 0, revoked: 2, active: 0, grants: 0 });
    // The private key is not affected.
    expect((await klaviyo(sandbox, 'GET', '/api/flows')).status).toBe(200);
  });
});

describe('Klaviyo sandbox OAuth: the API with an access token', () => {
  it('when the token lacks a scope the operation needs (x-klaviyo-scopes), then 403 permission_denied naming it; with the scopes it is served', async () => {
    const { sandbox } = await startOAuthSandbox();
    const { tokens } = await connect(sandbox, 'profiles:read campaigns:read');
    const write = await klaviyo(sandbox, 'POST', '/api/profile-import', { data: { type: 'profile', attributes: { email: 'oauth@example.org' } } }, bearer(tokens.access_token));
    expect(write.status).toBe(403);
    expect(write.body.errors[0]).toMatchObject({ status: 403, code: 'permission_denied', title: 'You do not have permission to perform this action.' });
    expect(write.body.errors[0].detail).toContain('profiles:write');
    expect(write.headers.get('ratelimit-limit')).not.toBeNull(); // judged after the rate limit, as the handlers' errors are
    expect(sandbox.report().profilesCreated).toBe(0);
    expect((await klaviyo(sandbox, 'GET', '/api/profiles', undefined, bearer(tokens.access_token))).status).toBe(200);
    // A report is a POST that needs only a read scope.
    const report = await klaviyo(
      sandbox,
      'POST',
      '/api/campaign-values-reports',
      { data: { type: 'campaign-values-report', attributes: { statistics: ['recipients'], timeframe: { key: 'last_90_days' }, conversion_metric_id: sandbox.truth.placedOrderMetricId } } },
      bearer(tokens.access_token),
    );
    expect(report.status).toBe(200);
    // An operation needing two scopes needs both.
    const segmentProfiles = await klaviyo(sandbox, 'GET', `/api/segments/${sandbox.truth.segments.sizes[0]!.id}/profiles`, undefined, bearer(tokens.access_token));
    expect(segmentProfiles.status).toBe(403);
    expect(segmentProfiles.body.errors[0].detail).toContain('segments:read');
    expect(segmentProfiles.body.errors[0].detail).not.toContain('profiles:read');
  });

  it('when the webhooks API is called without Advanced KDP, then the private key gets 403 KDP, an OAuth token with the webhooks scopes is served, and one without them gets 403 permission_denied', async () => {
    const clock = manualClock();
    const { sandbox } = await startOAuthSandbox({}, { now: clock.now });
    // The webhooks API allows 1 request a second: each call below gets a second of its own.
    const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
      clock.advance(1000);
      return klaviyo(sandbox, method, path, body, headers);
    };
    const key = await call('GET', '/api/webhooks');
    expect(key.status).toBe(403);
    expect(key.body.errors[0]).toMatchObject({ code: 'permission_denied', detail: 'You must have Advanced KDP enabled' });
    expect((await call('POST', '/api/webhooks', WEBHOOK_BODY)).status).toBe(403);

    const full = (await connect(sandbox)).tokens;
    expect((await call('GET', '/api/webhook-topics', undefined, bearer(full.access_token))).status).toBe(200);
    const created = await call('POST', '/api/webhooks', WEBHOOK_BODY, bearer(full.access_token));
    expect(created.status).toBe(201);
    const listed = await call('GET', '/api/webhooks', undefined, bearer(full.access_token));
    expect(listed.body.data.map((webhook: { id: string }) => webhook.id)).toEqual([created.body.data.id]);

    const readOnly = (await connect(sandbox, 'accounts:read webhooks:read')).tokens;
    expect((await call('GET', '/api/webhooks', undefined, bearer(readOnly.access_token))).status).toBe(200);
    const refused = await call('POST', '/api/webhooks', WEBHOOK_BODY, bearer(readOnly.access_token));
    expect(refused.status).toBe(403);
    expect(refused.body.errors[0]).toMatchObject({ code: 'permission_denied' });
    expect(refused.body.errors[0].detail).toContain('webhooks:write');

    const none = (await connect(sandbox, 'profiles:read')).tokens;
    const noScope = await call('GET', '/api/webhooks', undefined, bearer(none.access_token));
    expect(noScope.status).toBe(403);
    expect(noScope.body.errors[0].detail).toContain('webhooks:read');
    expect(sandbox.data.webhooks).toHaveLength(1);
  });

  it('when the private key has used up a class budget, then the OAuth app still has its own, and each is reported apart', async () => {
    const clock = manualClock();
    const { sandbox } = await startOAuthSandbox({}, { now: clock.now });
    const { tokens } = await connect(sandbox);
    for (let i = 0; i < 3; i++) expect((await klaviyo(sandbox, 'GET', '/api/flows')).status).toBe(200);
    expect((await klaviyo(sandbox, 'GET', '/api/flows')).status).toBe(429);
    const app = [];
    for (let i = 0; i < 4; i++) app.push(await klaviyo(sandbox, 'GET', '/api/flows', undefined, bearer(tokens.access_token)));
    expect(app.map((answer) => answer.status)).toEqual([200, 200, 200, 429]);
    expect(app[0]!.headers.get('ratelimit-remaining')).toBe('2');
    const report = sandbox.report();
    expect(report.limitClasses.get_flows).toMatchObject({ requests: 4, throttled: 1 });
    expect(report.oauthLimitClasses?.get_flows).toMatchObject({ burst: 3, steady: 60, requests: 4, throttled: 1 });
    expect(report.oauth).toMatchObject({ issued: 1, active: 1 });
    expect(sandbox.received().map((request) => request.auth)).toEqual(['api_key', 'api_key', 'api_key', 'api_key', 'oauth', 'oauth', 'oauth', 'oauth']);
    sandbox.resetReport();
    expect(sandbox.report().oauthLimitClasses?.get_flows).toMatchObject({ requests: 0, throttled: 0 });
  });

  it('when the authFailure fault is on, then an OAuth token is refused too; the edge challenge and storms apply to OAuth requests as well', async () => {
    const { sandbox } = await startOAuthSandbox();
    const { tokens } = await connect(sandbox);
    sandbox.faults.set({ authFailure: true });
    expect((await klaviyo(sandbox, 'GET', '/api/flows', undefined, bearer(tokens.access_token))).status).toBe(401);
    sandbox.faults.set({ authFailure: false, storms: [{ limitClass: 'get_flows', requests: 1 }] });
    expect((await klaviyo(sandbox, 'GET', '/api/flows', undefined, bearer(tokens.access_token))).status).toBe(429);
    expect(sandbox.report().oauthLimitClasses?.get_flows).toMatchObject({ throttled: 1 });
    expect((await klaviyo(sandbox, 'GET', '/api/flows', undefined, bearer(tokens.access_token))).status).toBe(200);
  });
});

describe('Klaviyo sandbox OAuth: without the option, and over the control routes', () => {
  it('when the sandbox is started without oauth, then Bearer is refused as today, /oauth/* is an unknown path and the report has no OAuth part', async () => {
    const sandbox = await startSandbox();
    expect(sandbox.oauth).toBeNull();
    const refused = await klaviyo(sandbox, 'GET', '/api/flows', undefined, bearer('anything'));
    expect(refused.status).toBe(401);
    expect(refused.body.errors[0]).toMatchObject({ code: 'not_authenticated', detail: 'Missing or invalid authorization scheme. Please use Klaviyo-API-Key.' });
    expect(refused.headers.get('www-authenticate')).toBe('Klaviyo-API-Key');
    const token = await postForm(sandbox, '/oauth/token', { grant_type: 'refresh_token', refresh_token: 'x' });
    expect(token.status).toBe(404);
    expect(token.body.errors[0].code).toBe('not_found');
    const report = sandbox.report();
    expect(report).not.toHaveProperty('oauthLimitClasses');
    expect(report).not.toHaveProperty('oauth');
    expect((await fetch(`${sandbox.url}/__sandbox/oauth/tokens`)).status).toBe(404);
    expect(sandbox.received().map((request) => request.auth)).toEqual(['oauth', null]);
  });

  it('when the controls are used over HTTP, then they approve, count, expire and revoke as the handle does', async () => {
    const { sandbox } = await startOAuthSandbox();
    const { verifier, challenge } = pkce();
    const control = async (path: string, body?: unknown) => {
      const response = await fetch(`${sandbox.url}/__sandbox/oauth/${path}`, { method: body === undefined && path === 'tokens' ? 'GET' : 'POST', body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: response.status, body: (await response.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any -- control answers of several shapes
    };
    const approved = await control('approve', { authorizeUrl: authorizeUrl(sandbox, validParams(challenge)) });
    const code = new URL(approved.body.location).searchParams.get('code') ?? '';
    const { body: tokens } = await postForm(sandbox, '/oauth/token', { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT });
    expect((await control('tokens')).body).toEqual({ issued: 1, refreshed: 0, revoked: 0, active: 1, grants: 1 });
    expect((await control('expire')).body).toEqual({ expired: 1 });
    expect((await klaviyo(sandbox, 'GET', '/api/flows', undefined, bearer(tokens.access_token))).status).toBe(401);
    expect((await control('revoke-all')).body).toEqual({ revoked: 1 });
    expect((await postForm(sandbox, '/oauth/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).body.error).toBe('invalid_grant');
    const denied = await control('approve', { authorizeUrl: authorizeUrl(sandbox, validParams(challenge)), approve: false });
    expect(new URL(denied.body.location).searchParams.get('error')).toBe('access_denied');
    expect((await control('approve', { authorizeUrl: authorizeUrl(sandbox, validParams(challenge, { client_id: 'x' })) })).status).toBe(400);
  });

  it.each([
    ['no redirect URI', { redirectUris: [] }, /redirectUris/],
    ['a relative redirect URI', { redirectUris: ['/cb'] }, /absolute/],
    ['no client secret', { clientSecret: '' }, /clientSecret/],
    ['a zero token lifetime', { accessTokenTtlS: 0 }, /accessTokenTtlS/],
  ])('when oauth has %s, then the sandbox refuses to start', async (_name, overrides, message) => {
    await expect(startKlaviyoSandbox({ apiKey: API_KEY, scale: { profiles: 10, orders: 5 }, oauth: oauthOptions(overrides) })).rejects.toThrow(message);
  });
});

describe('Klaviyo sandbox OAuth: the documented scope table', () => {
  it('when docs/sandbox.md lists the scopes per operation, then every subset operation is there with exactly its x-klaviyo-scopes', () => {
    const docs = readFileSync(new URL('../../docs/sandbox.md', import.meta.url), 'utf8');
    const documented = new Map<string, string[]>();
    for (const match of docs.matchAll(/^\| `[A-Z]+ [^`]+` \| `([a-z_]+)` \| (.+) \|$/gm)) {
      documented.set(match[1] ?? '', [...(match[2] ?? '').matchAll(/`([^`]+)`/g)].map((scope) => scope[1] ?? ''));
    }
    const operations = buildOperations(loadSubsetSpec());
    expect(operations.every((operation) => operation.scopes.length > 0)).toBe(true);
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(operations.map((operation) => [operation.operationId, [...operation.scopes]])));
  });
});
