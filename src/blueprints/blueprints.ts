import type { Kysely } from 'kysely';
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
  created_at: string;
  updated_at: string;
}

export function toBlueprint(row: BlueprintRow): Blueprint {
  return {
    id: row.id,
    name: row.name,
    arguments: JSON.parse(row.arguments) as string[],
    config: JSON.parse(row.config) as string[],
    cpu_limit: row.cpu_limit,
    memory_limit_mb: row.memory_limit_mb,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export async function listBlueprints(db: Kysely<Database>, user: SessionUser): Promise<Blueprint[]> {
  const rows = await visibleRows(db, 'blueprints', user).orderBy('name').orderBy('id').execute();
  return rows.map(toBlueprint);
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

export async function getBlueprint(db: Kysely<Database>, user: SessionUser, id: number): Promise<Blueprint> {
  return toBlueprint(await getBlueprintRow(db, user, id));
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
  const { id } = await db
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
  return id;
}

export async function updateBlueprint(
  db: Kysely<Database>,
  user: SessionUser,
  id: number,
  change: Partial<BlueprintInput>,
  now = new Date(),
): Promise<Blueprint> {
  await getBlueprintRow(db, user, id);
  const row = await db
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
    .returningAll()
    .executeTakeFirstOrThrow()
    .catch(nameTaken);
  return toBlueprint(row);
}

/**
 * The blueprint a server is built from, whoever owns it: seeing the server is what counts (an
 * admin may have moved a user's server onto the admin's own blueprint).
 */
export async function blueprintOfServer(db: Kysely<Database>, blueprintId: number): Promise<Blueprint> {
  return toBlueprint(
    await db.selectFrom('blueprints').selectAll().where('id', '=', blueprintId).executeTakeFirstOrThrow(),
  );
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
