import { mkdtempSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { runServiceToExit, startServiceProcess } from '../../scripts/service-process.js';

const minimalEnv = () => ({
  KLAVIYO_API_KEY: 'pk_test_0123456789abcdef',
  INGEST_TOKENS: 'ingest-token-aaaaaaaaaaaa',
  ADMIN_TOKENS: 'admin-token-cccccccccccc',
  // The service must not reach the real Klaviyo from a test.
  KLAVIYO_BASE_URL: 'http://127.0.0.1:9',
  DATA_DIR: mkdtempSync(join(tmpdir(), 'kb-proc-')),
});

describe('the service process', () => {
  it('when started with a minimal environment, then it serves /healthz, /readyz, /metrics and /openapi.json', async () => {
    const service = await startServiceProcess(minimalEnv());
    try {
      const health = await fetch(`${service.url}/healthz`);
      expect(await health.json()).toEqual({ status: 'ok' });
      const ready = await fetch(`${service.url}/readyz`);
      expect(((await ready.json()) as { checks: Record<string, unknown> }).checks.store).toEqual({ ok: true });
      expect(await (await fetch(`${service.url}/metrics`)).text()).toContain('http_request_duration_seconds');
      expect(((await (await fetch(`${service.url}/openapi.json`)).json()) as { openapi: string }).openapi).toMatch(/^3\./);
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
    }
  });

  it('when required variables are missing, then it refuses to start and names every one', async () => {
    const { code, output } = await runServiceToExit({ DATA_DIR: mkdtempSync(join(tmpdir(), 'kb-proc-')), PORT: 'x' });
    expect(code).toBe(78);
    for (const key of ['KLAVIYO_API_KEY', 'INGEST_TOKENS', 'ADMIN_TOKENS', 'PORT']) expect(output).toContain(key);
    expect(output).not.toContain('listening');
  });

  it('when SIGTERM arrives during a request, then the request finishes and the process exits 0', async () => {
    const service = await startServiceProcess(minimalEnv());
    // A request whose body is still uploading is in flight; finish it only after the signal, once the
    // service has stopped listening. "100 Continue" says the service has read the request's head.
    const body = JSON.stringify({ event_name: 'Slow Upload', email: 'slow@example.com', insert_id: 'slow-upload-1' });
    const response = new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: service.port,
          method: 'POST',
          path: '/v1/events',
          headers: { authorization: 'Bearer ingest-token-aaaaaaaaaaaa', 'content-type': 'application/json', 'content-length': String(body.length), expect: '100-continue' },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.once('continue', () => {
        req.write(body.slice(0, 10));
        service.child.kill('SIGTERM');
        vi.waitFor(async () => {
          expect(service.output()).toContain('shutting down');
          await expect(fetch(`${service.url}/healthz`)).rejects.toThrow();
        }, { timeout: 10_000, interval: 20 }).then(() => req.end(body.slice(10)), reject);
      });
      req.flushHeaders();
    });
    // A 202 proves the request was read whole, stored and answered, not cut.
    await expect(response).resolves.toBe(202);
    await expect(service.exited).resolves.toBe(0);
    expect(service.output()).toContain('"outcome":"drained"');
  });
});
