/**
 * The pure core of segment-overlap. Profile ids are interned to dense integers once, and each
 * segment keeps its members as a sorted Uint32Array (4 bytes a membership), so exact pairwise
 * intersections are linear merges and memory grows with memberships, not with segments squared.
 */
export interface SegmentOverlap {
  a: string;
  b: string;
  intersection: number;
  jaccard: number;
  overlap_of_smaller: number;
}

export interface SegmentSize {
  id: string;
  name: string;
  size: number;
  /** Klaviyo was still computing the segment (`is_processing`): `size` counts the members so far, not a final size. */
  partial: boolean;
}

export function createProfileInterner() {
  const ids = new Map<string, number>();
  return {
    indexOf(id: string): number {
      let index = ids.get(id);
      if (index === undefined) {
        index = ids.size;
        ids.set(id, index);
      }
      return index;
    },
    get size(): number {
      return ids.size;
    },
  };
}

/** Collects one segment's member indexes page by page, then sorts and dedupes them. */
export function createMemberSet() {
  let values = new Uint32Array(256);
  let length = 0;
  return {
    add(index: number): void {
      if (length === values.length) {
        const next = new Uint32Array(values.length * 2);
        next.set(values);
        values = next;
      }
      values[length] = index;
      length += 1;
    },
    finish(): Uint32Array {
      const sorted = values.slice(0, length).sort();
      let unique = 0;
      for (let i = 0; i < sorted.length; i += 1) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[unique++] = sorted[i] ?? 0;
      return sorted.slice(0, unique);
    },
  };
}

export function intersectionSize(a: Uint32Array, b: Uint32Array): number {
  let i = 0;
  let j = 0;
  let count = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] ?? 0;
    const y = b[j] ?? 0;
    if (x === y) {
      count += 1;
      i += 1;
      j += 1;
    } else if (x < y) i += 1;
    else j += 1;
  }
  return count;
}

const round4 = (v: number) => Math.round(v * 10_000) / 10_000;

/** Every pair of segments sharing at least one member, most similar first. */
export function pairwiseOverlaps(segments: ReadonlyArray<{ id: string; members: Uint32Array }>): SegmentOverlap[] {
  const overlaps: SegmentOverlap[] = [];
  for (let i = 0; i < segments.length; i += 1) {
    for (let j = i + 1; j < segments.length; j += 1) {
      const a = segments[i];
      const b = segments[j];
      if (!a || !b) continue;
      const intersection = intersectionSize(a.members, b.members);
      if (intersection === 0) continue;
      const union = a.members.length + b.members.length - intersection;
      overlaps.push({
        a: a.id,
        b: b.id,
        intersection,
        jaccard: round4(intersection / union),
        overlap_of_smaller: round4(intersection / Math.min(a.members.length, b.members.length)),
      });
    }
  }
  return overlaps.sort((x, y) => y.jaccard - x.jaccard || y.intersection - x.intersection || x.a.localeCompare(y.a) || x.b.localeCompare(y.b));
}

/** Groups of segments linked by pairs at or above `threshold` on `metric` (connected components). */
export function redundantClusters(ids: readonly string[], overlaps: readonly SegmentOverlap[], metric: 'jaccard' | 'overlap_of_smaller', threshold: number): string[][] {
  const parent = new Map(ids.map((id) => [id, id]));
  const find = (id: string): string => {
    let root = id;
    while (parent.get(root) !== root) root = parent.get(root) ?? root;
    parent.set(id, root);
    return root;
  };
  for (const o of overlaps) if (o[metric] >= threshold) parent.set(find(o.a), find(o.b));
  const groups = new Map<string, string[]>();
  for (const id of ids) groups.set(find(id), [...(groups.get(find(id)) ?? []), id]);
  return [...groups.values()].filter((g) => g.length > 1).map((g) => g.sort()).sort((x, y) => (x[0] ?? '').localeCompare(y[0] ?? ''));
}
