/**
 * `/oauth/*` over HTTP (only with `options.oauth`):
 *   GET  /oauth/authorize            → the consent page (HTML: app, account, scopes, Allow/Deny form),
 *                                      an `?error=` redirect, or a 400 page (unknown client, unregistered redirect URI)
 *   POST /oauth/authorize/decision   → the form's answer: 302 to `<redirect_uri>?code&state` or `?error=access_denied&state`
 *   POST /oauth/token                → tokens (JSON), or RFC 6749 §5.2 `{error, error_description}`
 *   POST /oauth/revoke               → 200 (RFC 7009)
 * The token and revoke endpoints take a form body and HTTP Basic client authentication.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from '../http/read-body.js';
import { OAuthError, type AuthorizeRequest, type OAuthServer } from './server.js';

const FORM_LIMIT_BYTES = 64 * 1024;
const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded';

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char);
}

function sendHtml(response: ServerResponse, status: number, html: string): void {
  const page = Buffer.from(html, 'utf8');
  response.setHeader('content-type', 'text/html; charset=utf-8');
  response.setHeader('content-length', String(page.length));
  response.setHeader('cache-control', 'no-store');
  response.setHeader('x-frame-options', 'DENY');
  response.writeHead(status).end(page);
}

function errorPage(message: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Klaviyo: authorization error</title></head><body><h1>This app could not be authorized</h1><p class="error">${escapeHtml(message)}</p></body></html>`;
}

function consentPage(server: OAuthServer, request: AuthorizeRequest): string {
  const hidden: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: request.clientId,
    redirect_uri: request.redirectUri,
    scope: request.scopes.join(' '),
    state: request.state,
    code_challenge_method: 'S256',
    code_challenge: request.codeChallenge,
  };
  const fields = Object.entries(hidden)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
    .join('');
  const scopes = request.scopes.map((scope) => `<li>${escapeHtml(scope)}</li>`).join('');
  return [
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Klaviyo: authorize an app</title></head><body>',
    `<h1>${escapeHtml(server.appName)} wants to access your Klaviyo account ${escapeHtml(server.accountId)}</h1>`,
    `<p>It asks for these scopes:</p><ul class="scopes">${scopes}</ul>`,
    `<form method="post" action="/oauth/authorize/decision">${fields}`,
    '<button type="submit" name="approve" value="1">Allow</button> <button type="submit" name="approve" value="0">Deny</button>',
    '</form></body></html>',
  ].join('');
}

function redirect(response: ServerResponse, location: string): void {
  response.setHeader('location', location);
  response.setHeader('cache-control', 'no-store');
  response.writeHead(302).end();
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = Buffer.from(JSON.stringify(body), 'utf8');
  for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
  response.setHeader('content-type', 'application/json');
  response.setHeader('content-length', String(payload.length));
  response.setHeader('cache-control', 'no-store');
  response.setHeader('pragma', 'no-cache');
  response.writeHead(status).end(payload);
}

function sendOAuthError(response: ServerResponse, error: OAuthError): void {
  const headers: Record<string, string> = error.status === 401 ? { 'www-authenticate': 'Basic realm="klaviyo"' } : {};
  sendJson(response, error.status, { error: error.error, error_description: error.description }, headers);
}

/** The body as a form (read first, so it is drained whatever the verdict), or an OAuthError. */
async function readForm(request: IncomingMessage): Promise<() => URLSearchParams> {
  const read = await readBody(request, FORM_LIMIT_BYTES);
  return () => {
    const mediaType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (mediaType !== FORM_MEDIA_TYPE) throw new OAuthError(400, 'invalid_request', `The body must be ${FORM_MEDIA_TYPE}.`);
    if (read.kind !== 'ok') throw new OAuthError(400, 'invalid_request', 'The body is too large.');
    return new URLSearchParams(read.bytes.toString('utf8'));
  };
}

async function authorizeDecision(request: IncomingMessage, response: ServerResponse, server: OAuthServer): Promise<void> {
  const parse = await readForm(request);
  let form: URLSearchParams;
  try {
    form = parse();
  } catch (error) {
    if (error instanceof OAuthError) return sendHtml(response, 400, errorPage(error.description));
    throw error;
  }
  const verdict = server.checkAuthorize(form);
  if (verdict.kind === 'page') return sendHtml(response, 400, errorPage(verdict.message));
  if (verdict.kind === 'redirect') return redirect(response, verdict.location);
  const approve = form.getAll('approve');
  if (approve.length !== 1 || (approve[0] !== '1' && approve[0] !== '0')) return sendHtml(response, 400, errorPage('The decision must be approve=1 or approve=0.'));
  return redirect(response, server.decide(verdict.request, approve[0] === '1'));
}

async function tokenEndpoint(request: IncomingMessage, response: ServerResponse, server: OAuthServer, kind: 'token' | 'revoke'): Promise<void> {
  const parse = await readForm(request);
  try {
    server.authenticateClient(request.headers.authorization);
    const form = parse();
    if (kind === 'token') return sendJson(response, 200, server.token(form));
    server.revoke(form);
    response.setHeader('cache-control', 'no-store');
    response.writeHead(200).end();
    return;
  } catch (error) {
    if (error instanceof OAuthError) return sendOAuthError(response, error);
    throw error;
  }
}

/** Serves one `/oauth/*` request. */
export async function handleOAuthRequest(request: IncomingMessage, response: ServerResponse, server: OAuthServer): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://sandbox.invalid');
  const path = url.pathname.replace(/\/$/, '');
  const method = (request.method ?? 'GET').toUpperCase();
  const allowed: Record<string, string> = { '/oauth/authorize': 'GET', '/oauth/authorize/decision': 'POST', '/oauth/token': 'POST', '/oauth/revoke': 'POST' };
  const allow = allowed[path];
  if (!allow) return sendJson(response, 404, { error: 'not_found', error_description: `No OAuth endpoint at ${path}.` });
  if (method !== allow) {
    request.resume();
    return sendJson(response, 405, { error: 'invalid_request', error_description: `Use ${allow} for ${path}.` }, { allow });
  }
  switch (path) {
    case '/oauth/authorize': {
      const verdict = server.checkAuthorize(url.searchParams);
      if (verdict.kind === 'page') return sendHtml(response, 400, errorPage(verdict.message));
      if (verdict.kind === 'redirect') return redirect(response, verdict.location);
      return sendHtml(response, 200, consentPage(server, verdict.request));
    }
    case '/oauth/authorize/decision':
      return authorizeDecision(request, response, server);
    case '/oauth/token':
      return tokenEndpoint(request, response, server, 'token');
    default:
      return tokenEndpoint(request, response, server, 'revoke');
  }
}
