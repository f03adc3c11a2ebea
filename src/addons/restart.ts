import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/**
 * `restart_required`: a running server's addons are those of its launch. When its blueprint's
 * addons change, or an addon it uses gets a new file, it needs a restart to get them; its next launch
 * clears the flag (`clearRestartRequired`, called where the instance gets its addons).
 */

const LIVE_STATES = ['starting', 'running'] as const;

/** Flags the live servers whose blueprints use any of these addons. */
export async function markRestartRequired(db: Kysely<Database>, addonIds: number[]): Promise<void> {
  if (addonIds.length === 0) return;
  await db
    .updateTable('servers')
    .set({ restart_required: 1 })
    .where('actual_state', 'in', LIVE_STATES)
    .where('blueprint_id', 'in', (eb) =>
      eb.selectFrom('blueprint_addons').select('blueprint_id').where('addon_id', 'in', addonIds),
    )
    .execute();
}

/** Flags the live servers built from a blueprint whose addons changed. */
export async function markBlueprintRestartRequired(db: Kysely<Database>, blueprintId: number): Promise<void> {
  await db
    .updateTable('servers')
    .set({ restart_required: 1 })
    .where('actual_state', 'in', LIVE_STATES)
    .where('blueprint_id', '=', blueprintId)
    .execute();
}

export async function clearRestartRequired(db: Kysely<Database>, serverId: number): Promise<void> {
  await db.updateTable('servers').set({ restart_required: 0 }).where('id', '=', serverId).execute();
}
