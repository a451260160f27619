import type { OAuthPendingState, StoredKlaviyoConnection } from './klaviyo-connection.js';

/** The rows of klaviyo_connection and oauth_states, alike on both SQL backends. */
export interface KlaviyoConnectionRow {
  sealed_credentials: string;
  status: StoredKlaviyoConnection['status'];
  scopes_json: string;
  account_id: string | null;
  access_expires_at: number | null;
  last_refresh_at: number | null;
  last_error: string | null;
  version: number;
  updated_at: number;
}

export interface OAuthStateRow {
  state: string;
  sealed_verifier: string;
  scopes_json: string;
  created_at: number;
  expires_at: number;
}

const date = (ms: number | null) => (ms === null ? null : new Date(Number(ms)));

export function toConnection(row: KlaviyoConnectionRow): StoredKlaviyoConnection {
  return {
    sealedCredentials: row.sealed_credentials,
    status: row.status,
    scopes: JSON.parse(row.scopes_json) as string[],
    accountId: row.account_id,
    accessExpiresAt: date(row.access_expires_at),
    lastRefreshAt: date(row.last_refresh_at),
    lastError: row.last_error,
    version: Number(row.version),
    updatedAt: new Date(Number(row.updated_at)),
  };
}

export function toOAuthState(row: OAuthStateRow): OAuthPendingState {
  return { state: row.state, sealedVerifier: row.sealed_verifier, scopes: JSON.parse(row.scopes_json) as string[], createdAt: new Date(Number(row.created_at)), expiresAt: new Date(Number(row.expires_at)) };
}
