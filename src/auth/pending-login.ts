import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { SecretKey } from './secret-key.js';
import type { SessionUser } from './sessions.js';

/** How long the code form stays good after the password was right. */
const LIFETIME_MS = 5 * 60 * 1000;

const signed = (userId: number, expires: number, passwordHash: string) =>
  `pending-login\n${userId}\n${expires}\n${passwordHash}`;

/**
 * The proof, carried by the second sign-in form, that the password was right: the user id and an
 * expiry, signed with the panel's key over the password hash too, so changing the password voids it.
 * The form never holds the password.
 */
export function pendingLoginToken(
  key: SecretKey,
  user: { id: number; password_hash: string },
  now = new Date(),
): string {
  const expires = now.getTime() + LIFETIME_MS;
  return `${user.id}.${expires}.${key.sign(signed(user.id, expires, user.password_hash))}`;
}

/** The user a pending-login token was made for, or null when it is forged, expired or voided. */
export async function userOfPendingLogin(
  db: Kysely<Database>,
  key: SecretKey,
  token: string,
  now = new Date(),
): Promise<SessionUser | null> {
  const match = /^(\d{1,9})\.(\d{1,15})\.([\w-]{1,64})$/.exec(token);
  if (!match) return null;
  const [, id, expires, signature] = match as unknown as [string, string, string, string];
  if (Number(expires) <= now.getTime()) return null;
  const user = await db
    .selectFrom('users')
    .select(['id', 'username', 'role', 'password_hash'])
    .where('id', '=', Number(id))
    .where('disabled_at', 'is', null)
    .executeTakeFirst();
  if (!user || !key.verify(signed(user.id, Number(expires), user.password_hash), signature)) return null;
  return { id: user.id, username: user.username, role: user.role };
}
