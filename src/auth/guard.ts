import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { wantsJson } from '../http/negotiate.js';
import { type SessionUser, sessionCookie, sessionIdFor, userForSessionId } from './sessions.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user, or null. */
    user: SessionUser | null;
    /** The id (token hash) of the session that signed the request in, or null. */
    sessionId: string | null;
  }
  interface FastifyContextConfig {
    /** Reachable without signing in. */
    public?: boolean;
    /** Never looks at who asks (static files, health, API description): no session look-up at all. */
    sessionless?: boolean;
  }
}

/** onRequest hook: who is signing this request, from the session cookie. */
export function loadUser(db: Kysely<Database>) {
  return async (request: FastifyRequest) => {
    if (request.routeOptions.config.sessionless) return;
    const token = request.cookies[sessionCookie];
    if (!token) return;
    const sessionId = sessionIdFor(token);
    request.user = await userForSessionId(db, sessionId);
    if (request.user) request.sessionId = sessionId;
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
