import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { scrubUrl } from '../../src/lib/redact.js';
import { buildFoundationApp } from '../helpers/foundation-app.js';

describe('access log: the url is scrubbed before it is logged', () => {
  it.each([
    ['/x?token=abc123', '/x?token=[REDACTED]'],
    ['/x?access_token=abc123&page=2', '/x?access_token=[REDACTED]&page=2'],
    ['/x?api_key=s3cr3t', '/x?api_key=[REDACTED]'],
    ['/x?apiKey=s3cr3t', '/x?apiKey=[REDACTED]'],
    ['/x?client_secret=s3cr3t', '/x?client_secret=[REDACTED]'],
    ['/x?signature=deadbeef&sig=cafe', '/x?signature=[REDACTED]&sig=[REDACTED]'],
    ['/x?password=hunter2', '/x?password=[REDACTED]'],
    ['/x?email=jane%40example.com', '/x?email=[REDACTED_EMAIL]'],
    ['/v1/profiles/jane%40example.com', '/v1/profiles/[REDACTED_EMAIL]'],
    ['/x?phone=%2B15551234567', '/x?phone=[REDACTED_PHONE]'],
    ['/x?phone=+15551234567', '/x?phone=[REDACTED_PHONE]'],
    ['/x?page%5Bcursor%5D=abc&n=1', '/x?page%5Bcursor%5D=abc&n=1'],
    ['/healthz?probe=1', '/healthz?probe=1'],
    ['/x?bad=%E0%A4%A', '/x?bad=%E0%A4%A'],
  ])('when the url is %s, then the log shows %s', (url, logged) => {
    expect(scrubUrl(url)).toBe(logged);
  });

  it('when a request carries a credential in its query and an encoded email in its path, then neither reaches the access log', async () => {
    const { app, logs } = buildFoundationApp();
    await request(app).get('/nowhere/jane.doe%40example.com?api_key=live-secret-value-0001&phone=%2B447700900123');
    const text = logs.text();
    expect(text).toContain('request completed');
    expect(text).not.toContain('live-secret-value-0001');
    expect(text).not.toMatch(/jane\.doe(%40|@)example\.com/);
    expect(text).not.toMatch(/(%2B|\+)447700900123/);
    expect(text).toContain('[REDACTED]');
  });
});
