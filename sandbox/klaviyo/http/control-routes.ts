/**
 * `/__sandbox/*`: the handle's controls over HTTP, for tests that run the fake in another process.
 *   GET  /__sandbox/report            → report()
 *   GET  /__sandbox/received          → received()
 *   GET  /__sandbox/truth             → the truth (segments, flows, campaigns, product affinity, predictions summary)
 *   GET  /__sandbox/faults            → current fault settings
 *   POST /__sandbox/faults            → merge settings (body: Partial<FaultSettings>)
 *   POST /__sandbox/faults/reset      → no faults
 *   POST /__sandbox/report/reset      → forget received requests and counters
 *   GET  /__sandbox/oauth/tokens      → oauth.tokens()              (404 without options.oauth)
 *   POST /__sandbox/oauth/expire      → oauth.expireAccessTokens()  → {expired: n}
 *   POST /__sandbox/oauth/revoke-all  → oauth.revokeAll()           → {revoked: n}
 *   POST /__sandbox/oauth/approve     → oauth.approve(body.authorizeUrl) (deny: body.approve === false) → {location}
 * No auth: the fake listens on loopback only.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SandboxFaults } from '../faults.js';
import type { SandboxTruth } from '../seed/truth.js';
import type { FaultSettings, ReceivedRequest, SandboxOAuthHandle, SandboxReport } from '../types.js';
import { readBody } from './read-body.js';

export interface ControlDeps {
  faults: SandboxFaults;
  report: () => SandboxReport;
  received: () => ReceivedRequest[];
  resetReport: () => void;
  truth: SandboxTruth;
  oauth: SandboxOAuthHandle | null;
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.setHeader('content-type', 'application/json');
  response.writeHead(status).end(JSON.stringify(body));
}

function truthSummary(truth: SandboxTruth) {
  const predictions = truth.predictions;
  return {
    anchorTimeMs: truth.anchorTimeMs,
    placedOrderMetricId: truth.placedOrderMetricId,
    predictions: { profiles: predictions.profiles, withPredictions: predictions.withPredictions },
    segments: truth.segments,
    flows: truth.flows,
    campaigns: truth.campaigns,
    productAffinity: truth.productAffinity,
  };
}

export async function handleControlRequest(request: IncomingMessage, response: ServerResponse, deps: ControlDeps): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://sandbox.invalid').pathname.replace(/\/$/, '');
  const route = `${request.method ?? 'GET'} ${path}`;
  switch (route) {
    case 'GET /__sandbox/report':
      return send(response, 200, deps.report());
    case 'GET /__sandbox/received':
      return send(response, 200, deps.received());
    case 'GET /__sandbox/truth':
      return send(response, 200, truthSummary(deps.truth));
    case 'GET /__sandbox/faults':
      return send(response, 200, deps.faults.get());
    case 'POST /__sandbox/faults': {
      const read = await readBody(request, 64 * 1024);
      let settings: Partial<FaultSettings>;
      try {
        settings = read.kind === 'ok' ? (JSON.parse(read.bytes.toString('utf8') || '{}') as Partial<FaultSettings>) : {};
      } catch {
        return send(response, 400, { error: 'body must be JSON fault settings' });
      }
      if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
        return send(response, 400, { error: 'body must be a JSON object of fault settings' });
      }
      return send(response, 200, deps.faults.set(settings));
    }
    case 'POST /__sandbox/faults/reset':
      deps.faults.reset();
      return send(response, 200, deps.faults.get());
    case 'POST /__sandbox/report/reset':
      deps.resetReport();
      return send(response, 200, { reset: true });
    case 'GET /__sandbox/oauth/tokens':
    case 'POST /__sandbox/oauth/expire':
    case 'POST /__sandbox/oauth/revoke-all':
    case 'POST /__sandbox/oauth/approve':
      return oauthControl(request, response, route, deps.oauth);
    default:
      return send(response, 404, { error: `unknown control route ${route}` });
  }
}

async function oauthControl(request: IncomingMessage, response: ServerResponse, route: string, oauth: SandboxOAuthHandle | null): Promise<void> {
  if (!oauth) return send(response, 404, { error: 'the sandbox was started without options.oauth' });
  if (route === 'GET /__sandbox/oauth/tokens') return send(response, 200, oauth.tokens());
  if (route === 'POST /__sandbox/oauth/expire') return send(response, 200, { expired: oauth.expireAccessTokens() });
  if (route === 'POST /__sandbox/oauth/revoke-all') return send(response, 200, { revoked: oauth.revokeAll() });
  const read = await readBody(request, 64 * 1024);
  let body: { authorizeUrl?: unknown; approve?: unknown };
  try {
    body = read.kind === 'ok' ? (JSON.parse(read.bytes.toString('utf8') || '{}') as typeof body) : {};
  } catch {
    return send(response, 400, { error: 'body must be JSON {authorizeUrl, approve?}' });
  }
  if (typeof body !== 'object' || body === null || typeof body.authorizeUrl !== 'string') return send(response, 400, { error: 'body must be JSON {authorizeUrl, approve?}' });
  try {
    return send(response, 200, body.approve === false ? oauth.deny(body.authorizeUrl) : oauth.approve(body.authorizeUrl));
  } catch (error) {
    return send(response, 400, { error: error instanceof Error ? error.message : String(error) });
  }
}
