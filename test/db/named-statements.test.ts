import { type Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../src/db/connect.js';
import { uniqueViolation } from '../../src/db/constraint-violation.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { type Placeholders, preparedQuery } from '../../src/db/prepared.js';
import type { Database } from '../../src/db/schema.js';
import { dropDatabase, freshDatabaseUrl } from '../helpers/dialects.js';

const at = '2024-01-01T00:00:00.000Z';

/** The statements this connection keeps by name (the pool holds one connection). */
async function namedStatements(db: Kysely<Database>): Promise<string[]> {
  const { rows } = await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(db);
  return rows.map((row) => row.statement);
}

const usernameOf = preparedQuery((db, p: Placeholders<{ id: number }>) =>
  db.selectFrom('users').select('username').where('id', '=', p.id),
);
const everythingOf = preparedQuery((db, p: Placeholders<{ id: number }>) =>
  db.selectFrom('users').selectAll().where('id', '=', p.id),
);
const addUser = preparedQuery((db, p: Placeholders<{ username: string }>) =>
  db.insertInto('users').values({ username: p.username, password_hash: 'x', role: 'user', created_at: at }),
);

describe('PostgreSQL statements sent under a name (src/db/named-statements.ts)', () => {
  let url: string;
  let handle: DatabaseHandle;
  const kept = async (fragment: string) =>
    (await namedStatements(handle.db)).filter((text) => text.includes(fragment));
  beforeEach(async () => {
    url = await freshDatabaseUrl('postgres');
    handle = openDatabase(url, { poolMax: 1 });
    await migrateToLatest(handle);
    await addUser.run(handle.db, { username: 'alice' });
  });
  afterEach(async () => {
    await handle.close();
    await dropDatabase(url);
  });

  it('keeps a query compiled once (preparedQuery) by name on its connection, once however often it runs', async () => {
    for (let run = 0; run < 3; run++)
      expect(await usernameOf.run(handle.db, { id: 1 })).toEqual([{ username: 'alice' }]);
    expect(await kept('select "username"')).toHaveLength(1);
  });

  it('names no other query, and nothing inside a transaction', async () => {
    const role = await handle.db.selectFrom('users').select('role').where('id', '=', 1).execute();
    expect(role).toEqual([{ role: 'user' }]);
    expect(await kept('select "role"')).toEqual([]);
    await handle.db.transaction().execute(async (trx) => {
      expect(await usernameOf.run(trx, { id: 1 })).toEqual([{ username: 'alice' }]);
    });
    expect(await kept('select "username"')).toEqual([]);
  });

  it('still answers a `select *` kept from before its table changed, with the new column', async () => {
    expect((await everythingOf.run(handle.db, { id: 1 }))[0]).not.toHaveProperty('nickname');
    expect(await kept('select *')).toHaveLength(1);
    await sql`alter table users add column nickname text default 'ally'`.execute(handle.db);
    expect((await everythingOf.run(handle.db, { id: 1 }))[0]).toMatchObject({
      username: 'alice',
      nickname: 'ally',
    });
    expect((await everythingOf.run(handle.db, { id: 1 }))[0]).toMatchObject({ nickname: 'ally' });
  });

  it('still answers when the server lost the statement (a pooler handing over another connection)', async () => {
    expect(await usernameOf.run(handle.db, { id: 1 })).toEqual([{ username: 'alice' }]);
    expect(await kept('select "username"')).toHaveLength(1);
    await sql`deallocate all`.execute(handle.db);
    expect(await usernameOf.run(handle.db, { id: 1 })).toEqual([{ username: 'alice' }]);
    expect(await usernameOf.run(handle.db, { id: 2 })).toEqual([]);
  });

  it('runs a refused statement once: its error is not taken for a naming one', async () => {
    const lastId = async () =>
      (await sql<{ id: number }>`select last_value as id from users_id_seq`.execute(handle.db)).rows[0]?.id;
    const before = await lastId();
    const refused = await addUser.run(handle.db, { username: 'alice' }).catch((error: unknown) => error);
    expect(uniqueViolation(refused)).toBe('users_username_unique');
    // One insert took one id from the sequence; a second attempt would have taken another.
    expect(await lastId()).toBe((before as number) + 1);
  });
});
