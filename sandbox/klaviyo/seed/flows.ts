/**
 * Seeded flows → actions → messages (email and sms) → templates, with flow-values-report statistics
 * per message. Ordinary messages have 600–6,000 recipients and rates within ±10% of one baseline
 * (email and SMS share click and conversion baselines; SMS has no opens). Planted: ONE clearly-worst
 * email message (1,200 recipients, every rate about a fifth of the usual) — the only message with
 * ≥ 100 recipients below 0.8 × the median on any rate — and a few low-volume messages (< 100
 * recipients) with poor rates that a minimum-recipients threshold must ignore.
 *
 * Triggers: a `Metric` flow names the metric that starts it (`triggerMetric`, fixed by the flow's
 * name, never drawn from the PRNG, so it changes no seeded number): Abandoned Cart ← `Started
 * Checkout`, Browse Abandonment ← `Viewed Product`, Post-Purchase Thank You and Win-back ← `Placed
 * Order`. Other trigger types (list, date, inventory, price) have none. Only live flows fire.
 */
import { shortId } from '../ids.js';
import { Prng } from '../prng.js';
import { drawStats, type MessageStats, type RateProfile } from './message-stats.js';

export interface SeededFlowMessage {
  id: string;
  actionId: string;
  flowId: string;
  channel: 'email' | 'sms';
  name: string;
  subject: string;
  previewText: string;
  body: string;
  templateId: string;
  html: string;
  text: string;
  stats: MessageStats;
}

export interface SeededFlowAction {
  id: string;
  flowId: string;
  type: 'send-email' | 'send-sms' | 'time-delay';
  messageId: string | null;
}

export interface SeededFlow {
  id: string;
  name: string;
  status: 'live' | 'draft' | 'manual';
  triggerType: string;
  /** The metric whose events trigger the flow (Metric-triggered flows), else null. */
  triggerMetric: string | null;
  createdMs: number;
  actions: SeededFlowAction[];
}

export interface SeededFlows {
  flows: SeededFlow[];
  actions: SeededFlowAction[];
  messages: SeededFlowMessage[];
  plantedWorstMessageId: string;
}

/** [name, trigger type, trigger metric]. */
const FLOW_NAMES: readonly [string, string, string | null][] = [
  ['Welcome Series', 'Added to List', null], ['Abandoned Cart', 'Metric', 'Started Checkout'], ['Browse Abandonment', 'Metric', 'Viewed Product'],
  ['Post-Purchase Thank You', 'Metric', 'Placed Order'], ['Win-back', 'Metric', 'Placed Order'], ['Birthday Treat', 'Date Based', null],
  ['Back in Stock', 'Low Inventory', null], ['Price Drop Alert', 'Price Drop', null],
];
const EMAIL_RATES: RateProfile = { openRate: 0.42, clickRate: 0.05, conversionRate: 0.012, orderValue: 80 };
const SMS_RATES: RateProfile = { openRate: 0, clickRate: 0.055, conversionRate: 0.013, orderValue: 75 };
const WORST_RATES: RateProfile = { openRate: 0.08, clickRate: 0.008, conversionRate: 0.002, orderValue: 40 };
const DAY_MS = 86_400_000;

export function generateFlows(seed: number, liveCount: number, anchorMs: number): SeededFlows {
  const random = new Prng(seed, 'flows');
  const flows: SeededFlow[] = [];
  const actions: SeededFlowAction[] = [];
  const messages: SeededFlowMessage[] = [];
  const total = Math.max(2, liveCount) + 1;
  let actionCount = 0;
  let plantedWorstMessageId = '';
  for (let f = 0; f < total; f++) {
    const [baseName, triggerType, triggerMetric] = FLOW_NAMES[f % FLOW_NAMES.length] ?? ['Flow', 'Metric', null];
    const isDraft = f === total - 1;
    const flow: SeededFlow = {
      id: shortId(seed, 'flow', f),
      name: f < FLOW_NAMES.length ? baseName : `${baseName} ${Math.floor(f / FLOW_NAMES.length) + 1}`,
      status: isDraft ? 'draft' : 'live',
      triggerType,
      triggerMetric,
      createdMs: anchorMs - random.int(60, 700) * DAY_MS,
      actions: [],
    };
    const sends = random.int(2, 3);
    for (let s = 0; s < sends; s++) {
      if (s > 0) {
        const delay: SeededFlowAction = { id: String(90_000_000 + actionCount++), flowId: flow.id, type: 'time-delay', messageId: null };
        flow.actions.push(delay);
      }
      const channel: 'email' | 'sms' = s === 1 && f % 2 === 0 ? 'sms' : 'email';
      const actionId = String(90_000_000 + actionCount++);
      const messageId = shortId(seed, 'flow-message', messages.length);
      const isWorst = f === 1 && s === 1 && !isDraft;
      const isLowVolume = !isWorst && s === sends - 1 && f % 3 === 2;
      const recipients = isWorst ? 1200 : isLowVolume ? random.int(20, 80) : random.int(600, 6000);
      const rates = isWorst ? WORST_RATES : isLowVolume ? { ...WORST_RATES, openRate: channel === 'email' ? 0.1 : 0 } : channel === 'email' ? EMAIL_RATES : SMS_RATES;
      const effectiveChannel = isWorst ? 'email' : channel;
      const stats = drawStats(random, isDraft ? 0 : recipients, rates, effectiveChannel, isWorst ? 0.05 : 0.1);
      if (isWorst) plantedWorstMessageId = messageId;
      const step = `${flow.name} #${s + 1}`;
      messages.push({
        id: messageId,
        actionId,
        flowId: flow.id,
        channel: effectiveChannel,
        name: `${step} (${effectiveChannel})`,
        subject: effectiveChannel === 'email' ? `${flow.name}: ${['a little something for you', 'you left something behind', 'still thinking it over?'][s] ?? 'hello'}` : '',
        previewText: effectiveChannel === 'email' ? `Step ${s + 1} of ${flow.name}` : '',
        body: `Hi {{ first_name|default:'there' }}, ${flow.name.toLowerCase()} step ${s + 1}. Shop now: {{ url }}`,
        templateId: shortId(seed, 'flow-template', messages.length),
        html: `<html><body><h1>${flow.name}</h1><p>Step ${s + 1}: we picked these for you.</p><a href="https://shop.example.com">Shop now</a></body></html>`,
        text: `${flow.name}\nStep ${s + 1}: we picked these for you.\nShop now: https://shop.example.com`,
        stats,
      });
      flow.actions.push({ id: actionId, flowId: flow.id, type: effectiveChannel === 'email' ? 'send-email' : 'send-sms', messageId });
    }
    actions.push(...flow.actions);
    flows.push(flow);
  }
  return { flows, actions, messages, plantedWorstMessageId };
}
