import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/lib/errors.js';
import { buildFocusGroupRequest, createMaveraClient, MaveraFocusGroupError, parseFocusGroupResult } from '../../services/mavera/index.js';
import { API_KEY, buildFocusGroupDescription, fakeTime, scriptedFetch, type StubAnswer } from './builders.js';

describe('focus group adapter', () => {
  it('when building a request, then it produces the exact assumed wire body', () => {
    expect(buildFocusGroupRequest(buildFocusGroupDescription(), 'ws_1')).toEqual({
      workspace_id: 'ws_1',
      name: 'Cross-sell validation: Mug → Beans',
      persona_ids: ['base_001', 'base_002'],
      stimulus: 'Customers who buy the Mug are offered the Beans at checkout.',
      sample_size: 2,
      questions: [
        { type: 'likert', text: 'How appealing is this pairing?', scale: 5 },
        { type: 'nps', text: 'How likely are you to recommend this bundle?' },
        { type: 'open_ended', text: 'What would make it better?' },
      ],
    });
  });

  it('when the description is invalid, then every bad path is reported', () => {
    const bad = buildFocusGroupDescription({ personaIds: [], questions: [{ kind: 'likert', text: '' }], responsesPerPersona: 0 });
    let caught: unknown;
    try {
      buildFocusGroupRequest(bad, 'ws_1');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).errors?.map((e) => e.path).sort()).toEqual(['/personaIds', '/questions/0/text', '/responsesPerPersona']);
  });

  it('when respondent rows are present, then mean, distribution and NPS are computed from them', () => {
    const body = {
      id: 'fg_1',
      status: 'completed',
      results: {
        questions: [
          { index: 0, type: 'LIKERT', text: 'Appeal?', stats: { mean: 99 } },
          { index: 1, type: 'nps', text: 'Recommend?' },
          { index: 2, type: 'open-ended', text: 'Better?' },
        ],
        respondents: [
          { persona_id: 'p1', persona_name: 'A', answers: [{ question_index: 0, score: 4 }, { question_index: 1, score: 10 }, { question_index: 2, text: 'cheaper' }] },
          { persona_id: 'p2', answers: [{ question_index: 0, score: 2 }, { question_index: 1, score: 3 }, { question_index: 2, text: 'bigger' }] },
        ],
      },
    };
    const result = parseFocusGroupResult(body);
    expect(result.questions[0]).toMatchObject({ kind: 'likert', mean: 3, distribution: { '2': 1, '4': 1 }, responses: 2, nps: null });
    expect(result.questions[1]).toMatchObject({ kind: 'nps', mean: 6.5, nps: { score: 0, promoters: 1, passives: 0, detractors: 1 } });
    expect(result.questions[2]).toMatchObject({ kind: 'open', mean: null, answers: ['cheaper', 'bigger'] });
    expect(result.respondents[1]).toEqual({ personaId: 'p2', personaName: null, answers: [{ questionIndex: 0, score: 2, text: null }, { questionIndex: 1, score: 3, text: null }, { questionIndex: 2, score: null, text: 'bigger' }] });
  });

  it('when only aggregate stats are reported, then they are used, and the description fills missing questions', () => {
    const body = { id: 'fg_1', status: 'COMPLETED', results: { questions: [{ index: 0, type: 'nps', text: 'Recommend?', stats: { mean: 7.2, distribution: { '7': 3 }, nps_score: 12 } }] } };
    const result = parseFocusGroupResult(body, buildFocusGroupDescription({ questions: [{ kind: 'nps', text: 'Recommend?' }, { kind: 'open', text: 'Why?' }] }));
    expect(result.questions[0]).toMatchObject({ mean: 7.2, distribution: { '7': 3 }, nps: { score: 12 } });
    expect(result.questions[1]).toMatchObject({ kind: 'open', text: 'Why?', responses: 0 });
  });
});

describe('focus group polling', () => {
  function clientWith(script: StubAnswer[], timeoutMs = 60_000) {
    const stub = scriptedFetch(script);
    const time = fakeTime();
    const client = createMaveraClient({ apiKey: API_KEY, baseUrl: 'https://mavera.invalid/api/v1', workspaceId: 'ws_1', requestsPerMinute: 1000, fetch: stub.fetch, clock: time.clock, sleep: time.sleep, focusGroupPolling: { initialIntervalMs: 1000, maxIntervalMs: 4000, timeoutMs } });
    return { client, calls: stub.calls, waits: time.waits };
  }
  const completed = { id: 'fg_1', status: 'Completed', usage: { credits_used: 80 }, results: { questions: [], respondents: [] } };

  it('when Mavera reports unknown non-terminal statuses, then polling continues with growing, capped waits', async () => {
    const { client, calls, waits } = clientWith([
      { status: 201, body: { id: 'fg_1', status: 'queued', usage: { credits_used: 80 } } },
      { body: { id: 'fg_1', status: 'PROCESSING' } },
      { body: { id: 'fg_1', status: 'analyzing_themes' } },
      { body: { id: 'fg_1', status: 'processing' } },
      { body: { id: 'fg_1', status: 'processing' } },
      { body: completed },
    ]);
    const statuses: string[] = [];
    const run = await client.runFocusGroup(buildFocusGroupDescription(), { onStatus: (s) => statuses.push(s) });
    expect(run).toMatchObject({ id: 'fg_1', status: 'Completed', creditsUsed: 80 });
    expect(statuses).toEqual(['queued', 'PROCESSING', 'analyzing_themes', 'processing', 'processing']);
    expect(waits).toEqual([1000, 1500, 2250, 3375, 4000]);
    expect(calls.slice(1).every((c) => c.method === 'GET' && c.url.endsWith('/focus-groups/fg_1'))).toBe(true);
    expect(calls[0]?.body).toEqual(run.request);
  });

  it('when the group ends failed, then a focus-group error carries the id and the credits spent', async () => {
    const { client } = clientWith([{ status: 201, body: { id: 'fg_9', status: 'pending', usage: { credits_used: 60 } } }, { body: { id: 'fg_9', status: 'FAILED' } }]);
    await expect(client.runFocusGroup(buildFocusGroupDescription())).rejects.toMatchObject({ code: 'mavera_focus_group_failed', focusGroupId: 'fg_9', creditsUsed: 60 });
  });

  it('when the group outlives the overall timeout, then polling stops with a timeout error', async () => {
    const running = { body: { id: 'fg_2', status: 'processing' } };
    const { client, calls } = clientWith([{ status: 201, body: { id: 'fg_2', status: 'pending' } }, ...Array.from({ length: 20 }, () => running)], 5_000);
    const failure = client.runFocusGroup(buildFocusGroupDescription());
    await expect(failure).rejects.toBeInstanceOf(MaveraFocusGroupError);
    await expect(failure).rejects.toMatchObject({ code: 'mavera_focus_group_timeout' });
    expect(calls.length).toBeLessThan(8);
  });

  it('when no workspace is configured, then nothing is sent and the error says which setting is missing', async () => {
    const stub = scriptedFetch([]);
    const client = createMaveraClient({ apiKey: API_KEY, baseUrl: 'https://mavera.invalid/api/v1', requestsPerMinute: 60, fetch: stub.fetch });
    await expect(client.runFocusGroup(buildFocusGroupDescription())).rejects.toThrow(/MAVERA_WORKSPACE_ID/);
    expect(stub.calls).toHaveLength(0);
  });
});
