import { createHash } from 'node:crypto';
import type { FocusGroupWireRequest, FocusGroupWireResults } from '../../services/mavera/focus-group-adapter.js';
import { distributionOf, meanOf, npsOf } from '../../services/mavera/focus-group-stats.js';

/**
 * Deterministic answers in the shape the client's adapter assumes (the fake speaks the same
 * assumptions, so a change to the adapter must change both). Each answer is a pure function of
 * (persona, respondent, question, stimulus): the same request always yields the same results.
 */
function unit(...parts: Array<string | number>): number {
  const hash = createHash('sha256').update(parts.join('|')).digest();
  return hash.readUInt32BE(0) / 4_294_967_296;
}

/** 2 credits per answer plus 20 for the group: 3 personas × 5 questions × 2 responses = 80. */
export function focusGroupCost(request: Pick<FocusGroupWireRequest, 'persona_ids' | 'questions' | 'sample_size'>): number {
  return 20 + 2 * request.persona_ids.length * request.questions.length * request.sample_size;
}

export function focusGroupResults(request: FocusGroupWireRequest, personaName: (id: string) => string): FocusGroupWireResults {
  const respondents = request.persona_ids.flatMap((personaId) =>
    Array.from({ length: request.sample_size }, (_, r) => ({
      persona_id: personaId,
      persona_name: personaName(personaId),
      respondent_index: r,
      answers: request.questions.map((q, index) => {
        const u = unit(personaId, r, index, request.stimulus);
        if (q.type === 'open_ended') return { question_index: index, score: null, text: `${personaName(personaId)} #${r + 1}: ${u < 0.5 ? 'I would consider it' : 'Not for me'} (“${q.text.slice(0, 40)}”)` };
        const score = q.type === 'nps' ? Math.floor(u * 11) : 1 + Math.floor(u * (q.scale ?? 5));
        return { question_index: index, score, text: `Reasoning of ${personaName(personaId)} #${r + 1}` };
      }),
    })),
  );
  const questions = request.questions.map((q, index) => {
    const scores = respondents.flatMap((r) => r.answers.filter((a) => a.question_index === index && typeof a.score === 'number').map((a) => a.score as number));
    const nps = q.type === 'nps' ? npsOf(scores) : null;
    const stats = q.type === 'open_ended' ? undefined : { mean: meanOf(scores) ?? 0, distribution: distributionOf(scores), ...(nps ? { nps_score: nps.score } : {}) };
    return { index, type: q.type, text: q.text, ...(stats ? { stats } : {}) };
  });
  return { questions, respondents };
}
