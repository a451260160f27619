/** A scripted stand-in for fetch: answers in order and records what was sent. */
export interface SentRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

export type ScriptedAnswer =
  | { status: number; body?: unknown; headers?: Record<string, string> }
  | { networkError: string }
  | { hang: true };

export function createFakeFetch(script: ScriptedAnswer[], fallback?: ScriptedAnswer) {
  const sent: SentRequest[] = [];
  const fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    sent.push({
      url: new URL(String(input)),
      method: init.method ?? 'GET',
      headers,
      body: typeof init.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined,
    });
    const answer = script.shift() ?? fallback;
    if (!answer) throw new Error('fake fetch: script exhausted');
    if ('networkError' in answer) throw new TypeError('fetch failed', { cause: new Error(answer.networkError) });
    if ('hang' in answer) {
      return new Promise<Response>((_, reject) => {
        init.signal?.addEventListener('abort', () => reject(init.signal?.reason), { once: true });
      });
    }
    const text = answer.body === undefined ? null : JSON.stringify(answer.body);
    return new Response(text, { status: answer.status, headers: answer.headers });
  };
  return { fetch: fetch as typeof globalThis.fetch, sent };
}
