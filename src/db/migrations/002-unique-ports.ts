import type { MigrationFactory, UntypedDatabase } from './helpers.js';

interface PortHolder {
  port: number;
  id: number;
  name: string;
  purpose: 'game' | 'client';
}

/** Every port each server binds: its game port P and its client port P - 10. */
async function portsOfExistingServers(db: UntypedDatabase): Promise<PortHolder[]> {
  const servers = await db.selectFrom('servers').select(['id', 'name', 'port']).orderBy('id').execute();
  return servers.flatMap((server) => [
    { port: Number(server.port), id: Number(server.id), name: String(server.name), purpose: 'game' as const },
    {
      port: Number(server.port) - 10,
      id: Number(server.id),
      name: String(server.name),
      purpose: 'client' as const,
    },
  ]);
}

/** Names every set of servers that bind one port, so the admin knows what to change. */
export function describePortClashes(holders: PortHolder[]): string[] {
  const byPort = new Map<number, PortHolder[]>();
  for (const holder of holders) byPort.set(holder.port, [...(byPort.get(holder.port) ?? []), holder]);
  return [...byPort.entries()]
    .filter(([, list]) => list.length > 1)
    .map(
      ([port, list]) =>
        `port ${port}: ${list.map((h) => `server ${h.id} "${h.name}" (${h.purpose})`).join(', ')}`,
    );
}

/**
 * Makes every port a server binds unique in the database (the seed's plan). Stops, leaving
 * the database unchanged, when existing rows clash: the check comes before any change, since
 * Kysely runs SQLite migrations outside a transaction (PostgreSQL's would roll back anyway).
 */
export const uniquePorts: MigrationFactory = () => ({
  async up(db: UntypedDatabase) {
    const holders = await portsOfExistingServers(db);
    const clashes = describePortClashes(holders);
    if (clashes.length > 0) {
      throw new Error(
        `cannot make server ports unique, these servers share ports: ${clashes.join('; ')}. ` +
          'Give each of them its own port (game port P also takes client port P-10) and migrate again.',
      );
    }
    await db.schema.createIndex('servers_port_unique').unique().on('servers').column('port').execute();
    await db.schema
      .createTable('server_ports')
      .addColumn('port', 'integer', (col) => col.notNull())
      .addColumn('server_id', 'integer', (col) => col.notNull().references('servers.id').onDelete('cascade'))
      .addColumn('purpose', 'text', (col) => col.notNull())
      .execute();
    await db.schema
      .createIndex('server_ports_port_unique')
      .unique()
      .on('server_ports')
      .column('port')
      .execute();
    await db.schema.createIndex('server_ports_server_id').on('server_ports').column('server_id').execute();
    for (const holder of holders) {
      await db
        .insertInto('server_ports')
        .values({ port: holder.port, server_id: holder.id, purpose: holder.purpose })
        .execute();
    }
  },
  async down(db: UntypedDatabase) {
    await db.schema.dropTable('server_ports').execute();
    await db.schema.dropIndex('servers_port_unique').execute();
  },
});
