/**
 * Seeded segments. Membership is a pure function of (segment, profile index), so a segment of a
 * 200,000-profile account is paged without materialising it. Three near-identical pairs are planted
 * (the copy keeps ~96% of the original's members and adds ~0.3% others): the redundancy clusters the
 * segment-overlap job should find. The last segment is still processing (`is_processing: true`).
 */
import { shortId } from '../ids.js';
import { Prng, unitAt } from '../prng.js';

export interface SeededSegment {
  id: string;
  name: string;
  /** Share of profiles in a base segment. */
  share: number;
  /** Index of the segment this one nearly duplicates, if any. */
  copyOf: number | null;
  createdMs: number;
  /**
   * Klaviyo is still computing the membership (`is_processing: true`). Live, sizes read then are
   * partial (klaviyo/LIVE-BEHAVIOUR.md "Reads"). Seeded: the last segment, always, so tests can
   * find it; its members are served as they are, the flag is what a client must heed.
   */
  isProcessing: boolean;
}

const BASE_NAMES = ['VIP Customers', 'Engaged (30 days)', 'Repeat Buyers', 'Newsletter Readers', 'High Churn Risk', 'Recent Signups', 'SMS Engaged', 'Big Spenders', 'Lapsed Customers', 'Gift Buyers', 'Sale Hunters', 'Local Shoppers'];
const COPY_DROP_RATE = 0.04;
const COPY_ADD_RATE = 0.003;
const DAY_MS = 86_400_000;

export function generateSegments(seed: number, count: number, anchorMs: number): SeededSegment[] {
  const random = new Prng(seed, 'segments');
  const total = Math.max(6, count);
  const segments: SeededSegment[] = [];
  for (let i = 0; i < total; i++) {
    const isCopy = i < 6 && i % 2 === 1;
    const base = BASE_NAMES[(isCopy ? i - 1 : i) % BASE_NAMES.length] ?? `Segment ${i}`;
    const name = isCopy ? `${base} (copy)` : i >= BASE_NAMES.length ? `${base} ${Math.floor(i / BASE_NAMES.length) + 1}` : base;
    segments.push({
      id: shortId(seed, 'segment', i),
      name,
      share: isCopy ? 0 : random.between(0.05, 0.35),
      copyOf: isCopy ? i - 1 : null,
      createdMs: anchorMs - random.int(30, 600) * DAY_MS,
      isProcessing: i === total - 1,
    });
  }
  return segments;
}

export class SegmentMembership {
  constructor(
    private readonly seed: number,
    readonly segments: readonly SeededSegment[],
  ) {}

  isMember(segmentIndex: number, profileIndex: number): boolean {
    const segment = this.segments[segmentIndex];
    if (!segment) return false;
    if (segment.copyOf === null) return unitAt(this.seed, `segment-${segmentIndex}`, profileIndex) < segment.share;
    if (this.isMember(segment.copyOf, profileIndex)) return unitAt(this.seed, `drop-${segmentIndex}`, profileIndex) >= COPY_DROP_RATE;
    return unitAt(this.seed, `add-${segmentIndex}`, profileIndex) < COPY_ADD_RATE;
  }

  /** `joined_group_at` of a member: deterministic, after the segment was created. */
  joinedAtMs(segmentIndex: number, profileIndex: number, anchorMs: number): number {
    const created = this.segments[segmentIndex]?.createdMs ?? anchorMs;
    return created + Math.floor(unitAt(this.seed, `joined-${segmentIndex}`, profileIndex) * (anchorMs - created));
  }
}
