import { type Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/connect.js';
import { uniqueViolation } from '../../src/db/constraint-violation.js';
import { MigrationError, migrateTo, migrateToLatest, migrationNames } from '../../src/db/migrate.js';
import type { Database } from '../../src/db/schema.js';
import { type FreshDatabase, openFreshDatabase, testDialects } from '../helpers/dialects.js';

const at = '2024-01-01T00:00:00.000Z';

/** Rows as the first schema held them, written with plain inserts (no server_ports yet). */
async function seedVersion1(db: Kysely<Database>, servers: { name: string; port: number }[]) {
  await db
    .insertInto('users')
    .values({ username: 'alice', password_hash: '$argon2id$x', role: 'admin', created_at: at })
    .execute();
  await db
    .insertInto('sessions')
    .values({ id: 'a'.repeat(64), user_id: 1, created_at: at, expires_at: at })
    .execute();
  await db
    .insertInto('blueprints')
    .values({
      user_id: 1,
      name: 'coop',
      arguments: '["-tickrate 60"]',
      config: '["sv_cheats 0"]',
      created_at: at,
      updated_at: at,
    })
    .execute();
  for (const server of servers) {
    await db
      .insertInto('servers')
      .values({
        user_id: 1,
        blueprint_id: 1,
        ...server,
        desired_state: 'stopped',
        actual_state: 'unknown',
        last_error: '',
        rcon_password: 'pw',
        created_at: at,
        updated_at: at,
      })
      .execute();
  }
}

async function everyRow(db: Kysely<Database>) {
  return {
    // The columns of 001 (later migrations add their own to users).
    users: await db
      .selectFrom('users')
      .select(['id', 'username', 'password_hash', 'role', 'created_at'])
      .orderBy('id')
      .execute(),
    sessions: await db.selectFrom('sessions').selectAll().orderBy('id').execute(),
    blueprints: await db.selectFrom('blueprints').selectAll().orderBy('id').execute(),
    servers: await db.selectFrom('servers').selectAll().orderBy('id').execute(),
  };
}

async function tableNames(handle: DatabaseHandle): Promise<string[]> {
  return (await handle.db.introspection.getTables()).map((table) => table.name).sort();
}

async function indexNames(handle: DatabaseHandle): Promise<string[]> {
  const query =
    handle.dialect === 'sqlite'
      ? sql<{ name: string }>`select name from sqlite_master where type = 'index'`
      : sql<{ name: string }>`select indexname as name from pg_indexes where schemaname = current_schema()`;
  return (await query.execute(handle.db)).rows.map((row) => row.name);
}

async function appliedMigrations(handle: DatabaseHandle): Promise<string[]> {
  const query = sql<{ name: string }>`select name from kysely_migration order by name`;
  return (await query.execute(handle.db)).rows.map((row) => row.name);
}

describe.each(testDialects())('migrations (%s)', (dialect) => {
  let fresh: FreshDatabase;
  let handle: DatabaseHandle;
  beforeEach(async () => {
    fresh = await openFreshDatabase(dialect);
    handle = fresh.handle;
    expect(await migrateTo(handle, '001-initial')).toEqual(['001-initial']);
  });
  afterEach(() => fresh.close());

  it('keeps every row of a 001 database and reserves the ports of its servers', async () => {
    await seedVersion1(handle.db, [
      { name: 'alpha', port: 27015 },
      { name: 'beta', port: 27016 },
    ]);
    const before = await everyRow(handle.db);
    expect(await migrateToLatest(handle)).toEqual(migrationNames.slice(1));
    // Later migrations may add columns; every value there before stays.
    expect(await everyRow(handle.db)).toMatchObject(before);
    const ports = await handle.db.selectFrom('server_ports').selectAll().orderBy('port').execute();
    expect(ports).toEqual([
      { port: 27005, server_id: 1, purpose: 'client' },
      { port: 27006, server_id: 2, purpose: 'client' },
      { port: 27015, server_id: 1, purpose: 'game' },
      { port: 27016, server_id: 2, purpose: 'game' },
    ]);
    expect(await indexNames(handle)).toEqual(
      expect.arrayContaining(['servers_port_unique', 'server_ports_port_unique']),
    );
    // Migrating again does nothing.
    expect(await migrateToLatest(handle)).toEqual([]);
  });

  it('005 adds accounts: every user enabled, tokens, two-factor and members, memberships going with their server', async () => {
    await seedVersion1(handle.db, [{ name: 'alpha', port: 27015 }]);
    await migrateToLatest(handle);
    expect(await handle.db.selectFrom('users').select(['username', 'disabled_at']).execute()).toEqual([
      { username: 'alice', disabled_at: null },
    ]);
    expect(await tableNames(handle)).toEqual(
      expect.arrayContaining(['api_tokens', 'user_totp', 'recovery_codes', 'server_members']),
    );
    expect(await indexNames(handle)).toEqual(
      expect.arrayContaining([
        'api_tokens_token_hash_unique',
        'recovery_codes_user_code_unique',
        'server_members_unique',
      ]),
    );
    await handle.db
      .insertInto('users')
      .values({ username: 'bob', password_hash: 'x', role: 'user', created_at: at })
      .execute();
    const member = { server_id: 1, user_id: 2, permissions: 'control', created_at: at };
    await handle.db.insertInto('server_members').values(member).execute();
    // One membership per user and server, by the database.
    const twice = await handle.db
      .insertInto('server_members')
      .values(member)
      .execute()
      .catch((e) => e);
    expect(uniqueViolation(twice)).toBe('server_members_unique');
    await handle.db.deleteFrom('server_ports').execute();
    await handle.db.deleteFrom('servers').execute();
    expect(await handle.db.selectFrom('server_members').selectAll().execute()).toEqual([]);
  });

  it.each([
    ['the same game port', 27015, 27015, 'port 27015'],
    ['a derived client port (27015 and 27025)', 27015, 27025, 'port 27015'],
  ])(
    'refuses servers sharing %s, naming them, and leaves the database at 001',
    async (_what, first, second, port) => {
      await seedVersion1(handle.db, [
        { name: 'alpha', port: first },
        { name: 'beta', port: second },
      ]);
      const rows = await everyRow(handle.db);
      const tables = await tableNames(handle);
      const indexes = await indexNames(handle);

      const error = await migrateToLatest(handle).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(MigrationError);
      const message = (error as Error).message;
      expect(message).toContain('002-unique-ports');
      expect(message).toContain(port);
      expect(message).toContain('"alpha"');
      expect(message).toContain('"beta"');
      expect(message).not.toContain('\n');

      expect(await everyRow(handle.db)).toEqual(rows);
      expect(await tableNames(handle)).toEqual(tables);
      expect(await tableNames(handle)).not.toContain('server_ports');
      expect(await indexNames(handle)).toEqual(indexes);
      expect(await indexNames(handle)).not.toContain('servers_port_unique');
      expect(await appliedMigrations(handle)).toEqual(['001-initial']);

      // Once the admin gives beta its own port, the migration goes through.
      await handle.db.updateTable('servers').set({ port: 28015 }).where('name', '=', 'beta').execute();
      expect(await migrateToLatest(handle)).toEqual(migrationNames.slice(1));
      expect(await appliedMigrations(handle)).toEqual(migrationNames);
      const ports = await handle.db.selectFrom('server_ports').select('port').orderBy('port').execute();
      expect(ports.map((row) => row.port)).toEqual([first - 10, first, 28005, 28015]);
    },
  );
});
