/**
 * The Klaviyo OAuth connection (OAuth app mode): the one credential object, sealed with SECRETS_KEY
 * before it reaches the store (src/lib/secrets-box.ts), and the pending authorization requests
 * (`state` → PKCE verifier), each usable once and for a short while.
 */
export type KlaviyoConnectionStatus = 'connected' | 'revoked' | 'failing';

export interface KlaviyoConnectionRecord {
  /** The whole credential object (access and refresh tokens, expiry), sealed: the store never sees a token. */
  sealedCredentials: string;
  status: KlaviyoConnectionStatus;
  scopes: string[];
  accountId: string | null;
  accessExpiresAt: Date | null;
  lastRefreshAt: Date | null;
  /** Why the connection is failing or revoked, for operators (never a token). */
  lastError: string | null;
}

export interface StoredKlaviyoConnection extends KlaviyoConnectionRecord {
  /** Grows by one with every save: a refresh saves only over the version it read, so one refresh wins. */
  version: number;
  updatedAt: Date;
}

export interface OAuthPendingState {
  state: string;
  /** The PKCE code verifier, sealed. */
  sealedVerifier: string;
  scopes: string[];
  createdAt: Date;
  expiresAt: Date;
}

export interface KlaviyoConnectionStore {
  get(): Promise<StoredKlaviyoConnection | undefined>;
  /**
   * Saves `record` if the stored version is still `expectedVersion` (0: none stored yet) and returns
   * the new version; undefined (and no change) when another writer saved first.
   */
  save(record: KlaviyoConnectionRecord, expectedVersion: number, now: Date): Promise<number | undefined>;
  /** Forgets the connection. */
  clear(): Promise<void>;
  addState(state: OAuthPendingState): Promise<void>;
  /**
   * Takes a pending authorization once: returns it and deletes it when it exists and has not expired
   * at `now`; undefined otherwise (a reused, unknown or expired state). Expired states are deleted too.
   */
  takeState(state: string, now: Date): Promise<OAuthPendingState | undefined>;
}
