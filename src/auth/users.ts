import type { Kysely } from 'kysely';
import { uniqueViolation } from '../db/constraint-violation.js';
import type { Database, Role } from '../db/schema.js';
import { AppError, conflict } from '../http/errors.js';
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

/** The user whose password matches, or null; never says which of the two was wrong. */
export async function authenticate(db: Kysely<Database>, username: string, password: string) {
  const user = await db
    .selectFrom('users')
    .select(['id', 'username', 'role', 'password_hash'])
    .where('username', '=', username)
    .executeTakeFirst();
  const valid = await verifyPassword(user?.password_hash ?? (await decoyHash), password);
  return user && valid ? { id: user.id, username: user.username, role: user.role } : null;
}

export async function listUsers(db: Kysely<Database>) {
  return db.selectFrom('users').select(['id', 'username', 'role', 'created_at']).orderBy('id').execute();
}
