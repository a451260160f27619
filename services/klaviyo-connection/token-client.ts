/**
 * Klaviyo's OAuth token endpoints (`{KLAVIYO_BASE_URL}/oauth/token`, `/oauth/revoke`): HTTP Basic
 * with the app's client id and secret, form-encoded bodies, RFC 6749 answers and errors.
 */
export interface OAuthTokenAnswer {
  access_token: string;
  /** Klaviyo may or may not rotate it on a refresh: absent means keep the one we have. */
  refresh_token?: string;
  token_type: string;
  expires_in: number;
  scope?: string;
}

/** The grant is gone (revoked, expired, a code used twice): only a new install helps. */
export class OAuthGrantError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    description: string | undefined,
  ) {
    super(`Klaviyo refused the grant (${status} ${code})${description ? `: ${description}` : ''}`);
    this.name = 'OAuthGrantError';
  }
}

/** Klaviyo's token endpoint did not answer usefully (network, timeout, 5xx, 429): try again later. */
export class OAuthUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OAuthUnavailableError';
  }
}

export interface OAuthTokenClientOptions {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export function createOAuthTokenClient(options: OAuthTokenClientOptions) {
  const doFetch = options.fetch ?? globalThis.fetch;
  const basic = `Basic ${Buffer.from(`${options.clientId}:${options.clientSecret}`).toString('base64')}`;

  async function post(path: '/oauth/token' | '/oauth/revoke', form: Record<string, string>): Promise<unknown> {
    let response: Response;
    try {
      response = await doFetch(`${options.baseUrl}${path}`, {
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams(form).toString(),
        signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
      });
    } catch (cause) {
      throw new OAuthUnavailableError(`Klaviyo's ${path} could not be reached`, { cause });
    }
    const text = await response.text();
    let body: Record<string, unknown> = {};
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      // Not JSON: judged by the status alone.
    }
    if (response.ok) return body;
    if (response.status >= 500 || response.status === 429) throw new OAuthUnavailableError(`Klaviyo's ${path} answered ${response.status}`);
    throw new OAuthGrantError(typeof body.error === 'string' ? body.error : 'invalid_request', response.status, typeof body.error_description === 'string' ? body.error_description : undefined);
  }

  const tokens = (body: unknown): OAuthTokenAnswer => {
    const answer = body as Partial<OAuthTokenAnswer>;
    if (typeof answer.access_token !== 'string' || typeof answer.expires_in !== 'number') throw new OAuthUnavailableError('Klaviyo answered the token request without an access token');
    return answer as OAuthTokenAnswer;
  };

  return {
    async exchangeCode(input: { code: string; codeVerifier: string; redirectUri: string }): Promise<OAuthTokenAnswer> {
      return tokens(await post('/oauth/token', { grant_type: 'authorization_code', code: input.code, code_verifier: input.codeVerifier, redirect_uri: input.redirectUri }));
    },
    async refresh(refreshToken: string): Promise<OAuthTokenAnswer> {
      return tokens(await post('/oauth/token', { grant_type: 'refresh_token', refresh_token: refreshToken }));
    },
    async revoke(token: string, hint: 'refresh_token' | 'access_token'): Promise<void> {
      await post('/oauth/revoke', { token, token_type_hint: hint });
    },
  };
}

export type OAuthTokenClient = ReturnType<typeof createOAuthTokenClient>;
