import { type Kysely, sql } from 'kysely';
import { visibleRows } from '../auth/ownership.js';
import type { SessionUser } from '../auth/sessions.js';
import { getBlueprintRow, ownBlueprintRow } from '../blueprints/blueprints.js';
import type { DatabaseHandle } from '../db/connect.js';
import { notNullViolation, uniqueViolation } from '../db/constraint-violation.js';
import { type Placeholders, preparedQuery } from '../db/prepared.js';
import type { Database, DesiredState, Role, ServerRow } from '../db/schema.js';
import { conflict, notFound } from '../http/errors.js';
import { generateRconPassword } from '../launch/rcon-password.js';
import type { LiveStatus } from '../supervisor/control.js';
import { type AccessKind, type AuthorizedServer, type Permission, visibleServer } from './access.js';
import type { ServerInput } from './input.js';
import { type PortPurpose, portInUse, portPurposes, portsByPurpose, reservePorts } from './ports.js';

/** A server as JSON shows it to one user (with what they may do to it): never its rcon password. */
export interface Server {
  id: number;
  name: string;
  port: number;
  blueprint_id: number;
  desired_state: ServerRow['desired_state'];
  actual_state: ServerRow['actual_state'];
  last_error: string;
  /** The swarm nodes it may run on (their `l4d2web.node` label); '' = any. */
  node: string;
  /** Its blueprint's addons changed since it was launched: a restart gives it them. */
  restart_required: boolean;
  created_at: string;
  updated_at: string;
  live: LiveStatus | null;
  access: AccessKind;
  permissions: Permission[];
}

export function toServer({ row, access, permissions }: AuthorizedServer, live: LiveStatus | null): Server {
  return {
    id: row.id,
    name: row.name,
    port: row.port,
    blueprint_id: row.blueprint_id,
    desired_state: row.desired_state,
    actual_state: row.actual_state,
    last_error: row.last_error,
    node: row.node,
    // Only a live server runs older addons; any later launch gets the blueprint's.
    restart_required:
      Number(row.restart_required) === 1 && ['starting', 'running'].includes(row.actual_state),
    created_at: row.created_at,
    updated_at: row.updated_at,
    live,
    access,
    permissions: [...permissions],
  };
}

/** The server's row if this user may see it; 404 otherwise, whether missing or another's. */
export async function getServerRow(db: Kysely<Database>, user: SessionUser, id: number): Promise<ServerRow> {
  return (await visibleServer(db, user, id)).row;
}

/** Turns a unique-index refusal into the contract's 409; anything else goes on up. */
async function explainConflict(
  db: Kysely<Database>,
  user: SessionUser,
  error: unknown,
  port: number,
  serverId?: number,
): Promise<never> {
  const index = uniqueViolation(error);
  if (index === 'servers_name_unique') throw conflict('name already in use');
  if (index === 'servers_port_unique' || index === 'server_ports_port_unique')
    throw await portInUse(db, user, port, serverId);
  throw error;
}

/** What a new server's insert takes (placeholders, in the statement PostgreSQL compiles once). */
type NewServer = {
  userId: number;
  blueprintId: number;
  name: string;
  rconPassword: string;
  node: string;
  now: string;
} & Record<PortPurpose, number>;

/**
 * The new row. It takes the blueprint only if its user may see it (visibleRows' rule, for a user of
 * this role), else NULL, which the column refuses: a success costs no look-up first.
 */
function newServerRow(db: Kysely<Database>, server: NewServer, role: Role) {
  const user = { id: server.userId, username: '', role };
  return {
    user_id: server.userId,
    blueprint_id: visibleRows(db, 'blueprints', user)
      .clearSelect()
      .select('id')
      .where('id', '=', server.blueprintId),
    name: server.name,
    // A server's port is its game port (ports.ts).
    port: server.game,
    desired_state: 'stopped' as const,
    actual_state: 'unknown' as const,
    last_error: '',
    rcon_password: server.rconPassword,
    node: server.node,
    created_at: server.now,
    updated_at: server.now,
  };
}

/** PostgreSQL: the server and its ports (one row per purpose) in one statement, one round trip. */
const insertWithPorts = (role: Role) =>
  preparedQuery((db, p: Placeholders<NewServer>) =>
    db
      .with('created', (query) =>
        query
          .insertInto('servers')
          .values(newServerRow(db, p, role))
          .returning('id'),
      )
      .insertInto('server_ports')
      .columns(['port', 'server_id', 'purpose'])
      .expression((eb) =>
        portPurposes
          .map((purpose) =>
            eb
              .selectFrom('created')
              .select([
                sql<number>`${p[purpose]}::integer`.as('port'),
                'created.id',
                sql.lit(purpose).as('purpose'),
              ]),
          )
          .reduce((all, next) => all.unionAll(next)),
      )
      .returning('server_id'),
  );
const insertsWithPorts = { admin: insertWithPorts('admin'), user: insertWithPorts('user') };

/**
 * Creates a stopped server; the database alone decides whether its name and ports are free. A
 * refusal is explained afterwards: an unseen blueprint (404), then a taken name or port (409).
 */
export async function createServer(
  { db, dialect }: DatabaseHandle,
  user: SessionUser,
  input: ServerInput,
  now = new Date(),
): Promise<number> {
  const server: NewServer = {
    userId: user.id,
    blueprintId: input.blueprint_id,
    name: input.name,
    ...portsByPurpose(input.port),
    rconPassword: generateRconPassword(),
    node: input.node,
    now: now.toISOString(),
  };
  try {
    if (dialect === 'postgres') {
      const [created] = await insertsWithPorts[user.role].run(db, server);
      return (created as { server_id: number }).server_id;
    }
    return await db.transaction().execute(async (trx) => {
      const { id } = await trx
        .insertInto('servers')
        .values(newServerRow(trx, server, user.role))
        .returning('id')
        .executeTakeFirstOrThrow();
      await reservePorts(trx, id, input.port, { moving: false });
      return id;
    });
  } catch (error) {
    await getBlueprintRow(db, user, input.blueprint_id);
    // Unseen when inserted, seen now (made visible meanwhile): as unseen.
    if (notNullViolation(error)) throw notFound('blueprint');
    return explainConflict(db, user, error, input.port);
  }
}

/** A server whose process may be up: its ports must not move under it. */
export function mayBeRunning(row: ServerRow): boolean {
  return row.desired_state === 'running' || ['starting', 'running', 'stopping'].includes(row.actual_state);
}

/**
 * Changes a server the user may change. A member picks among the owner's blueprints; the owner and an
 * admin among the blueprints they see.
 */
export async function updateServer(
  db: Kysely<Database>,
  user: SessionUser,
  server: AuthorizedServer,
  change: Partial<ServerInput>,
  now = new Date(),
): Promise<ServerRow> {
  const { row } = server;
  const { id } = row;
  const portChanges = change.port !== undefined && change.port !== row.port;
  if (portChanges && mayBeRunning(row)) throw conflict('stop the server before changing its port');
  if (change.blueprint_id !== undefined) {
    if (server.access === 'member') await ownBlueprintRow(db, row.user_id, change.blueprint_id);
    else await getBlueprintRow(db, user, change.blueprint_id);
  }
  try {
    return await db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('servers')
        .set({
          ...(change.name !== undefined && { name: change.name }),
          ...(change.port !== undefined && { port: change.port }),
          ...(change.blueprint_id !== undefined && { blueprint_id: change.blueprint_id }),
          ...(change.node !== undefined && { node: change.node }),
          updated_at: now.toISOString(),
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      if (portChanges) await reservePorts(trx, id, updated.port, { moving: true });
      return updated;
    });
  } catch (error) {
    return explainConflict(db, user, error, change.port ?? row.port, id);
  }
}

/** Records what someone allowed to control the server wants; the supervisor does the rest. */
export async function setDesiredState(
  db: Kysely<Database>,
  id: number,
  desired: DesiredState,
  now = new Date(),
): Promise<ServerRow> {
  const row = await db
    .updateTable('servers')
    .set({ desired_state: desired, updated_at: now.toISOString() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
  if (!row) throw notFound('server');
  return row;
}

const deleteRow = preparedQuery((db, p: Placeholders<{ id: number }>) =>
  db.deleteFrom('servers').where('id', '=', p.id),
);

/** Deletes the row (its ports go with it); the caller has stopped the process first. */
export async function deleteServerRow(db: Kysely<Database>, id: number): Promise<void> {
  await deleteRow.run(db, { id });
}
