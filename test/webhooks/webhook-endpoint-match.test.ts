import { describe, expect, it } from 'vitest';
import { sameWebhookEndpoint } from '../../services/webhooks/webhook-endpoint-match.js';

const WANTED = { url: 'https://bridge.example.com/webhooks/klaviyo', name: 'klaviyo-bridge', topics: ['event:klaviyo.sent_sms', 'event:klaviyo.opened_email'] };

describe('sameWebhookEndpoint (Klaviyo masks endpoint_url: https://host/*****)', () => {
  it.each([
    ['masked, same host, same name', { endpoint_url: 'https://bridge.example.com/*****', name: 'klaviyo-bridge', topics: ['event:klaviyo.sent_sms'] }, true],
    ['masked, same host, other name, same topics in another order', { endpoint_url: 'https://bridge.example.com/*****', name: 'ops', topics: ['event:klaviyo.opened_email', 'event:klaviyo.sent_sms'] }, true],
    ['masked, same host, other name and other topics (another receiver on the host)', { endpoint_url: 'https://bridge.example.com/*****', name: 'ops', topics: ['event:klaviyo.sent_sms'] }, false],
    ['masked, other host', { endpoint_url: 'https://other.example.com/*****', name: 'klaviyo-bridge', topics: WANTED.topics }, false],
    ['masked, a host that only starts like ours', { endpoint_url: 'https://bridge.example.com.evil.test/*****', name: 'klaviyo-bridge', topics: WANTED.topics }, false],
    ['masked, same host, other port', { endpoint_url: 'https://bridge.example.com:8443/*****', name: 'klaviyo-bridge', topics: WANTED.topics }, false],
    ['masked, explicit default port', { endpoint_url: 'https://bridge.example.com:443/*****', name: 'klaviyo-bridge', topics: WANTED.topics }, true],
    ['masked, other scheme', { endpoint_url: 'http://bridge.example.com/*****', name: 'klaviyo-bridge', topics: WANTED.topics }, false],
    ['masked, host in other case', { endpoint_url: 'https://Bridge.Example.com/*****', name: 'klaviyo-bridge', topics: WANTED.topics }, true],
    ['masked after a visible path that differs', { endpoint_url: 'https://bridge.example.com/other/*****', name: 'klaviyo-bridge', topics: WANTED.topics }, false],
    ['masked inside the host', { endpoint_url: 'https://bridge.exa*****', name: 'klaviyo-bridge', topics: WANTED.topics }, true],
    ['truncated with ...', { endpoint_url: 'https://bridge.example.com/webhooks/kla...', name: 'klaviyo-bridge', topics: [] }, true],
    ['shown whole and equal (any name)', { endpoint_url: 'https://bridge.example.com/webhooks/klaviyo/', name: 'ops', topics: [] }, true],
    ['shown whole and different', { endpoint_url: 'https://bridge.example.com/webhooks/other', name: 'klaviyo-bridge', topics: WANTED.topics }, false],
  ])('when the listed webhook is %s, then it is %s', (_label, listed, expected) => {
    expect(sameWebhookEndpoint(listed, WANTED)).toBe(expected);
  });
});
