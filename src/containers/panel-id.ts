import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/**
 * This database's panel id: the `l4d2web.panel` label of its containers and services, so a panel
 * adopts and removes only its own servers' (server ids are per database). Made once, kept in the
 * database (a copy to PostgreSQL keeps it), the same for every panel sharing a PostgreSQL database.
 */
export async function panelId(db: Kysely<Database>): Promise<string> {
  // It never changes once made: asked on every GET /nodes, the database is asked once.
  const kept = known.get(db);
  if (kept) return kept;
  await db
    .insertInto('panel_identity')
    .values({ singleton: 1, panel_id: randomUUID() })
    .onConflict((conflict) => conflict.column('singleton').doNothing())
    .execute();
  const row = await db.selectFrom('panel_identity').select('panel_id').executeTakeFirstOrThrow();
  known.set(db, row.panel_id);
  return row.panel_id;
}

const known = new WeakMap<Kysely<Database>, string>();
