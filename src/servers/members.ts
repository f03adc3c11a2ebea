import type { Kysely } from 'kysely';
import { uniqueViolation } from '../db/constraint-violation.js';
import type { Database, ServerRow } from '../db/schema.js';
import { conflict, notFound } from '../http/errors.js';
import { type Permission, parsePermissions, storedPermissions } from './access.js';

/** A user a server is shared with, as its owner (or an admin) sees them. */
export interface Member {
  user_id: number;
  username: string;
  /** Always holds `view`. */
  permissions: Permission[];
}

function members(db: Kysely<Database>, serverId: number) {
  return db
    .selectFrom('server_members')
    .innerJoin('users', 'users.id', 'server_members.user_id')
    .select(['server_members.user_id', 'users.username', 'server_members.permissions'])
    .where('server_members.server_id', '=', serverId);
}

const toMember = (row: { user_id: number; username: string; permissions: string }): Member => ({
  user_id: row.user_id,
  username: row.username,
  permissions: parsePermissions(row.permissions),
});

export async function listMembers(db: Kysely<Database>, serverId: number): Promise<Member[]> {
  return (await members(db, serverId).orderBy('users.username').execute()).map(toMember);
}

async function getMember(db: Kysely<Database>, serverId: number, userId: number): Promise<Member> {
  const row = await members(db, serverId).where('server_members.user_id', '=', userId).executeTakeFirst();
  if (!row) throw notFound('member');
  return toMember(row);
}

/** Shares the server with a user, by name; the unique index refuses a second membership (409). */
export async function addMember(
  db: Kysely<Database>,
  server: ServerRow,
  input: { username: string; permissions: Permission[] },
  now = new Date(),
): Promise<Member> {
  const user = await db
    .selectFrom('users')
    .select('id')
    .where('username', '=', input.username)
    .executeTakeFirst();
  if (!user) throw notFound('user');
  // A server has one owner; members never own it, and the owner is never one of them.
  if (user.id === server.user_id) throw conflict('the owner is not a member');
  try {
    await db
      .insertInto('server_members')
      .values({
        server_id: server.id,
        user_id: user.id,
        permissions: storedPermissions(input.permissions),
        created_at: now.toISOString(),
      })
      .execute();
  } catch (error) {
    if (uniqueViolation(error) === 'server_members_unique') throw conflict('already a member');
    throw error;
  }
  return getMember(db, server.id, user.id);
}

export async function changeMember(
  db: Kysely<Database>,
  serverId: number,
  userId: number,
  permissions: Permission[],
): Promise<Member> {
  const result = await db
    .updateTable('server_members')
    .set({ permissions: storedPermissions(permissions) })
    .where('server_id', '=', serverId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw notFound('member');
  return getMember(db, serverId, userId);
}

/** Removes a member; returns their name (for the page's notice). */
export async function removeMember(db: Kysely<Database>, serverId: number, userId: number): Promise<string> {
  const { username } = await getMember(db, serverId, userId);
  const result = await db
    .deleteFrom('server_members')
    .where('server_id', '=', serverId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (result.numDeletedRows === 0n) throw notFound('member');
  return username;
}
