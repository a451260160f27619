import { hash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ForbiddenError, UnauthorizedError } from './errors.js';

export type TokenKind = 'ingest' | 'admin';

export interface TokenSets {
  ingest: string[];
  admin: string[];
}

// One-shot hashing (crypto.hash): no Hash object to build per request.
const digest = (value: string): Buffer => hash('sha256', value, 'buffer');

/**
 * Matches a presented bearer token against every configured token in constant time. Tokens are
 * hashed first so the comparison length never depends on the secret, and every configured token is
 * compared (no early exit), so timing reveals neither which token matched nor how much of it.
 */
export function createTokenVerifier(tokens: TokenSets): (presented: string) => TokenKind | undefined {
  const known = [
    ...tokens.ingest.map((t) => ({ kind: 'ingest' as const, hash: digest(t) })),
    ...tokens.admin.map((t) => ({ kind: 'admin' as const, hash: digest(t) })),
  ];
  return (presented) => {
    const hash = digest(presented);
    let matched: TokenKind | undefined;
    for (const entry of known) {
      if (timingSafeEqual(hash, entry.hash) && matched === undefined) matched = entry.kind;
    }
    return matched;
  };
}

// RFC 9110 §11.1: the auth scheme is case-insensitive ("bearer", "BEARER"); the token is not.
const BEARER = /^Bearer +([A-Za-z0-9._~+/=-]+)$/i;

/** The kind of the presented token, or the 401 that answers a missing, malformed or unknown one. */
function authenticate(verify: (presented: string) => TokenKind | undefined, header: string | undefined): TokenKind | UnauthorizedError {
  if (!header) return new UnauthorizedError('Missing Authorization header; expected "Bearer <token>".');
  const match = BEARER.exec(header);
  if (!match?.[1]) return new UnauthorizedError('Malformed Authorization header; expected "Bearer <token>".');
  return verify(match[1]) ?? new UnauthorizedError('Unknown bearer token.');
}

/** Express middleware admitting only a valid token of `kind`: 401 without one, 403 for the other kind. */
export function requireToken(verify: (presented: string) => TokenKind | undefined, kind: TokenKind): RequestHandler {
  return (req, _res, next) => {
    const presented = authenticate(verify, req.headers.authorization);
    if (presented instanceof UnauthorizedError) return next(presented);
    if (presented !== kind) return next(new ForbiddenError(`This route needs an ${kind} token.`));
    next();
  };
}

/**
 * Admits a valid token of either kind (401 otherwise). It guards what no route claims, so a path
 * that does not exist tells a caller without a token nothing, and its body is never read.
 */
export function requireAnyToken(verify: (presented: string) => TokenKind | undefined): RequestHandler {
  return (req, _res, next) => {
    const presented = authenticate(verify, req.headers.authorization);
    next(presented instanceof UnauthorizedError ? presented : undefined);
  };
}
