/** The seeded Klaviyo account: every generator, built from (seed, scale, anchor). */
import type { SandboxScale } from '../types.js';
import { generateCampaigns, type SeededCampaign } from './campaigns.js';
import { generateCatalog, type SeededCatalogItem } from './catalog.js';
import { generateFlows, type SeededFlows } from './flows.js';
import { generateLists, generateMetrics, type SeededList, type SeededMetric } from './metrics.js';
import { SeededOrders } from './orders.js';
import { SeededProfiles } from './profiles.js';
import { generateSegments, SegmentMembership } from './segments.js';

export const DEFAULT_SCALE: SandboxScale = {
  profiles: 2000,
  predictiveShare: 0.4,
  segments: 10,
  flows: 6,
  campaignsPerChannel: 8,
  catalogItems: 40,
  orders: 1500,
};

export interface SeededAccount {
  seed: number;
  scale: SandboxScale;
  /** "Now" of the seeded data, epoch milliseconds. */
  anchorMs: number;
  profiles: SeededProfiles;
  segments: SegmentMembership;
  flows: SeededFlows;
  campaigns: SeededCampaign[];
  catalog: SeededCatalogItem[];
  orders: SeededOrders;
  metrics: SeededMetric[];
  lists: SeededList[];
}

export function generateAccount(seed: number, scale: SandboxScale, anchorMs: number): SeededAccount {
  const catalog = generateCatalog(seed, scale.catalogItems, anchorMs);
  return {
    seed,
    scale,
    anchorMs,
    profiles: new SeededProfiles(seed, scale.profiles, scale.predictiveShare, anchorMs),
    segments: new SegmentMembership(seed, generateSegments(seed, scale.segments, anchorMs)),
    flows: generateFlows(seed, scale.flows, anchorMs),
    campaigns: generateCampaigns(seed, scale.campaignsPerChannel, anchorMs),
    catalog,
    orders: new SeededOrders(seed, scale.orders, Math.max(1, scale.profiles), catalog, anchorMs),
    metrics: generateMetrics(seed, anchorMs),
    lists: generateLists(seed, anchorMs),
  };
}
