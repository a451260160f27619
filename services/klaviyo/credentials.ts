/**
 * Where the Klaviyo client gets its Authorization header: a private API key, or (OAuth app mode) an
 * access token that may need refreshing. One provider per process, so sync, jobs and webhook
 * registration authenticate alike in both modes.
 */
export interface KlaviyoCredentials {
  /** The Authorization header value for the next request; may refresh an expiring token first. */
  authorization(): Promise<string>;
  /**
   * After a 401 to a request sent with `rejected`: obtains a fresh credential if it can (once per
   * request), and says whether the request should go once more with it.
   */
  refreshAfterUnauthorized?(rejected: string): Promise<boolean>;
}

/** A private API key (`pk_…`): the same header for every request, nothing to refresh. */
export function apiKeyCredentials(apiKey: string): KlaviyoCredentials {
  const header = `Klaviyo-API-Key ${apiKey}`;
  return { authorization: async () => header };
}
