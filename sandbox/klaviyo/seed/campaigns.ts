/**
 * Seeded campaigns: per channel, `perChannel` sent campaigns 2–85 days before the anchor, paired by
 * theme across channels (same theme, same day: "Spring Sale (email)" / "Spring Sale (sms)"), plus two
 * older sent campaigns (150+ days: outside a 90-day lookback) and one draft. One message each, with
 * campaign-values-report statistics; SMS converts a little better per recipient than email.
 */
import { ulidLike, shortId } from '../ids.js';
import { Prng } from '../prng.js';
import { drawStats, type MessageStats, type RateProfile } from './message-stats.js';

export interface SeededCampaign {
  id: string;
  name: string;
  theme: string;
  channel: 'email' | 'sms';
  status: 'Sent' | 'Draft';
  createdMs: number;
  sendMs: number | null;
  messageId: string;
  templateId: string | null;
  subject: string;
  previewText: string;
  body: string;
  html: string;
  text: string;
  stats: MessageStats | null;
}

const THEMES = ['Spring Sale', 'New Arrivals', 'Weekend Flash Sale', 'Loyalty Rewards', 'Summer Essentials', 'Back to School', 'Free Shipping Week', 'Holiday Preview', 'Clearance Event', 'Member Exclusive', 'Gift Guide', 'Restock Alert'];
const RATES: Record<'email' | 'sms', RateProfile> = {
  email: { openRate: 0.38, clickRate: 0.028, conversionRate: 0.009, orderValue: 85 },
  sms: { openRate: 0, clickRate: 0.085, conversionRate: 0.018, orderValue: 70 },
};
const DAY_MS = 86_400_000;

export function generateCampaigns(seed: number, perChannel: number, anchorMs: number): SeededCampaign[] {
  const random = new Prng(seed, 'campaigns');
  const campaigns: SeededCampaign[] = [];
  const slots: { theme: string; sendMs: number | null; status: 'Sent' | 'Draft' }[] = [];
  for (let k = 0; k < perChannel; k++) {
    const daysAgo = 2 + Math.floor(((k + random.next()) / Math.max(1, perChannel)) * 83);
    slots.push({ theme: THEMES[k % THEMES.length] ?? `Campaign ${k}`, sendMs: anchorMs - daysAgo * DAY_MS - random.int(0, 12) * 3_600_000, status: 'Sent' });
  }
  slots.push({ theme: 'Last Year Recap', sendMs: anchorMs - 150 * DAY_MS, status: 'Sent' });
  slots.push({ theme: 'Anniversary Sale', sendMs: anchorMs - 210 * DAY_MS, status: 'Sent' });
  slots.push({ theme: 'Next Launch (draft)', sendMs: null, status: 'Draft' });
  for (const channel of ['email', 'sms'] as const) {
    for (const slot of slots) {
      const n = campaigns.length;
      const name = `${slot.theme} (${channel})`;
      campaigns.push({
        id: ulidLike(seed, 'campaign', n),
        name,
        theme: slot.theme,
        channel,
        status: slot.status,
        createdMs: (slot.sendMs ?? anchorMs) - random.int(2, 10) * DAY_MS,
        sendMs: slot.sendMs,
        messageId: ulidLike(seed, 'campaign-message', n),
        templateId: channel === 'email' ? shortId(seed, 'campaign-template', n) : null,
        subject: channel === 'email' ? `${slot.theme}: picked for you` : '',
        previewText: channel === 'email' ? `Don't miss ${slot.theme.toLowerCase()}` : '',
        body: `${slot.theme}! Tap to shop: https://shop.example.com Reply STOP to opt out.`,
        html: `<html><body><h1>${slot.theme}</h1><p>Our picks for you.</p></body></html>`,
        text: `${slot.theme}\nOur picks for you.`,
        stats: slot.status === 'Sent' ? drawStats(random, random.int(800, 20_000), RATES[channel], channel) : null,
      });
    }
  }
  return campaigns;
}
