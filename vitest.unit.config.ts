import { configDefaults, defineConfig, mergeConfig } from 'vitest/config';
import full from './vitest.config.js';

/**
 * `npm run test:unit`: the full suite's config (same setupFiles, timeouts and pool) without the
 * integration tests: every test file that starts a child process or a server of its own (the
 * Klaviyo and Mavera sandboxes, a webhook receiver, the service on a port). What is left runs in process; supertest's in-process listener is the only socket. test/foundation/support/unit-guard.ts
 * fails a file here that spawns or listens anyway. `npm test` runs everything.
 */
export const INTEGRATION = [
  // A real child process (the service under tsx).
  'test/foundation/server-process.test.ts',
  'test/sync/crash-safety.test.ts',
  // Replicas: service processes on a real PostgreSQL, and loopback TCP proxies.
  'test/replicas/**',
  // A real HTTP server: the service listening, or a receiver.
  'test/foundation/graceful-shutdown.test.ts',
  'test/webhooks/raw-body-route.test.ts',
  'test/webhooks/forwarding.test.ts',
  // The Klaviyo sandbox (a loopback HTTP server).
  'test/sandbox/**',
  'test/klaviyo/sandbox.test.ts',
  'test/klaviyo/oauth-mode.test.ts',
  'test/ingest/accept.test.ts',
  'test/sync/consent-live.test.ts',
  'test/sync/mapping.test.ts',
  'test/sync/outcomes.test.ts',
  'test/sync/person-data-live.test.ts',
  'test/jobs/jobs-against-sandbox.test.ts',
  'test/jobs/jobs-live-klaviyo.test.ts',
  'test/jobs/jobs-rate-limits.test.ts',
  'test/klaviyo/sync-live.test.ts',
  'test/webhooks/klaviyo-registration.test.ts',
  // The Mavera sandbox.
  'test/mavera/abort.test.ts',
  'test/mavera/caps.test.ts',
  'test/mavera/sandbox.test.ts',
  'test/mavera/upsert-persona.test.ts',
  // The service listening, or the store in a child process.
  'test/foundation/hardening-edge.test.ts',
  'test/foundation/hardening-input.test.ts',
  'test/foundation/hardening-shutdown.test.ts',
  'test/foundation/hardening-streamed-body.test.ts',
  'test/klaviyo/outage-scenario.test.ts',
  'test/store/open-failures.test.ts',
  'test/store/single-process.test.ts',
  // Privacy end to end (the sandbox; two replicas on PostgreSQL).
  'test/privacy/privacy-sandbox.test.ts',
  'test/privacy/privacy-replicas.test.ts',
];

export default mergeConfig(
  full,
  defineConfig({
    test: {
      exclude: [...configDefaults.exclude, ...INTEGRATION],
      setupFiles: ['test/foundation/support/unit-guard.ts'],
    },
  }),
);
