import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { type Placeholders, preparedQuery } from '../db/prepared.js';
import type { Database, Role } from '../db/schema.js';
import { sweepHourly } from '../db/sweep.js';

export const sessionCookie = 'l4d2web_session';
export const sessionLifetimeMs = 30 * 24 * 60 * 60 * 1000;

export interface SessionUser {
  id: number;
  username: string;
  role: Role;
}

/** The database keeps only this hash: a leaked database does not leak live sessions. */
export function sessionIdFor(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Starts a session; returns the raw token for the cookie. */
export async function createSession(db: Kysely<Database>, userId: number, now = new Date()): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db
    .insertInto('sessions')
    .values({
      id: sessionIdFor(token),
      user_id: userId,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + sessionLifetimeMs).toISOString(),
    })
    .execute();
  return token;
}

export function userForSession(
  db: Kysely<Database>,
  token: string,
  now = new Date(),
): Promise<SessionUser | null> {
  return userForSessionId(db, sessionIdFor(token), now);
}

export async function userForSessionId(
  db: Kysely<Database>,
  sessionId: string,
  now = new Date(),
): Promise<SessionUser | null> {
  return (await sessionById(db, sessionId, now))?.user ?? null;
}

/** A live session's user, and when the session expires; null when it is gone, expired or its user disabled. */
export async function sessionById(
  db: Kysely<Database>,
  sessionId: string,
  now = new Date(),
): Promise<{ user: SessionUser; expiresAt: string } | null> {
  const row = await liveSessionQuery.run(db, { sessionId, now: now.toISOString() }).then((rows) => rows[0]);
  return row
    ? { user: { id: row.id, username: row.username, role: row.role }, expiresAt: row.expires_at }
    : null;
}

const liveSessionQuery = preparedQuery(
  (db: Kysely<Database>, p: Placeholders<{ sessionId: string; now: string }>) =>
    db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select(['users.id', 'users.username', 'users.role', 'sessions.expires_at'])
      .where('sessions.id', '=', p.sessionId)
      .where('sessions.expires_at', '>', p.now)
      .where('users.disabled_at', 'is', null),
);

export async function deleteExpiredSessions(db: Kysely<Database>, now = new Date()): Promise<void> {
  await db.deleteFrom('sessions').where('expires_at', '<=', now.toISOString()).execute();
}

/** Deletes expired sessions now and then every hour; returns the function that stops it. */
export function sweepExpiredSessions(db: Kysely<Database>, log: { warn(message: string): void }): () => void {
  return sweepHourly('expired sessions', () => deleteExpiredSessions(db), log);
}
