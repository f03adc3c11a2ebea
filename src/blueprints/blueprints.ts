import type { Kysely } from 'kysely';
import {
  type BlueprintAddons,
  checkBlueprintAddons,
  NO_BLUEPRINT_ADDONS,
  readBlueprintAddons,
  type SourcemodSettings,
  saveBlueprintAddons,
} from '../addons/blueprint-addons.js';
import { ownerScope, visibleRows } from '../auth/ownership.js';
import type { SessionUser } from '../auth/sessions.js';
import { foreignKeyViolation, uniqueViolation } from '../db/constraint-violation.js';
import type { BlueprintRow, Database } from '../db/schema.js';
import { conflict, notFound } from '../http/errors.js';
import type { BlueprintInput } from './input.js';

export interface Blueprint {
  id: number;
  name: string;
  arguments: string[];
  config: string[];
  /** Cores and MB the docker and swarm runtimes hold its servers to; null: no limit. */
  cpu_limit: number | null;
  memory_limit_mb: number | null;
  /** Ids of the addons its servers get (VPKs, and which SourceMod and Metamod:Source). */
  addons: number[];
  sourcemod: SourcemodSettings;
  created_at: string;
  updated_at: string;
}

export function toBlueprint(row: BlueprintRow, addons: BlueprintAddons = NO_BLUEPRINT_ADDONS): Blueprint {
  return {
    id: row.id,
    name: row.name,
    arguments: JSON.parse(row.arguments) as string[],
    config: JSON.parse(row.config) as string[],
    cpu_limit: row.cpu_limit,
    memory_limit_mb: row.memory_limit_mb,
    addons: addons.addons,
    sourcemod: addons.sourcemod,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** Rows as JSON shows them, each with its addons (one query for all of them). */
async function withAddons(db: Kysely<Database>, rows: BlueprintRow[]): Promise<Blueprint[]> {
  const addons = await readBlueprintAddons(db, rows);
  return rows.map((row) => toBlueprint(row, addons.get(row.id)));
}

export async function listBlueprints(db: Kysely<Database>, user: SessionUser): Promise<Blueprint[]> {
  return withAddons(db, await visibleRows(db, 'blueprints', user).orderBy('name').orderBy('id').execute());
}

/** The blueprint if this user may see it; 404 otherwise, whether missing or another's. */
export async function getBlueprintRow(
  db: Kysely<Database>,
  user: SessionUser,
  id: number,
): Promise<BlueprintRow> {
  const row = await visibleRows(db, 'blueprints', user).where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('blueprint');
  return row;
}

/**
 * A blueprint of this owner, or 404: what a member of a server picks from (the owner's blueprints,
 * design/accounts.md), whatever the member's own are.
 */
export async function ownBlueprintRow(
  db: Kysely<Database>,
  ownerId: number,
  id: number,
): Promise<BlueprintRow> {
  const row = await db
    .selectFrom('blueprints')
    .selectAll()
    .where('id', '=', id)
    .where('user_id', '=', ownerId)
    .executeTakeFirst();
  if (!row) throw notFound('blueprint');
  return row;
}

/** The blueprints of this owner, by name. */
export async function ownBlueprints(db: Kysely<Database>, ownerId: number): Promise<Blueprint[]> {
  const rows = await db
    .selectFrom('blueprints')
    .selectAll()
    .where('user_id', '=', ownerId)
    .orderBy('name')
    .orderBy('id')
    .execute();
  return withAddons(db, rows);
}

export async function getBlueprint(db: Kysely<Database>, user: SessionUser, id: number): Promise<Blueprint> {
  const [blueprint] = await withAddons(db, [await getBlueprintRow(db, user, id)]);
  return blueprint as Blueprint;
}

function nameTaken(error: unknown): never {
  if (uniqueViolation(error) === 'blueprints_user_name_unique')
    throw conflict('blueprint name already in use');
  throw error;
}

export async function createBlueprint(
  db: Kysely<Database>,
  user: SessionUser,
  input: BlueprintInput,
  now = new Date(),
): Promise<number> {
  const addons = {
    addons: input.addons ?? NO_BLUEPRINT_ADDONS.addons,
    sourcemod: input.sourcemod ?? NO_BLUEPRINT_ADDONS.sourcemod,
  };
  await checkBlueprintAddons(db, user, addons);
  return db.transaction().execute(async (trx) => {
    const { id } = await trx
      .insertInto('blueprints')
      .values({
        user_id: user.id,
        name: input.name,
        arguments: JSON.stringify(input.arguments),
        config: JSON.stringify(input.config),
        cpu_limit: input.cpu_limit,
        memory_limit_mb: input.memory_limit_mb,
        created_at: now.toISOString(),
        updated_at: now.toISOString(),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
      .catch(nameTaken);
    await saveBlueprintAddons(trx, id, addons);
    return id;
  });
}

export async function updateBlueprint(
  db: Kysely<Database>,
  user: SessionUser,
  id: number,
  change: Partial<BlueprintInput>,
  now = new Date(),
): Promise<Blueprint> {
  const current = await getBlueprint(db, user, id);
  // Addons and SourceMod are checked together: enabling SourceMod depends on the addons chosen.
  const addons =
    change.addons === undefined && change.sourcemod === undefined
      ? null
      : { addons: change.addons ?? current.addons, sourcemod: change.sourcemod ?? current.sourcemod };
  if (addons) await checkBlueprintAddons(db, user, addons);
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('blueprints')
      .set({
        ...(change.name !== undefined && { name: change.name }),
        ...(change.arguments !== undefined && { arguments: JSON.stringify(change.arguments) }),
        ...(change.config !== undefined && { config: JSON.stringify(change.config) }),
        ...(change.cpu_limit !== undefined && { cpu_limit: change.cpu_limit }),
        ...(change.memory_limit_mb !== undefined && { memory_limit_mb: change.memory_limit_mb }),
        updated_at: now.toISOString(),
      })
      .where('id', '=', id)
      .execute()
      .catch(nameTaken);
    if (addons) await saveBlueprintAddons(trx, id, addons);
  });
  return getBlueprint(db, user, id);
}

/**
 * The blueprint a server is built from, whoever owns it (an admin may have moved a user's server onto
 * the admin's own blueprint), and whose it is: seeing the server is what counts for the launch line,
 * its owner decides whether a page may name it.
 */
export async function blueprintOfServer(
  db: Kysely<Database>,
  blueprintId: number,
): Promise<Blueprint & { user_id: number }> {
  const row = await db
    .selectFrom('blueprints')
    .selectAll()
    .where('id', '=', blueprintId)
    .executeTakeFirstOrThrow();
  const [blueprint] = await withAddons(db, [row]);
  return { ...(blueprint as Blueprint), user_id: row.user_id };
}

/** The servers built from a blueprint that this user may see. */
export function serversUsingBlueprint(db: Kysely<Database>, user: SessionUser, blueprintId: number) {
  const owner = ownerScope(user);
  return db
    .selectFrom('servers')
    .select(['id', 'name', 'port', 'actual_state'])
    .where('blueprint_id', '=', blueprintId)
    .$if(owner !== null, (query) => query.where('user_id', '=', owner as number))
    .orderBy('name')
    .execute();
}

async function countServersUsing(db: Kysely<Database>, blueprintId: number): Promise<number> {
  const row = await db
    .selectFrom('servers')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('blueprint_id', '=', blueprintId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Deletes a blueprint no server uses; 409 naming how many use it otherwise. */
export async function deleteBlueprint(db: Kysely<Database>, user: SessionUser, id: number): Promise<void> {
  await getBlueprintRow(db, user, id);
  const inUse = async () => conflict(`blueprint is used by ${await countServersUsing(db, id)} servers`);
  if ((await countServersUsing(db, id)) > 0) throw await inUse();
  try {
    await db.deleteFrom('blueprints').where('id', '=', id).execute();
  } catch (error) {
    // A server created from it since the check above: the foreign key keeps it.
    if (foreignKeyViolation(error)) throw await inUse();
    throw error;
  }
}
