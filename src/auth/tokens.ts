import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, TokenScope } from '../db/schema.js';
import { notFound } from '../http/errors.js';
import type { SessionUser } from './sessions.js';

/** A prefix that says what the secret is (and lets secret scanners find a leaked one). */
const TOKEN_PREFIX = 'l4d2web_';

/** An API token as its owner sees it: never the token itself, which is shown once when made. */
export interface ApiToken {
  id: number;
  name: string;
  scope: TokenScope;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
}

export interface NewToken {
  name: string;
  scope: TokenScope;
  expires_in_days?: number | undefined;
}

/** Only this hash is stored. The token holds 256 random bits, so a plain sha256 cannot be reversed. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Makes a token; returns its id and the token, which nobody can read again. */
export async function createToken(
  db: Kysely<Database>,
  userId: number,
  input: NewToken,
  now = new Date(),
): Promise<{ id: number; token: string }> {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const expires =
    input.expires_in_days === undefined
      ? null
      : new Date(now.getTime() + input.expires_in_days * 24 * 60 * 60 * 1000).toISOString();
  const { id } = await db
    .insertInto('api_tokens')
    .values({
      user_id: userId,
      name: input.name,
      scope: input.scope,
      token_hash: tokenHash(token),
      created_at: now.toISOString(),
      expires_at: expires,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id, token };
}

export function listTokens(db: Kysely<Database>, userId: number): Promise<ApiToken[]> {
  return db
    .selectFrom('api_tokens')
    .select(['id', 'name', 'scope', 'created_at', 'expires_at', 'last_used_at'])
    .where('user_id', '=', userId)
    .orderBy('id')
    .execute();
}

/** Revokes one of the user's tokens (the row goes); another user's is not found, like a missing one. */
export async function revokeToken(db: Kysely<Database>, userId: number, id: number): Promise<void> {
  const result = await db
    .deleteFrom('api_tokens')
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (result.numDeletedRows === 0n) throw notFound('token');
}

/** Tokens that sign someone in now: not expired, their user not disabled (revoked ones are gone). */
function validTokens(db: Kysely<Database>, now: Date) {
  return db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .where('users.disabled_at', 'is', null)
    .where((eb) =>
      eb.or([eb('api_tokens.expires_at', 'is', null), eb('api_tokens.expires_at', '>', now.toISOString())]),
    );
}

export interface TokenHolder {
  user: SessionUser;
  tokenId: number;
  scope: TokenScope;
}

/**
 * The user a token signs in, with the token's id and scope: null when it is unknown, revoked,
 * expired, or its user is disabled. Records its use (`last_used_at`).
 */
export async function userForToken(
  db: Kysely<Database>,
  token: string,
  now = new Date(),
): Promise<TokenHolder | null> {
  const row = await validTokens(db, now)
    .select(['api_tokens.id as tokenId', 'api_tokens.scope', 'users.id', 'users.username', 'users.role'])
    .where('api_tokens.token_hash', '=', tokenHash(token))
    .executeTakeFirst();
  if (!row) return null;
  await db
    .updateTable('api_tokens')
    .set({ last_used_at: now.toISOString() })
    .where('id', '=', row.tokenId)
    .execute();
  return {
    user: { id: row.id, username: row.username, role: row.role },
    tokenId: row.tokenId,
    scope: row.scope,
  };
}

/** Of these token ids, the ones that still sign someone in (for streams opened with a token). */
export async function liveTokenIds(db: Kysely<Database>, ids: readonly number[], now = new Date()) {
  if (ids.length === 0) return new Set<number>();
  const rows = await validTokens(db, now)
    .select('api_tokens.id')
    .where('api_tokens.id', 'in', [...ids])
    .execute();
  return new Set(rows.map((row) => row.id));
}
