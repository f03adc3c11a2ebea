import type { Kysely, Transaction } from 'kysely';
import type { SessionUser } from '../auth/sessions.js';
import type { Database, ServerPortsTable } from '../db/schema.js';
import { AppError } from '../http/errors.js';
import { clientPortFor } from '../launch/plan.js';
import { maySeeServer } from './access.js';

export type PortPurpose = ServerPortsTable['purpose'];

/** srcds binds the game port P and the client port P - 10 (LinuxGSM's convention). */
const portOf: Record<PortPurpose, (gamePort: number) => number> = {
  game: (gamePort) => gamePort,
  client: clientPortFor,
};

/** Every port a server holds, by what it is for. */
export const portPurposes = Object.keys(portOf) as PortPurpose[];

export function portsFor(gamePort: number): { port: number; purpose: PortPurpose }[] {
  return portPurposes.map((purpose) => ({ port: portOf[purpose](gamePort), purpose }));
}

/** The same ports, as `{ game, client }`. */
export function portsByPurpose(gamePort: number): Record<PortPurpose, number> {
  return Object.fromEntries(portsFor(gamePort).map(({ purpose, port }) => [purpose, port])) as Record<
    PortPurpose,
    number
  >;
}

/**
 * Reserves both ports of a server (in one statement); the unique index on server_ports refuses a
 * clash. `moving`: the server held ports before, which go first.
 */
export async function reservePorts(
  trx: Transaction<Database>,
  serverId: number,
  gamePort: number,
  { moving }: { moving: boolean },
) {
  if (moving) await trx.deleteFrom('server_ports').where('server_id', '=', serverId).execute();
  const rows = portsFor(gamePort).map(({ port, purpose }) => ({ port, server_id: serverId, purpose }));
  await trx.insertInto('server_ports').values(rows).execute();
}

/**
 * The 409 for a port clash the database refused, naming the port and, when the requester may see
 * it, the server holding it. Looked up after the refusal, so it only explains; the constraint alone
 * decided.
 */
export async function portInUse(
  db: Kysely<Database>,
  user: SessionUser,
  gamePort: number,
  serverId?: number,
): Promise<AppError> {
  const wanted = portsFor(gamePort);
  const holders = await db
    .selectFrom('server_ports')
    .innerJoin('servers', 'servers.id', 'server_ports.server_id')
    .select(['server_ports.port', 'server_ports.purpose', 'servers.name', 'servers.id'])
    .where(
      'server_ports.port',
      'in',
      wanted.map((w) => w.port),
    )
    .$if(serverId !== undefined, (query) => query.where('server_ports.server_id', '!=', serverId as number))
    .execute();
  // Explain the clash on the port the user typed first, then the one derived from it.
  const holder = holders.find((h) => h.port === gamePort) ?? holders[0];
  if (!holder) return new AppError(409, 'port already in use');
  if (!(await maySeeServer(db, user, holder.id))) {
    const message = `port ${holder.port} is in use by another user's server`;
    return new AppError(409, message, { port: message });
  }
  const mine = wanted.find((w) => w.port === holder.port)?.purpose;
  const detail = `port ${holder.port} is the ${holder.purpose} port of server "${holder.name}"`;
  // The plain case (same game port) keeps the contract's exact message; a clash through a
  // derived client port says which port and whose, since the user never typed that port.
  const message =
    mine === 'game' && holder.purpose === 'game' ? 'port already in use' : `port already in use: ${detail}`;
  return new AppError(409, message, { port: detail });
}
