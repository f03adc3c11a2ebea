import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database, TokenScope } from '../db/schema.js';
import { bearerToken } from '../http/bearer.js';
import { isSafeMethod } from '../http/csrf.js';
import { AppError } from '../http/errors.js';
import { wantsJson } from '../http/negotiate.js';
import type { IdentityCache } from './identity-cache.js';
import { type SessionUser, sessionById, sessionCookie, sessionIdFor } from './sessions.js';
import { tokenHash, userForToken } from './tokens.js';

/** What signed a request in: a session cookie, or an API token with its scope. */
export type Credential =
  | { kind: 'session'; sessionId: string }
  | { kind: 'token'; tokenId: number; scope: TokenScope };

/** Who a request is, and with which scope (a session may do everything its user may). */
export interface Identity {
  user: SessionUser;
  scope: TokenScope;
  credential: Credential;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user, or null. */
    user: SessionUser | null;
    /** The id (token hash) of the session that signed the request in, or null (none, or an API token). */
    sessionId: string | null;
    /** How the request signed in, or null. */
    credential: Credential | null;
  }
  interface FastifyContextConfig {
    /** Reachable without signing in. */
    public?: boolean;
    /** Never looks at who asks (static files, health, API description): no session look-up at all. */
    sessionless?: boolean;
  }
}

/**
 * The one answer to "who is this request, with which scope". A request with `Authorization: Bearer`
 * is its token's and nothing else's: its cookies are not looked at, and a token that signs nobody in
 * (unknown, revoked, expired, its user disabled) is 401 "invalid token", never a fall-back to a
 * session. Otherwise the session cookie decides; no identity is null. With a cache (the app's), a
 * sign-in read lately is not read again (src/auth/identity-cache.ts: what forgets it, and when).
 */
export async function identify(
  db: Kysely<Database>,
  request: FastifyRequest,
  now: Date,
  cache: IdentityCache,
): Promise<Identity | null> {
  const token = bearerToken(request);
  if (token !== null) {
    const holder = token === '' ? null : await tokenHolder(db, cache, token, now);
    if (!holder) throw new AppError(401, 'invalid token');
    return {
      user: holder.user,
      scope: holder.scope,
      credential: { kind: 'token', tokenId: holder.tokenId, scope: holder.scope },
    };
  }
  const cookie = request.cookies[sessionCookie];
  if (!cookie) return null;
  const sessionId = sessionIdFor(cookie);
  const user = await sessionUser(db, cache, sessionId, now);
  return user && { user, scope: 'write', credential: { kind: 'session', sessionId } };
}

/** The session's user: from the cache, else from the database (and then kept). */
async function sessionUser(db: Kysely<Database>, cache: IdentityCache, sessionId: string, now: Date) {
  const cached = cache.session(sessionId, now);
  if (cached) return cached;
  const generation = cache.generation;
  const session = await sessionById(db, sessionId, now);
  if (!session) return null;
  cache.rememberSession(sessionId, session.user, session.expiresAt, now, generation);
  return session.user;
}

/** The token's holder: from the cache, else from the database (which records its use; then kept). */
async function tokenHolder(db: Kysely<Database>, cache: IdentityCache, token: string, now: Date) {
  const hash = tokenHash(token);
  const cached = cache.token(hash, now);
  if (cached) return cached;
  const generation = cache.generation;
  const holder = await userForToken(db, token, now);
  if (!holder) return null;
  cache.rememberToken(hash, holder, holder.expiresAt, now, generation);
  return holder;
}

/** onRequest hook: who is signing this request (identify), and a read-only token kept to reading. */
export function loadUser(db: Kysely<Database>, cache: IdentityCache) {
  const signIn = async (request: FastifyRequest) => {
    const identity = await identify(db, request, new Date(), cache);
    if (!identity) return;
    request.user = identity.user;
    request.credential = identity.credential;
    if (identity.credential.kind === 'session') request.sessionId = identity.credential.sessionId;
    if (identity.scope === 'read' && !isSafeMethod(request.method)) {
      throw new AppError(403, 'token is read-only');
    }
  };
  // A callback hook: a sessionless request (static files, health) passes without a promise.
  return (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void) => {
    if (request.routeOptions.config.sessionless) return done();
    signIn(request).then(() => done(), done);
  };
}

/** preHandler hook: every route that is not public needs a session. */
export async function requireLogin(request: FastifyRequest, reply: FastifyReply) {
  if (request.user || request.routeOptions.config.public) return;
  if (wantsJson(request)) return reply.code(401).send({ error: 'login required' });
  return reply.redirect('/login', 302);
}

/** The signed-in user of a route behind requireLogin. */
export function currentUser(request: FastifyRequest): SessionUser {
  if (!request.user) throw new Error('currentUser() called on a public route');
  return request.user;
}
