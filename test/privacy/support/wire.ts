/**
 * The service's fetch to Klaviyo, recorded and, where a test says so, held: a request matching a
 * hold waits on the wire until the test releases it, then gets the hold's answer instead of
 * reaching the sandbox. Every send and answer takes the next number of one sequence, so a test
 * asserts what came before what, never how long anything took.
 */
export interface WireRequest {
  method: string;
  path: string;
  body: string;
  sentSeq: number;
  /** Set once answered. */
  answeredSeq?: number;
  status?: number;
}

export interface Hold {
  /** Requests of this hold that reached the wire so far. */
  readonly caught: number;
  /** Lets the held requests go: each is answered `status` (a 503 by default). */
  release(): void;
}

export interface Wire {
  fetch: typeof fetch;
  requests: WireRequest[];
  /** The next `requests` requests whose path matches are held, then answered with `status`. */
  hold(path: RegExp, options?: { requests?: number; status?: number }): Hold;
  releaseAll(): void;
}

export function createWire(realFetch: typeof fetch = globalThis.fetch): Wire {
  const requests: WireRequest[] = [];
  let seq = 0;
  const holds: Array<{ path: RegExp; left: number; caught: number; status: number; released: Promise<void>; release(): void }> = [];

  const wired: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const entry: WireRequest = { method: init?.method ?? 'GET', path: url.pathname, body: typeof init?.body === 'string' ? init.body : '', sentSeq: (seq += 1) };
    requests.push(entry);
    const hold = holds.find((h) => h.left > 0 && h.path.test(url.pathname));
    if (hold) {
      hold.left -= 1;
      hold.caught += 1;
      await hold.released;
      entry.status = hold.status;
      entry.answeredSeq = seq += 1;
      return new Response(JSON.stringify({ errors: [{ id: 'held', status: hold.status, code: 'error', title: 'Held by the test', detail: 'held' }] }), {
        status: hold.status,
        headers: { 'content-type': 'application/vnd.api+json' },
      });
    }
    const response = await realFetch(input, init);
    entry.status = response.status;
    entry.answeredSeq = seq += 1;
    return response;
  };

  return {
    fetch: wired,
    requests,
    hold(path, options = {}) {
      let release = () => undefined as void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const hold = { path, left: options.requests ?? 1, caught: 0, status: options.status ?? 503, released, release };
      holds.push(hold);
      return {
        get caught() {
          return hold.caught;
        },
        release: () => hold.release(),
      };
    },
    releaseAll() {
      for (const hold of holds) hold.release();
    },
  };
}
