import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/lib/logger.js';
import { createMetrics } from '../../src/lib/metrics.js';
import { problemHandler } from '../../src/lib/problem.js';
import { requestLogging } from '../../src/lib/request-logging.js';
import { requestMetrics } from '../../src/lib/request-metrics.js';
import { buildFoundationApp, captureLogs } from '../helpers/foundation-app.js';

const SECRETS = {
  token: 'ingest-token-s3cr3tvalue99',
  apiKey: 'pk_live_abcdef1234567890',
  maveraKey: 'mvra_live_zyxwvu9876543210',
  email: 'ada.lovelace@example.com',
  phone: '+14155550123',
  signature: 'e6c00e313eaea50ca3b89a7de5a782a2014f96fb8315c065898c669d831912d1',
};

function expectNoSecret(text: string) {
  for (const value of Object.values(SECRETS)) expect(text).not.toContain(value);
}

describe('log redaction', () => {
  it('when a request carries a token, keys, an email and a phone in headers and body, then none reach the log', async () => {
    const { app, logs } = buildFoundationApp();
    await request(app)
      .post(`/v1/unknown?email=${encodeURIComponent(SECRETS.email)}`)
      .set('Authorization', `Bearer ${SECRETS.token}`)
      .set('x-api-key', SECRETS.apiKey)
      .set('klaviyo-signature', SECRETS.signature)
      .send({ email: SECRETS.email, phone_number: SECRETS.phone, api_key: SECRETS.maveraKey });
    // Malformed JSON echoes the body in body-parser's error: it must not reach the log either.
    await request(app)
      .post('/v1/unknown')
      .set('Authorization', `Bearer ${SECRETS.token}`)
      .type('application/json')
      .send(`{"email":"${SECRETS.email}","phone":"${SECRETS.phone}", oops`);
    expect(logs.lines.length).toBeGreaterThanOrEqual(2);
    expectNoSecret(logs.text());
  });

  it('when a handler logs everything it has and then fails, then the log still shows no secret', async () => {
    const logs = captureLogs();
    const app = express();
    const logger = createLogger({ level: 'info', destination: logs.stream });
    app.use(requestLogging(logger));
    app.use(requestMetrics(createMetrics()));
    app.use(express.json());
    app.post('/leaky', (req) => {
      req.log.info({ headers: req.headers, body: req.body }, `processing for ${SECRETS.email} / ${SECRETS.phone}`);
      throw new Error(`upstream rejected key ${SECRETS.apiKey} for ${SECRETS.email}, call ${SECRETS.phone}`);
    });
    app.use(problemHandler());
    const res = await request(app)
      .post('/leaky')
      .set('Authorization', `Bearer ${SECRETS.token}`)
      .set('x-mavera-key', SECRETS.maveraKey)
      .send({ profile: { email: SECRETS.email, phone_number: SECRETS.phone }, note: `call (415) 555-0123 or ${SECRETS.phone}` });
    expect(res.status).toBe(500);
    expect(logs.text()).toContain('[REDACTED');
    expect(logs.text()).not.toContain('(415) 555-0123');
    expectNoSecret(logs.text());
  });
});

describe('scrubbing of fields someone logged by mistake', () => {
  it('when objects with sensitive field names are logged, then their values are censored whatever they look like', () => {
    const logs = captureLogs();
    const logger = createLogger({ level: 'info', destination: logs.stream });
    logger.info(
      {
        config: { tokens: ['plain-looking-value-1', 'plain-looking-value-2'], secret: 'just words here', api_key: 'opaque-123' },
        headers: { authorization: 'opaque-credential', 'x-api-key': 'another-opaque-one', 'klaviyo-signature': 'abcdef0123' },
        password: 'correct horse battery staple',
        harmless: 'stays visible',
      },
      'config dump',
    );
    logger.flush();
    const text = logs.text();
    for (const leaked of ['plain-looking-value', 'just words here', 'opaque-123', 'opaque-credential', 'another-opaque-one', 'abcdef0123', 'correct horse']) {
      expect(text).not.toContain(leaked);
    }
    expect(text).toContain('stays visible');
  });
});
