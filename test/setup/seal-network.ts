import nock from 'nock';
import { afterAll, beforeAll } from 'vitest';

/**
 * Every test file runs with the network sealed (STYLE 10): only loopback is reachable (the sandbox,
 * servers a test starts itself). A test that reaches anywhere else fails with nock's NetConnectNotAllowedError.
 */
const LOOPBACK = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/;

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect((host) => LOOPBACK.test(host));
});

afterAll(() => {
  nock.cleanAll();
});
