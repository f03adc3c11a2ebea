import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DatabaseHandle } from '../db/connect.js';
import { uniqueViolation } from '../db/constraint-violation.js';
import type { Database, Role } from '../db/schema.js';
import { AppError, conflict, notFound } from '../http/errors.js';
import { parseBody } from '../http/input.js';
import { type Credentials, credentialsSchema } from './input.js';
import { hashPassword, verifyPassword } from './passwords.js';
import type { SessionUser } from './sessions.js';

export function parseCredentials(body: unknown): Credentials {
  return parseBody(credentialsSchema, body);
}

/**
 * Who may create an account: anyone while there is none (the first becomes admin), an
 * admin at any time, and anyone else only when registration is open.
 */
export function registrationRole(
  existingUsers: number,
  actor: SessionUser | null,
  allowRegistration: boolean,
): Role | null {
  if (existingUsers === 0) return 'admin';
  if (actor?.role === 'admin' || allowRegistration) return 'user';
  return null;
}

export async function countUsers(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Creates an account; 409 when the name is taken (by the unique index, so races are safe). */
export async function createUser(
  db: Kysely<Database>,
  credentials: Credentials,
  role: Role,
  now = new Date(),
): Promise<SessionUser> {
  const passwordHash = await hashPassword(credentials.password);
  try {
    const { id } = await db
      .insertInto('users')
      .values({
        username: credentials.username,
        password_hash: passwordHash,
        role,
        created_at: now.toISOString(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { id, username: credentials.username, role };
  } catch (error) {
    if (uniqueViolation(error) === 'users_username_unique') throw conflict('username already taken');
    throw error;
  }
}

/** Registers through the public route, applying registrationRole. */
export async function registerUser(
  db: Kysely<Database>,
  body: unknown,
  actor: SessionUser | null,
  allowRegistration: boolean,
): Promise<SessionUser> {
  const credentials = parseCredentials(body);
  const role = registrationRole(await countUsers(db), actor, allowRegistration);
  if (!role) throw new AppError(403, 'registration is closed');
  const user = await createUser(db, credentials, role);
  if (role === 'admin' && !actor && !(await isFirstUser(db, user.id))) {
    // Two "first" registrations raced and the other one was first: this one never was allowed.
    await db.deleteFrom('users').where('id', '=', user.id).execute();
    if (!allowRegistration) throw new AppError(403, 'registration is closed');
    return createUser(db, credentials, 'user');
  }
  return user;
}

async function isFirstUser(db: Kysely<Database>, userId: number): Promise<boolean> {
  const first = await db.selectFrom('users').select('id').orderBy('id').limit(1).executeTakeFirst();
  return first?.id === userId;
}

// Verified against when the username is unknown, so both failures take the same time.
const decoyHash = hashPassword('decoy password for unknown users');

/**
 * The user whose password matches, or null; never says which of the two was wrong. The hash comes
 * along for the pending-login token (pending-login.ts); never send it anywhere.
 */
export async function authenticate(db: Kysely<Database>, username: string, password: string) {
  const user = await db
    .selectFrom('users')
    .select(['id', 'username', 'role', 'password_hash', 'disabled_at'])
    .where('username', '=', username)
    .executeTakeFirst();
  const valid = await verifyPassword(user?.password_hash ?? (await decoyHash), password);
  return user && valid ? user : null;
}

/** An account as the admin's users page and GET /users show it. */
export interface UserListItem {
  id: number;
  username: string;
  role: Role;
  created_at: string;
  disabled: boolean;
  totp_enabled: boolean;
}

function usersWithStatus(db: Kysely<Database>) {
  return db
    .selectFrom('users')
    .leftJoin('user_totp', 'user_totp.user_id', 'users.id')
    .select([
      'users.id',
      'users.username',
      'users.role',
      'users.created_at',
      'users.disabled_at',
      'user_totp.enabled_at',
    ]);
}

function toListItem(row: {
  id: number;
  username: string;
  role: Role;
  created_at: string;
  disabled_at: string | null;
  enabled_at: string | null;
}): UserListItem {
  return {
    id: row.id,
    username: row.username,
    role: row.role,
    created_at: row.created_at,
    disabled: row.disabled_at !== null,
    totp_enabled: row.enabled_at !== null,
  };
}

export async function listUsers(db: Kysely<Database>): Promise<UserListItem[]> {
  return (await usersWithStatus(db).orderBy('users.id').execute()).map(toListItem);
}

export async function getUser(db: Kysely<Database>, id: number): Promise<UserListItem> {
  const row = await usersWithStatus(db).where('users.id', '=', id).executeTakeFirst();
  if (!row) throw notFound('user');
  return toListItem(row);
}

/** What an admin may change of an account. */
export interface UserChange {
  disabled?: boolean | undefined;
  role?: Role | undefined;
}

/**
 * Disables, enables, promotes or demotes an account. The last admin who may sign in can be neither
 * disabled nor demoted (409): checked in a transaction that, on PostgreSQL, first locks the admins'
 * rows, so two admins disabling each other at once cannot both succeed.
 */
export async function changeUser(
  { db, dialect }: DatabaseHandle,
  id: number,
  change: UserChange,
  now = new Date(),
): Promise<UserListItem> {
  await db.transaction().execute(async (trx) => {
    const admins = await trx
      .selectFrom('users')
      .select('id')
      .where('role', '=', 'admin')
      .where('disabled_at', 'is', null)
      .$if(dialect === 'postgres', (query) => query.forUpdate())
      .execute();
    const target = await trx.selectFrom('users').select(['id']).where('id', '=', id).executeTakeFirst();
    if (!target) throw notFound('user');
    const lastAdmin = admins.length === 1 && admins[0]?.id === id;
    if (lastAdmin && change.disabled === true) throw conflict('cannot disable the last admin');
    if (lastAdmin && change.role === 'user') throw conflict('cannot demote the last admin');
    if (change.role === undefined && change.disabled === undefined) return;
    await trx
      .updateTable('users')
      .set({
        ...(change.role !== undefined && { role: change.role }),
        ...(change.disabled !== undefined && { disabled_at: change.disabled ? now.toISOString() : null }),
      })
      .where('id', '=', id)
      // Disabling twice keeps the first time.
      .$if(change.disabled === true, (query) => query.where('disabled_at', 'is', null))
      .execute();
  });
  return getUser(db, id);
}

/** Sets a new password. */
export async function setPassword(db: Kysely<Database>, userId: number, password: string): Promise<void> {
  const result = await db
    .updateTable('users')
    .set({ password_hash: await hashPassword(password) })
    .where('id', '=', userId)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw notFound('user');
}

/** Whether this is the user's password. */
export async function passwordMatches(
  db: Kysely<Database>,
  userId: number,
  password: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('users')
    .select('password_hash')
    .where('id', '=', userId)
    .executeTakeFirst();
  return row !== undefined && (await verifyPassword(row.password_hash, password));
}

/** A password for an admin's reset, shown once: 96 random bits in 16 characters. */
export function generatePassword(): string {
  return randomBytes(12).toString('base64url');
}
