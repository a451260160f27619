import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { ConflictError } from '../src/lib/errors.js';
import type { OpenApiRegistry } from '../src/lib/openapi.js';
import { parseOrThrow } from '../src/lib/zod-errors.js';
import type { KlaviyoConnection } from '../services/klaviyo-connection/connection.js';

export interface KlaviyoConnectionRouterDeps {
  /** Undefined in private-key mode: the OAuth routes then answer 409. */
  connection: KlaviyoConnection | undefined;
  openapi: OpenApiRegistry;
  requireAdmin: RequestHandler;
  parseJson: RequestHandler[];
}

const scope = z.string().regex(/^[a-z-]+:(read|write)$/, 'must be a Klaviyo scope like profiles:read');
const startSchema = z.strictObject({ scopes: z.array(scope).min(1).max(50).optional() });
const startedSchema = z.object({ authorize_url: z.string(), expires_at: z.string() });
const connectionSchema = z.object({
  mode: z.enum(['api_key', 'oauth']),
  status: z.enum(['connected', 'not_connected', 'revoked', 'failing']),
  account_id: z.string().nullable().optional(),
  scopes: z.array(z.string()).optional(),
  access_expires_at: z.string().nullable().optional(),
  last_refresh_at: z.string().nullable().optional(),
  last_error: z.string().nullable().optional(),
});

const notOAuth = () =>
  new ConflictError('The service runs with a private API key (KLAVIYO_API_KEY): there is no OAuth connection to manage.', { code: 'not_oauth_mode' });

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(body)}</p></body></html>`;

/**
 * The Klaviyo connection (docs/klaviyo-connection.md): admin routes under /v1, and the public OAuth
 * callback (its `state` is the credential) mounted at the root.
 */
export function createKlaviyoConnectionRouters(deps: KlaviyoConnectionRouterDeps): { v1: Router; callback: Router } {
  const v1 = Router();
  v1.use('/klaviyo', deps.requireAdmin);
  const doc = (spec: Omit<Parameters<OpenApiRegistry['add']>[0], 'tags'>) => deps.openapi.add({ ...spec, tags: ['klaviyo connection'] });

  doc({
    method: 'post',
    path: '/v1/klaviyo/oauth/start',
    summary: 'OAuth app mode: a single-use authorization URL (code + PKCE S256, valid 10 minutes) to open in a browser',
    security: 'admin',
    body: startSchema,
    responses: { 200: { description: 'open authorize_url', schema: startedSchema }, 409: { description: 'private-key mode' } },
  });
  v1.post('/klaviyo/oauth/start', ...deps.parseJson, async (req, res) => {
    if (!deps.connection) throw notOAuth();
    const { scopes } = parseOrThrow(startSchema, req.body ?? {}, 'Body');
    res.json(await deps.connection.start(scopes));
  });

  doc({
    method: 'get',
    path: '/v1/klaviyo/connection',
    summary: 'The Klaviyo connection: mode and status (never a token)',
    security: 'admin',
    responses: { 200: { description: 'the connection', schema: connectionSchema } },
  });
  v1.get('/klaviyo/connection', async (_req, res) => {
    res.json(deps.connection ? await deps.connection.status() : { mode: 'api_key', status: 'connected' });
  });

  doc({
    method: 'delete',
    path: '/v1/klaviyo/connection',
    summary: 'Revokes the OAuth tokens at Klaviyo and forgets them (202)',
    security: 'admin',
    responses: { 202: { description: 'disconnected', schema: connectionSchema }, 409: { description: 'private-key mode' } },
  });
  v1.delete('/klaviyo/connection', async (_req, res) => {
    if (!deps.connection) throw notOAuth();
    await deps.connection.disconnect();
    res.status(202).json(await deps.connection.status());
  });

  const callback = Router();
  doc({
    method: 'get',
    path: '/oauth/klaviyo/callback',
    summary: 'Where Klaviyo sends the ops person back (code, state): exchanges the code, answers a small page',
    responses: { 200: { description: 'connected (HTML)', contentType: 'text/html' }, 400: { description: 'unknown, expired or reused state; refused code (HTML)', contentType: 'text/html' } },
  });
  callback.get('/oauth/klaviyo/callback', async (req, res) => {
    const text = (value: unknown) => (typeof value === 'string' && value.length <= 2048 ? value : undefined);
    res.set('cache-control', 'no-store');
    if (!deps.connection) {
      res.status(409).type('html').send(page('Not in OAuth app mode', 'This service runs with a private API key; there is nothing to connect.'));
      return;
    }
    const outcome = await deps.connection.callback({ code: text(req.query.code), state: text(req.query.state), error: text(req.query.error) });
    if (outcome.ok) res.type('html').send(page('Klaviyo connected', `klaviyo-bridge can now use Klaviyo with these scopes: ${outcome.scopes.join(', ')}. You can close this page.`));
    else res.status(outcome.status).type('html').send(page('Klaviyo not connected', outcome.reason));
  });
  return { v1, callback };
}
