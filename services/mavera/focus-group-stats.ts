/** Summary statistics of a question's numeric answers (pure; shared by the adapter and the fake). */
export interface NpsBreakdown {
  /** % promoters − % detractors, rounded, −100…100. */
  score: number;
  promoters: number;
  passives: number;
  detractors: number;
}

export function meanOf(scores: number[]): number | null {
  if (scores.length === 0) return null;
  const sum = scores.reduce((total, s) => total + s, 0);
  return Math.round((sum / scores.length) * 1000) / 1000;
}

/** Score → number of answers with that score; keys are the scores as strings (JSON-friendly). */
export function distributionOf(scores: number[]): Record<string, number> {
  const distribution: Record<string, number> = {};
  for (const score of [...scores].sort((a, b) => a - b)) {
    const key = String(score);
    distribution[key] = (distribution[key] ?? 0) + 1;
  }
  return distribution;
}

/** The standard NPS buckets: 9–10 promoters, 7–8 passives, 0–6 detractors. */
export function npsOf(scores: number[]): NpsBreakdown | null {
  if (scores.length === 0) return null;
  const promoters = scores.filter((s) => s >= 9).length;
  const detractors = scores.filter((s) => s <= 6).length;
  const passives = scores.length - promoters - detractors;
  return { score: Math.round(((promoters - detractors) / scores.length) * 100), promoters, passives, detractors };
}
