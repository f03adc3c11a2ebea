/**
 * Who may do what to a server: the one place it is decided (design/accounts.md). Every server route
 * names its action (`config.serverAction`); a hook authorizes it before the handler runs, and the
 * lists, the dashboard and both event streams ask the same functions.
 */
import type { FastifyRequest, RouteOptions } from 'fastify';
import type { Kysely } from 'kysely';
import type { AuditSpec } from '../audit/hooks.js';
import { currentUser } from '../auth/guard.js';
import type { SessionUser } from '../auth/sessions.js';
import { keptRead } from '../db/changes.js';
import { type Placeholders, preparedQuery } from '../db/prepared.js';
import type { Database, ServerRow } from '../db/schema.js';
import { isSafeMethod } from '../http/csrf.js';
import { AppError, notFound } from '../http/errors.js';
import { routeId } from '../http/input.js';

export const permissions = ['view', 'control', 'console', 'settings'] as const;
export type Permission = (typeof permissions)[number];

/** How the user comes to see the server: they own it, it is shared with them, or they administer the panel. */
export type AccessKind = 'owner' | 'member' | 'admin';

export interface ServerAccess {
  access: AccessKind;
  /** Always holds `view`; owners and admins hold them all. */
  permissions: Permission[];
}

/**
 * What each server route does, the permission it needs (`manage`: the owner's or an admin's, never a
 * member's) and how its refusal reads: 403 "you may not <words> this server".
 */
export const serverActions = {
  view: { needs: 'view', words: 'view' },
  start: { needs: 'control', words: 'start' },
  stop: { needs: 'control', words: 'stop' },
  restart: { needs: 'control', words: 'restart' },
  console: { needs: 'console', words: 'use the console of' },
  changelevel: { needs: 'console', words: 'change the map of' },
  kick: { needs: 'console', words: 'kick players from' },
  settings: { needs: 'settings', words: 'change the settings of' },
  delete: { needs: 'manage', words: 'delete' },
  members: { needs: 'manage', words: 'manage the members of' },
} as const satisfies Record<string, { needs: Permission | 'manage'; words: string }>;

export type ServerAction = keyof typeof serverActions;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set on every route under /servers/:id: what it does to the server, checked before the handler. */
    serverAction?: ServerAction;
  }
  interface FastifyRequest {
    /** The server of a route with a serverAction, once the user was allowed to do it. */
    authorizedServer: AuthorizedServer | null;
  }
}

/** A server row, and what the user asking may do to it. */
export interface AuthorizedServer extends ServerAccess {
  row: ServerRow;
}

/** Stored membership permissions ("control,console") as the list, `view` first. */
export function parsePermissions(stored: string): Permission[] {
  const given = new Set(stored.split(','));
  return permissions.filter((permission) => permission === 'view' || given.has(permission));
}

/** The list as stored: without `view` (implied), in a fixed order. */
export function storedPermissions(list: readonly Permission[]): string {
  return permissions.filter((permission) => permission !== 'view' && list.includes(permission)).join(',');
}

/** The decision: what a user may do to a server owned by `ownerId`, given their membership (or null). */
export function accessOf(
  user: Pick<SessionUser, 'id' | 'role'>,
  ownerId: number,
  membership: string | null,
): ServerAccess | null {
  if (ownerId === user.id) return { access: 'owner', permissions: [...permissions] };
  if (user.role === 'admin') return { access: 'admin', permissions: [...permissions] };
  if (membership !== null) return { access: 'member', permissions: parsePermissions(membership) };
  return null;
}

/** Whether that access allows the action. */
export function may(access: ServerAccess, action: ServerAction): boolean {
  const { needs } = serverActions[action];
  return needs === 'manage' ? access.access !== 'member' : access.permissions.includes(needs);
}

/** The servers a user may see, each with the user's membership permissions (null when not a member). */
function visibleServers(db: Kysely<Database>, userId: number, admin: boolean) {
  return db
    .selectFrom('servers')
    .leftJoin('server_members', (join) =>
      join.onRef('server_members.server_id', '=', 'servers.id').on('server_members.user_id', '=', userId),
    )
    .selectAll('servers')
    .select('server_members.permissions as membership')
    .$if(!admin, (query) =>
      query.where((eb) =>
        eb.or([eb('servers.user_id', '=', userId), eb('server_members.user_id', 'is not', null)]),
      ),
    );
}

type VisibleParams = { userId: number; serverId: number };

/** The two look-ups of every request, compiled once (src/db/prepared.ts), for an admin and for others. */
const visibleQueries = ([false, true] as const).map((admin) => ({
  list: preparedQuery((db, p: Placeholders<VisibleParams>) =>
    visibleServers(db, p.userId, admin).orderBy('servers.name').orderBy('servers.id'),
  ),
  one: preparedQuery((db, p: Placeholders<VisibleParams>) =>
    visibleServers(db, p.userId, admin).where('servers.id', '=', p.serverId),
  ),
}));

function visibleQuery(user: SessionUser) {
  return visibleQueries[user.role === 'admin' ? 1 : 0] as (typeof visibleQueries)[number];
}

type VisibleRow = ServerRow & { membership: string | null };

/**
 * Each row read (kept by keptRead, so read again only after a write) as the same frozen
 * AuthorizedServer: what is made from one (its JSON, src/servers/json.ts) can be kept by identity.
 */
const authorized = new WeakMap<VisibleRow, AuthorizedServer>();

function withAccess(user: SessionUser, visible: VisibleRow): AuthorizedServer {
  let found = authorized.get(visible);
  if (!found) {
    const { membership, ...row } = visible;
    const access = accessOf(user, row.user_id, membership) as ServerAccess;
    found = Object.freeze({
      row: Object.freeze(row),
      access: access.access,
      permissions: access.permissions,
    });
    authorized.set(visible, found);
  }
  return found;
}

/**
 * Every server the user may see (owned, shared with them, or all for an admin), by name. Kept until
 * the panel next writes to the database (src/db/changes.ts), for at most 2 s.
 */
export async function listVisibleServers(
  db: Kysely<Database>,
  user: SessionUser,
): Promise<readonly AuthorizedServer[]> {
  const rows = await keptRead(db, `servers:${user.id}:${user.role}`, () =>
    visibleQuery(user).list.run(db, { userId: user.id, serverId: 0 }),
  );
  // Rows kept for one user (the key above) give the same list: what is made from it can be kept too.
  let list = lists.get(rows);
  if (!list) {
    list = Object.freeze(rows.map((row) => withAccess(user, row)));
    lists.set(rows, list);
  }
  return list;
}

const lists = new WeakMap<VisibleRow[], readonly AuthorizedServer[]>();

/** The server's row with the user's membership, if they may see it (kept like the list, unless fresh). */
async function visibleRow(db: Kysely<Database>, user: SessionUser, id: number, fresh = false) {
  const read = async () => (await visibleQuery(user).one.run(db, { userId: user.id, serverId: id }))[0];
  return fresh ? read() : keptRead(db, `server:${user.id}:${user.role}:${id}`, read);
}

/** The server and the user's access to it; 404 when they may not see it, exactly as a missing one. */
export async function visibleServer(
  db: Kysely<Database>,
  user: SessionUser,
  id: number,
  fresh = false,
): Promise<AuthorizedServer> {
  const row = await visibleRow(db, user, id, fresh);
  if (!row) throw notFound('server');
  return withAccess(user, row);
}

/** The server if the user may do the action: 404 when they may not see it, 403 naming the action otherwise. */
export async function authorizeServer(
  db: Kysely<Database>,
  user: SessionUser,
  id: number,
  action: ServerAction,
  fresh = true,
): Promise<AuthorizedServer> {
  const server = await visibleServer(db, user, id, fresh);
  if (!may(server, action)) throw new AppError(403, `you may not ${serverActions[action].words} this server`);
  return server;
}

/** Whether the user may see the server (a port clash names it only then). */
export async function maySeeServer(db: Kysely<Database>, user: SessionUser, id: number): Promise<boolean> {
  return (await visibleRow(db, user, id)) !== undefined;
}

/** onRoute hook: a route under /servers/:id that does not say what it does to the server is a bug, found at start. */
export function requireServerAction(route: RouteOptions): void {
  if (!/^\/servers\/:id(\/|$)/.test(route.url) || route.config?.serverAction) return;
  throw new Error(`${String(route.method)} ${route.url} names no serverAction (src/servers/access.ts)`);
}

/** preHandler hook: authorizes a server route's action before its handler, which reads serverOf(). */
export function authorizeServerRoute(db: Kysely<Database>) {
  return async (request: FastifyRequest<{ Params: { id?: string } }>) => {
    const action = request.routeOptions.config.serverAction;
    if (!action) return;
    const id = routeId(request.params.id ?? '', 'server');
    // A GET may use what was read a moment ago; a change asks the database.
    const fresh = !isSafeMethod(request.method);
    request.authorizedServer = await authorizeServer(db, currentUser(request), id, action, fresh);
  };
}

/**
 * A server route's options: what it does to the server, authorized before its handler, and for a
 * route that changes something, its audit action (about the server unless it says otherwise).
 */
export const serverRoute = (serverAction: ServerAction, audit?: AuditSpec) => ({
  config: { serverAction, ...(audit && { audit: { target: 'server' as const, ...audit } }) },
});

/** The authorized server of a route with a serverAction. */
export function serverOf(request: FastifyRequest): AuthorizedServer {
  if (!request.authorizedServer) throw new Error('serverOf() called on a route without a serverAction');
  return request.authorizedServer;
}
