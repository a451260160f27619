import { afterEach, describe, expect, it } from 'vitest';
import { startKlaviyoSandbox, type KlaviyoSandbox } from '../../sandbox/klaviyo/index.js';
import { runKlaviyoWebhooksCli } from '../../scripts/klaviyo-webhooks.js';

const API_KEY = 'pk_webhook_registration_0001';
const SECRET = 'klaviyo-webhook-secret-000001';
const URL_OK = 'https://bridge.example.com/webhooks/klaviyo';

describe('npm run klaviyo:webhooks against the Klaviyo sandbox', () => {
  let sandbox: KlaviyoSandbox | undefined;
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });

  async function cli(...argv: string[]) {
    sandbox ??= await startKlaviyoSandbox({ apiKey: API_KEY, seed: 5, scale: { profiles: 10, orders: 5 } });
    const lines: string[] = [];
    const env = { KLAVIYO_API_KEY: API_KEY, KLAVIYO_BASE_URL: sandbox.url, KLAVIYO_WEBHOOK_SECRETS: `${SECRET},second-secret-xxxxxxxxxx` };
    const code = await runKlaviyoWebhooksCli(argv, env, (l) => lines.push(l));
    return { code, lines };
  }

  it('when topics are listed, then the account’s topic ids are printed', async () => {
    const { code, lines } = await cli('topics');
    expect(code).toBe(0);
    expect(lines).toContain('event:klaviyo.sent_sms');
  });

  it('when a webhook is created, then Klaviyo holds it with our first secret and list shows it; a second create needs --force', async () => {
    const created = await cli('create', '--url', URL_OK, '--topics', 'event:klaviyo.sent_sms,event:klaviyo.opened_email');
    expect(created.code).toBe(0);
    expect(JSON.parse(created.lines[0]!)).toMatchObject({ name: 'klaviyo-bridge', topics: ['event:klaviyo.sent_sms', 'event:klaviyo.opened_email'] });
    expect(sandbox!.data.webhooks).toHaveLength(1);
    expect(sandbox!.data.webhooks[0]).toMatchObject({ endpointUrl: URL_OK, secretKey: SECRET });

    const listed = await cli('list');
    expect(listed.lines.map((l) => JSON.parse(l) as { topics: string[] })[0]?.topics).toEqual(['event:klaviyo.sent_sms', 'event:klaviyo.opened_email']);

    const again = await cli('create', '--url', URL_OK, '--topics', 'event:klaviyo.sent_sms');
    expect(again.code).toBe(1);
    expect(again.lines[0]).toMatch(/already delivers to this URL/);
    expect((await cli('create', '--url', URL_OK, '--topics', 'event:klaviyo.sent_sms', '--force', '--secret-index', '1')).code).toBe(0);
    expect(sandbox!.data.webhooks[1]?.secretKey).toBe('second-secret-xxxxxxxxxx');
  });

  it.each([
    [['create', '--url', 'http://bridge.example.com/webhooks/klaviyo', '--topics', 'event:klaviyo.sent_sms'], /https/],
    [['create', '--url', URL_OK, '--topics', 'event:klaviyo.no_such_topic'], /unknown topic event:klaviyo.no_such_topic/],
    [['create', '--url', URL_OK], /at least one topic/],
  ])('when create gets %j, then it refuses and Klaviyo holds nothing', async (argv, message) => {
    const { code, lines } = await cli(...argv);
    expect(code).toBe(1);
    expect(lines.join('\n')).toMatch(message);
    expect(sandbox!.data.webhooks).toHaveLength(0);
  });

  it('when the command is unknown, then the usage is printed with EX_USAGE', async () => {
    const { code, lines } = await cli('delete');
    expect(code).toBe(64);
    expect(lines[0]).toMatch(/Usage/);
  });
});
