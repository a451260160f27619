import { describe, expect, it } from 'vitest';
import type { MaveraSandbox } from '../../sandbox/mavera/index.js';
import { MaveraOutOfCreditsError, upsertPersonaByName } from '../../services/mavera/index.js';
import { API_KEY, buildPersonaBody, clientFor, trackMaveraSandboxes } from './builders.js';

const start = trackMaveraSandboxes();

const posts = (s: MaveraSandbox) => s.requests({ endpoint: 'personas', method: 'POST' });
const patches = (s: MaveraSandbox) => s.requests({ endpoint: 'personas', method: 'PATCH' });

describe('upsertPersonaByName against the fake', () => {
  it('when no persona has the name, then it is created once for 300 credits', async () => {
    const sandbox = await start();
    const outcome = await upsertPersonaByName(clientFor(sandbox), buildPersonaBody());
    expect(outcome).toMatchObject({ action: 'created', creditsUsed: 300, persona: { name: 'Klaviyo – High-CLV Loyalists', is_custom: true } });
    expect(posts(sandbox)).toHaveLength(1);
    expect(posts(sandbox)[0]?.body).toEqual(buildPersonaBody());
    expect(sandbox.credits().used).toBe(300);
  });

  it('when the persona exists (any casing), then it is PATCHed and never POSTed again', async () => {
    const sandbox = await start();
    const client = clientFor(sandbox);
    const first = await upsertPersonaByName(client, buildPersonaBody());
    const second = await upsertPersonaByName(client, buildPersonaBody({ name: 'klaviyo – high-clv loyalists', goals: ['new goal'] }));
    expect(second).toMatchObject({ action: 'updated', creditsUsed: 0, persona: { id: first.persona.id } });
    expect(posts(sandbox)).toHaveLength(1);
    expect(patches(sandbox)).toHaveLength(1);
    expect(patches(sandbox)[0]).toMatchObject({ path: `/personas/${first.persona.id}`, body: { goals: ['new goal'] } });
    expect(sandbox.credits().used).toBe(300);
  });

  it('when only a persona with a longer, similar name exists, then it is not mistaken for a match', async () => {
    const sandbox = await start();
    const client = clientFor(sandbox);
    await upsertPersonaByName(client, buildPersonaBody({ name: 'VIP Loyalists – Churn Risk' }));
    const outcome = await upsertPersonaByName(client, buildPersonaBody({ name: 'VIP Loyalists' }));
    expect(outcome.action).toBe('created');
    expect(sandbox.customPersonas().map((p) => p.name).sort()).toEqual(['VIP Loyalists', 'VIP Loyalists – Churn Risk']);
  });

  it('when someone creates the name between our lookup and our POST, then the 422 leads to a PATCH, not a second POST', async () => {
    const sandbox = await start();
    const target = sandbox;
    let raced = false;
    // Another writer creates the persona just before our POST reaches Mavera.
    const racingFetch = (async (input: string | URL | Request, init?: RequestInit) => {
      if (!raced && init?.method === 'POST' && String(input).endsWith('/personas')) {
        raced = true;
        await fetch(`${target.url}/personas`, { method: 'POST', headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' }, body: init.body });
      }
      return fetch(input, init);
    }) as typeof fetch;
    const outcome = await upsertPersonaByName(clientFor(sandbox, { fetch: racingFetch }), buildPersonaBody());
    expect(outcome.action).toBe('updated');
    expect(posts(sandbox).map((r) => r.status)).toEqual([201, 422]);
    expect(patches(sandbox)).toHaveLength(1);
    expect(sandbox.customPersonas()).toHaveLength(1);
    expect(sandbox.credits().used).toBe(300);
  });

  it('when credits cannot cover a new persona, then it fails with out-of-credits after a single POST', async () => {
    const sandbox = await start({ credits: 299 });
    await expect(upsertPersonaByName(clientFor(sandbox), buildPersonaBody())).rejects.toBeInstanceOf(MaveraOutOfCreditsError);
    expect(posts(sandbox)).toHaveLength(1);
    expect(sandbox.customPersonas()).toHaveLength(0);
  });
});
