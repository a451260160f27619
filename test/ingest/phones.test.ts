import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { buildFoundationApp, INGEST_TOKEN } from '../helpers/foundation-app.js';
import { createIngestRequests } from '../../services/sync/ingest-requests.js';
import { loadConfig } from '../../src/config.js';
import { ValidationError } from '../../src/lib/errors.js';

const NOW = () => Date.parse('2026-12-01T12:00:00Z');
const strict = createIngestRequests(NOW);
const us = createIngestRequests(NOW, { defaultPhoneRegion: 'US' });
const gb = createIngestRequests(NOW, { defaultPhoneRegion: 'GB' });

/** The paths a refused body names, or 'accepted'. */
function refusedPaths(parse: () => unknown): string[] | 'accepted' {
  try {
    parse();
    return 'accepted';
  } catch (error) {
    if (error instanceof ValidationError) return (error.errors ?? []).map((e) => e.path);
    throw error;
  }
}

describe('phone numbers (DEFAULT_PHONE_REGION)', () => {
  it('when a region is set, then national numbers of events, orders and profiles are normalised to E.164, and E.164 ones stay as they are', () => {
    expect(us.events.parse({ event_name: 'Called', phone_number: '(201) 555-0123' })[0]?.phone_number).toBe('+12015550123');
    expect(us.orders.parse({ order_id: 'o1', customer: { phone_number: '201.555.0123' }, currency: 'USD', total: 1 })[0]?.customer.phone_number).toBe('+12015550123');
    expect(us.profiles.parse({ profiles: [{ phone_number: '+442079460958' }] })[0]?.phone_number).toBe('+442079460958');
    expect(gb.profiles.parse({ phone_number: '020 7946 0958', subscriptions: { sms_marketing: true } })[0]?.phone_number).toBe('+442079460958');
  });

  it('when a number is still not valid with the region, then the 400 names the field and nothing is accepted', () => {
    expect(refusedPaths(() => us.events.parse({ event_name: 'Called', phone_number: '12345' }))).toEqual(['/phone_number']);
    expect(refusedPaths(() => us.orders.parse({ orders: [{ order_id: 'o1', customer: { phone_number: 'call me' }, currency: 'USD', total: 1 }] }))).toEqual(['/orders/0/customer/phone_number']);
    expect(refusedPaths(() => us.profiles.parse({ profiles: [{ email: 'a@b.com' }, { phone_number: '555' }] }))).toEqual(['/profiles/1/phone_number']);
  });

  it('when no region is set, then only E.164 is accepted, exactly as given', () => {
    expect(refusedPaths(() => strict.events.parse({ event_name: 'Called', phone_number: '(201) 555-0123' }))).toEqual(['/phone_number']);
    expect(strict.events.parse({ event_name: 'Called', phone_number: '+12015550123' })[0]?.phone_number).toBe('+12015550123');
  });

  it('when DEFAULT_PHONE_REGION is not a region libphonenumber knows, then the configuration is refused naming it', () => {
    const base = { KLAVIYO_API_KEY: 'pk_test_0123456789', INGEST_TOKENS: 'ingest-token-0123456789', ADMIN_TOKENS: 'admin-token-0123456789' };
    expect(loadConfig({ ...base, DEFAULT_PHONE_REGION: 'US' }).defaultPhoneRegion).toBe('US');
    expect(loadConfig(base).defaultPhoneRegion).toBeUndefined();
    expect(() => loadConfig({ ...base, DEFAULT_PHONE_REGION: 'usa' })).toThrow(/DEFAULT_PHONE_REGION/);
    expect(() => loadConfig({ ...base, DEFAULT_PHONE_REGION: 'XX' })).toThrow(/DEFAULT_PHONE_REGION/);
  });

  it('when the service runs with DEFAULT_PHONE_REGION, then the route stores the E.164 form, and a bad number is a 400 naming the field that stores nothing', async () => {
    const { app, store } = buildFoundationApp({ env: { DEFAULT_PHONE_REGION: 'US' } });
    try {
      const ok = await request(app).post('/v1/profiles').set('authorization', `Bearer ${INGEST_TOKEN}`).send({ phone_number: '(201) 555-0123', first_name: 'Ada' });
      expect(ok.status).toBe(202);
      expect(ok.body.ids).toEqual(['+12015550123']);
      const bad = await request(app).post('/v1/events').set('authorization', `Bearer ${INGEST_TOKEN}`).send({ events: [{ event_name: 'Called', phone_number: '+12015550123' }, { event_name: 'Called', phone_number: '5550' }] });
      expect(bad.status).toBe(400);
      expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(['/events/1/phone_number']);
      const stats = await store.outbox.stats(new Date());
      expect(stats.kinds.profile.pending).toBe(1);
      expect(stats.kinds.event.pending).toBe(0);
    } finally {
      await store.close();
    }
  });
});
