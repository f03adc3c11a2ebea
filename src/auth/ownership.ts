import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { BlueprintRow, Database, ServerRow } from '../db/schema.js';
import type { SessionUser } from './sessions.js';

/**
 * The user_id a user's look-ups are limited to, or null for admins, who see everything.
 * Another user's row is then simply not found (404), exactly like a missing one.
 */
export function ownerScope(user: SessionUser): number | null {
  return user.role === 'admin' ? null : user.id;
}

/** May this user see a row owned by ownerId? Admins see everything, others their own. */
export function maySee(user: SessionUser, ownerId: number): boolean {
  const owner = ownerScope(user);
  return owner === null || owner === ownerId;
}

/** The rows of an owned table that the user may see: all for an admin, else the user's own. */
export function visibleRows(
  db: Kysely<Database>,
  table: 'blueprints',
  user: SessionUser,
): SelectQueryBuilder<Database, 'blueprints', BlueprintRow>;
export function visibleRows(
  db: Kysely<Database>,
  table: 'servers',
  user: SessionUser,
): SelectQueryBuilder<Database, 'servers', ServerRow>;
export function visibleRows(db: Kysely<Database>, table: 'blueprints' | 'servers', user: SessionUser) {
  const owner = ownerScope(user);
  return db
    .selectFrom(table)
    .selectAll()
    .$if(owner !== null, (query) => query.where('user_id', '=', owner as number));
}
