/**
 * The fake Klaviyo server: `startKlaviyoSandbox(options)` listens on 127.0.0.1 and serves the
 * operations of the pinned subset with Klaviyo's auth, revision, body-validation, rate-limit and
 * error behaviour over a deterministic seeded account. With `oauth` it is also the authorization
 * server of one OAuth app (`/oauth/*`) and accepts that app's access tokens. See docs/sandbox.md.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bodyValidatorFor } from './body-validator.js';
import { SandboxFaults } from './faults.js';
import { OPERATION_HANDLERS } from './handlers/index.js';
import { handleControlRequest } from './http/control-routes.js';
import { handleApiRequest } from './http/pipeline.js';
import { handleOAuthRequest } from './oauth/routes.js';
import { checkOAuthOptions, OAuthServer } from './oauth/server.js';
import { limitClassBudgets } from './limit-classes.js';
import { seedToInt } from './prng.js';
import { SlidingWindowLimiter } from './rate-limiter.js';
import { RequestRecorder } from './recorder.js';
import { DEFAULT_SCALE, generateAccount } from './seed/account.js';
import { SandboxTruth } from './seed/truth.js';
import { buildOperations, loadSubsetSpec } from './spec.js';
import { SandboxData } from './state/sandbox-data.js';
import { DEFAULT_LIVE_BEHAVIOUR, type KlaviyoSandbox, type KlaviyoSandboxOptions, type SandboxReport } from './types.js';

export type * from './types.js';
export { DEFAULT_LIVE_BEHAVIOUR } from './types.js';
export type { SandboxTruth } from './seed/truth.js';
export type { SandboxData } from './state/sandbox-data.js';
export { DEFAULT_SCALE } from './seed/account.js';
export const DEFAULT_REVISION = '2026-07-15';

function checkOptions(options: KlaviyoSandboxOptions): void {
  if (!options.apiKey) throw new Error('startKlaviyoSandbox: apiKey is required');
  if (options.speedUp !== undefined && !(options.speedUp > 0)) throw new Error('startKlaviyoSandbox: speedUp must be > 0');
  for (const [name, value] of Object.entries(options.scale ?? {})) {
    if (!(Number.isFinite(value) && value >= 0)) throw new Error(`startKlaviyoSandbox: scale.${name} must be a number ≥ 0`);
  }
  if (options.oauth) checkOAuthOptions(options.oauth);
}

export async function startKlaviyoSandbox(options: KlaviyoSandboxOptions): Promise<KlaviyoSandbox> {
  checkOptions(options);
  const now = options.now ?? Date.now;
  const seed = seedToInt(options.seed ?? 1);
  const speedUp = options.speedUp ?? 1;
  const revision = options.revision ?? DEFAULT_REVISION;
  const account = generateAccount(seed, { ...DEFAULT_SCALE, ...options.scale }, options.anchorTimeMs ?? now());
  const document = loadSubsetSpec();
  const operations = buildOperations(document);
  const limiter = new SlidingWindowLimiter(limitClassBudgets(operations), speedUp);
  const oauth = options.oauth
    ? { server: new OAuthServer(options.oauth, now, speedUp), limiter: new SlidingWindowLimiter(limitClassBudgets(operations), speedUp) }
    : null;
  const faults = new SandboxFaults(seed);
  const recorder = new RequestRecorder();
  const data = new SandboxData(account, now);
  const truth = new SandboxTruth(account);
  const live = { ...DEFAULT_LIVE_BEHAVIOUR, ...options.live };
  let baseUrl = '';
  let closing: Promise<void> | null = null;

  const report = (): SandboxReport => ({
    requests: recorder.summary(),
    limitClasses: limiter.report(),
    eventsByMetric: Object.fromEntries(data.events.byMetric),
    eventsStored: data.events.events.length,
    duplicateEvents: data.events.duplicates,
    profilesStored: data.profiles.touched.size,
    profilesCreated: data.profiles.created,
    profilesUpdated: data.profiles.updated,
    subscriptions: data.consentTotals(),
    listMemberships: Object.fromEntries([...data.listMembers].map(([id, members]) => [id, members.size])),
    bulkJobs: recorder.bulkJobs.map((job) => ({ ...job })),
    backfillEvents: data.events.backfilled,
    flowTriggers: data.flowTriggersReport(),
    privacyDeletions: data.privacyDeletions.report(),
    revisionsSeen: Object.fromEntries(recorder.revisionsSeen),
    validationErrors: recorder.validationErrors,
    ...(oauth ? { oauthLimitClasses: oauth.limiter.report(), oauth: oauth.server.tokens() } : {}),
  });
  const resetReport = () => {
    recorder.reset();
    limiter.resetReport();
    oauth?.limiter.resetReport();
  };
  const oauthHandle = oauth ? oauth.server.handle() : null;

  const pipeline = { apiKey: options.apiKey, operations, handlers: OPERATION_HANDLERS, limiter, oauth, validator: bodyValidatorFor(document), faults, recorder, account, data, truth, live, speedUp, now, baseUrl: () => baseUrl };
  const control = { faults, report, received: () => recorder.received(), resetReport, truth, oauth: oauthHandle };
  const server: Server = createServer((request, response) => {
    const url = request.url ?? '';
    const isControl = url.startsWith('/__sandbox/');
    const isOAuth = oauth !== null && (url === '/oauth' || url.startsWith('/oauth/') || url.startsWith('/oauth?'));
    const handled = isControl
      ? handleControlRequest(request, response, control)
      : isOAuth
        ? handleOAuthRequest(request, response, oauth.server)
        : handleApiRequest(request, response, pipeline);
    handled.catch(() => {
      if (!response.headersSent) response.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: baseUrl,
    apiKey: options.apiKey,
    revision,
    speedUp,
    faults,
    received: () => recorder.received(),
    report,
    resetReport,
    data,
    truth,
    oauth: oauthHandle,
    // Idempotent: a second close (a test's own, then its afterEach) gets the first one's outcome.
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        data.privacyDeletions.stop();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      })),
  };
}
