import { afterEach, describe, expect, it } from 'vitest';
import { startKlaviyoSandbox, type KlaviyoSandbox } from '../../sandbox/klaviyo/index.js';
import { runKlaviyoWebhooksCli } from '../../scripts/klaviyo-webhooks.js';
import { createKlaviyoService } from '../../services/klaviyo/index.js';
import { KlaviyoWebhooksForbiddenError, listKlaviyoWebhooks, registerKlaviyoWebhook } from '../../services/webhooks/klaviyo-registration.js';

const API_KEY = 'pk_webhook_registration_0001';
const SECRET = 'klaviyo-webhook-secret-000001';
const URL_OK = 'https://bridge.example.com/webhooks/klaviyo';
const TOPICS = 'event:klaviyo.sent_sms,event:klaviyo.opened_email';

/**
 * One fake clock for the sandbox's rate windows and the client's limiter: the webhooks API allows
 * 1 request/s, and the limiter's waits advance this clock instead of sleeping (STYLE 8).
 */
function fakeTime() {
  let nowMs = Date.parse('2026-04-13T22:50:12Z');
  return {
    now: () => nowMs,
    cli: {
      clock: () => new Date(nowMs),
      sleep: async (ms: number) => {
        nowMs += ms;
      },
    },
  };
}

describe('npm run klaviyo:webhooks against the Klaviyo sandbox (an account with Advanced KDP)', () => {
  let sandbox: KlaviyoSandbox | undefined;
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });

  const time = fakeTime();
  async function cli(...argv: string[]) {
    sandbox ??= await startKlaviyoSandbox({ apiKey: API_KEY, seed: 5, scale: { profiles: 10, orders: 5 }, live: { advancedKdp: true }, now: time.now });
    const lines: string[] = [];
    const env = { KLAVIYO_API_KEY: API_KEY, KLAVIYO_BASE_URL: sandbox.url, KLAVIYO_WEBHOOK_SECRETS: `${SECRET},second-secret-xxxxxxxxxx` };
    const code = await runKlaviyoWebhooksCli(argv, env, (l) => lines.push(l), time.cli);
    return { code, lines };
  }

  it('when topics are listed, then the account’s topic ids are printed', async () => {
    const { code, lines } = await cli('topics');
    expect(code).toBe(0);
    expect(lines).toContain('event:klaviyo.sent_sms');
  });

  it('when a webhook is created, then Klaviyo holds it with our first secret and list shows it masked as live does', async () => {
    const created = await cli('create', '--url', URL_OK, '--topics', TOPICS);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.lines[0]!)).toMatchObject({ name: 'klaviyo-bridge', endpoint_url: URL_OK, topics: ['event:klaviyo.sent_sms', 'event:klaviyo.opened_email'], created: true });
    expect(sandbox!.data.webhooks).toHaveLength(1);
    expect(sandbox!.data.webhooks[0]).toMatchObject({ endpointUrl: URL_OK, secretKey: SECRET });

    const listed = (await cli('list')).lines.map((l) => JSON.parse(l) as { topics: string[]; endpoint_url: string });
    expect(listed[0]).toMatchObject({ endpoint_url: 'https://bridge.example.com/*****', topics: ['event:klaviyo.sent_sms', 'event:klaviyo.opened_email'] });
  });

  it('when create is re-run with the same topics while Klaviyo masks every URL, then it finds the existing webhook and creates no duplicate', async () => {
    expect((await cli('create', '--url', URL_OK, '--topics', TOPICS)).code).toBe(0);
    const again = await cli('create', '--url', URL_OK, '--topics', 'event:klaviyo.opened_email,event:klaviyo.sent_sms');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.lines[0]!)).toMatchObject({ id: sandbox!.data.webhooks[0]!.id, created: false });
    expect(again.lines[1]).toMatch(/already delivers these topics.*nothing created/);
    expect(sandbox!.data.webhooks).toHaveLength(1);
  });

  it('when create is re-run with other topics, then it refuses (conflict) and --force creates a second one', async () => {
    expect((await cli('create', '--url', URL_OK, '--topics', TOPICS)).code).toBe(0);
    const again = await cli('create', '--url', URL_OK, '--topics', 'event:klaviyo.sent_sms');
    expect(again.code).toBe(1);
    expect(again.lines[0]).toMatch(/already delivers to this URL with other topics/);
    expect(sandbox!.data.webhooks).toHaveLength(1);
    expect((await cli('create', '--url', URL_OK, '--topics', 'event:klaviyo.sent_sms', '--force', '--secret-index', '1')).code).toBe(0);
    expect(sandbox!.data.webhooks[1]?.secretKey).toBe('second-secret-xxxxxxxxxx');
  });

  it('when another service on another host holds a webhook with our name, then ours is still created', async () => {
    expect((await cli('create', '--url', 'https://other.example.com/webhooks/klaviyo', '--topics', TOPICS)).code).toBe(0);
    expect((await cli('create', '--url', URL_OK, '--topics', TOPICS)).code).toBe(0);
    expect(sandbox!.data.webhooks.map((w) => w.endpointUrl)).toEqual(['https://other.example.com/webhooks/klaviyo', URL_OK]);
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

describe('the webhooks API with a private key on an account without Advanced KDP (live Klaviyo’s default)', () => {
  let sandbox: KlaviyoSandbox | undefined;
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });

  const time = fakeTime();
  const start = async () => {
    sandbox = await startKlaviyoSandbox({ apiKey: API_KEY, seed: 5, scale: { profiles: 10, orders: 5 }, now: time.now });
    return sandbox;
  };

  it.each([['list'], ['topics'], ['create', '--url', URL_OK, '--topics', TOPICS]])('when %s is run, then the 403 is explained (OAuth app or Advanced KDP) with EX_NOPERM', async (...argv) => {
    const { url } = await start();
    const lines: string[] = [];
    const env = { KLAVIYO_API_KEY: API_KEY, KLAVIYO_BASE_URL: url, KLAVIYO_WEBHOOK_SECRETS: SECRET };
    expect(await runKlaviyoWebhooksCli(argv, env, (l) => lines.push(l), time.cli)).toBe(77);
    expect(lines.join('\n')).toContain('the webhooks API needs an OAuth app’s token or an account with Advanced KDP; a private key gets 403');
    expect(lines.join('\n')).toContain('You must have Advanced KDP enabled');
    expect(lines.join('\n')).not.toContain(API_KEY);
    expect(sandbox!.data.webhooks).toHaveLength(0);
  });

  it('when the registration service meets the 403, then it throws the typed error with Klaviyo’s detail', async () => {
    const { url } = await start();
    const klaviyo = createKlaviyoService({ apiKey: API_KEY, baseUrl: url, revision: '2026-07-15', ...time.cli });
    await expect(listKlaviyoWebhooks(klaviyo.webhooks)).rejects.toBeInstanceOf(KlaviyoWebhooksForbiddenError);
    await expect(registerKlaviyoWebhook(klaviyo.webhooks, { url: URL_OK, topics: ['event:klaviyo.sent_sms'], secret: SECRET })).rejects.toMatchObject({
      status: 403,
      code: 'klaviyo_webhooks_forbidden',
      klaviyoDetail: 'You must have Advanced KDP enabled',
    });
  });
});
