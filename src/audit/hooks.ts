/**
 * The audit log's one place in the request path (design/operations.md). Every route that may change
 * state (any method but GET and HEAD) names its action in `config.audit`; an `onRoute` hook refuses to
 * start a panel with one that does not. An `onSend` hook records the request once it succeeded (a
 * status below 400), before the answer leaves, so whoever reads the log next sees it. Handlers add
 * what only they know (a new row's id, what an update changed) with noteAudit(), and record a failed
 * attempt worth keeping (a wrong password at sign-in) with auditFailure(): that one is kept whatever
 * the status. Other refusals (a 400 on a form, a 404, a 403) are not recorded: they changed nothing.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { pickFields } from './detail.js';
import { type Actor, type NewAuditEntry, recordAudit, type TargetType } from './log.js';

/** A state-changing route's audit decision. */
export interface AuditSpec {
  /** Dotted: `server.start`. */
  action: string;
  /** What the entry is about; its id is the route's `:id` unless the handler notes another. */
  target?: TargetType;
  /** Body fields recorded as sent: an allow-list (detail.ts drops secrets anyway). */
  fields?: readonly string[];
}

/** What a handler adds to its route's entry. */
export interface AuditNote {
  /** Another action than the route's (e.g. `install.update` for POST /install on an install). */
  action?: string;
  targetId?: number;
  detail?: Record<string, unknown>;
  /** The actor when the request had none yet (a sign-in, a registration). */
  user?: Actor;
  /** This answer is a step, not the action (the password of a two-factor sign-in): nothing to record. */
  skip?: true;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set on every route but GET/HEAD: what it records in the audit log. */
    audit?: AuditSpec;
  }
  interface FastifyRequest {
    /** Added by the handler to its route's audit entry. */
    auditNote: AuditNote | null;
    /** A failed attempt to record whatever the answer. */
    auditFailure: NewAuditEntry | null;
  }
}

/** Route options naming the audit action (with other config, e.g. a serverAction). */
export const audited = (spec: AuditSpec) => ({ config: { audit: spec } });

const readOnly = new Set(['GET', 'HEAD', 'OPTIONS']);

/** onRoute hook: a route that may change state and names no audit action is a bug, found at start. */
export function requireAuditDecision(route: RouteOptions): void {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  if (methods.every((method) => readOnly.has(method)) || route.config?.audit) return;
  throw new Error(
    `${methods.join(',')} ${route.url} names no audit action (config.audit, src/audit/hooks.ts)`,
  );
}

/** Adds to the entry the route records on success. */
export function noteAudit(request: FastifyRequest, note: AuditNote): void {
  request.auditNote = {
    ...request.auditNote,
    ...note,
    detail: { ...request.auditNote?.detail, ...note.detail },
  };
}

/** Records a failed attempt (a wrong password, a wrong code), whatever the answer's status. */
export function auditFailure(
  request: FastifyRequest,
  action: string,
  /** The signed-in user, or the name someone tried to sign in with. */
  who: Actor | string,
  detail: Record<string, unknown> = {},
): void {
  const actor = typeof who === 'string' ? { user: null, username: who } : { user: who };
  request.auditFailure = { ...actor, ip: request.ip, action, detail };
}

/** The :id of the route, when it is one. */
function routeParamId(request: FastifyRequest): number | null {
  const id = (request.params as { id?: string } | undefined)?.id;
  return id !== undefined && /^\d{1,9}$/.test(id) ? Number(id) : null;
}

/** The entry a successful request records, or null when its route records none. */
export function entryFor(request: FastifyRequest): NewAuditEntry | null {
  const spec = request.routeOptions.config.audit;
  if (!spec) return null;
  const note = request.auditNote ?? {};
  if (note.skip) return null;
  return {
    user: note.user ?? request.user,
    ip: request.ip,
    action: note.action ?? spec.action,
    targetType: spec.target ?? null,
    targetId: note.targetId ?? (spec.target ? routeParamId(request) : null),
    detail: { ...pickFields(request.body, spec.fields ?? []), ...note.detail },
  };
}

/** onSend hook: records the request's entry (success) or its failed attempt, before the answer goes. */
export function recordAuditedRequests(db: Kysely<Database>) {
  return async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const entry = reply.statusCode < 400 ? entryFor(request) : request.auditFailure;
    request.auditNote = null;
    request.auditFailure = null;
    // Nobody signed in did nothing (a logout without a session): nothing to record.
    if (!entry || (!entry.user && !entry.username)) return payload;
    try {
      await recordAudit(db, entry);
    } catch (error) {
      // What was done is done; the answer says so. The log says the entry is missing.
      request.log.error({ err: error, action: entry.action }, 'could not record an audit entry');
    }
    return payload;
  };
}

/** The audit log's hooks on an app. */
export function registerAuditHooks(app: FastifyInstance, db: Kysely<Database>): void {
  app.decorateRequest('auditNote', null);
  app.decorateRequest('auditFailure', null);
  app.addHook('onRoute', requireAuditDecision);
  app.addHook('onSend', recordAuditedRequests(db));
}
